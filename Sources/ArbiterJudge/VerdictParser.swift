// VerdictParser: extracts a score (or per-criterion scores) from a judge's free-text answer.
// Recognised forms: "[RESULT] 4", "Score: 4/5", "Rating: 4 out of 5", "**Score:** 4", JSON
// {"score": 4, "rationale": ...} (also in ```json fences), and a bare number as the whole answer.
// The LAST verdict in the text wins, so a verdict quoted earlier (e.g. inside the judged response)
// cannot hijack the result. It does not rescale: "8/10" on a 1–5 scale is off-scale, not 4.
// Pairwise parsing lives in VerdictParser+Pairwise.swift, per-criterion in +Criteria, label
// scales ("[RESULT] pass", read through the rubric's ScoreScale) in +Labels.
import ArbiterCore
import ArbiterRubric
import Foundation

/// A successfully parsed score.
public struct ParsedScore: Sendable, Equatable {
    public var score: Double
    /// Text before the final verdict (or the JSON rationale), trimmed; nil when empty.
    public var rationale: String?

    public init(score: Double, rationale: String?) {
        self.score = score
        self.rationale = rationale
    }
}

/// Parses judge output against the allowed scores.
public struct VerdictParser: Sendable {
    public var allowed: AllowedScores
    /// The rubric scale answers are read through; on a label scale a `[RESULT] <label>` line
    /// is a verdict of that level's score (VerdictParser+Labels). Nil: numbers only.
    public var scale: ScoreScale?

    public init(allowed: AllowedScores, scale: ScoreScale? = nil) {
        self.allowed = allowed
        self.scale = scale
    }

    /// The final score in `text`, or why there is none.
    public func parseScore(_ text: String) -> Result<ParsedScore, JudgmentFailure> {
        let normalized = Self.normalize(text)
        if normalized.allSatisfy(\.isWhitespace) { return .failure(.emptyOutput) }
        let labelled = scale.map { Self.labelCandidates(in: normalized, scale: $0) } ?? []
        guard let last = (Self.scoreCandidates(in: normalized) + labelled).max(by: Self.earlier) else {
            return .failure(Self.noVerdictFailure(normalized))
        }
        guard allowed.contains(last.value) else {
            return .failure(.offScale(value: last.value, allowed: allowed.reported))
        }
        let rationale = last.rationale ?? Self.clean(normalized.utf16Prefix(last.start))
        return .success(ParsedScore(score: last.value, rationale: rationale))
    }

    // MARK: - Candidates

    struct Candidate {
        var start: Int
        var end: Int
        var value: Double
        var rationale: String?
    }

    /// Orders candidates by position: the later end wins; on equal ends the later start wins.
    static func earlier(_ x: Candidate, _ y: Candidate) -> Bool {
        x.end != y.end ? x.end < y.end : x.start < y.start
    }

    static let number = #"([-+]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+))"#
    static let outOf = #"(?:\s*(?:/|out\s+of)\s*[0-9]+(?:\.[0-9]+)?)?"#

    /// "[RESULT] 4", "[RESULT]: 4/5", "[RESULT] [[4]]".
    static let resultTag = TextPattern(#"\[\s*RESULT\s*\]\s*[:=]?\s*[*_]*\s*\[*\s*"# + number + outOf)
    /// "Score: 4", "**Score:** 4/5", "Final rating = 4 out of 5", "The score is 4", "Rating: [[4]]".
    static let labelled = TextPattern(
        #"(?<![A-Za-z0-9])(?:score|rating|grade|verdict)\s*[*_]*\s*(?:[:=]|\bis\b)\s*[*_]*\s*\[*\s*"# + number + outOf)
    /// The whole answer is a number: "4", "**4**", "4/5", "4.5."
    static let bare = TextPattern(#"^\s*[*_`"'\[]*\s*"# + number + outOf + #"\s*[*_`"'\].]*\s*$"#)

    static let refusal = TextPattern(
        #"\b(?:I\s+cannot|I\s+can\s*not|I\s+can't|I'm\s+sorry|I\s+am\s+sorry|I'm\s+unable|I\s+am\s+unable|I\s+won't|I\s+will\s+not|I\s+must\s+decline|as\s+an\s+AI)\b"#
    )

    static func scoreCandidates(in text: String) -> [Candidate] {
        var out: [Candidate] = []
        for pattern in [resultTag, labelled, bare] {
            for m in pattern.matches(in: text) {
                guard let g = m.groups.first, let s = g, let v = Double(s) else { continue }
                out.append(Candidate(start: m.start, end: m.end, value: v, rationale: nil))
            }
        }
        for object in JSONObjectScanner.objects(in: text) {
            guard case .object(let fields) = object.value,
                let value = scoreField(in: fields)
            else { continue }
            out.append(
                Candidate(start: object.start, end: object.end, value: value, rationale: rationaleField(in: fields)))
        }
        return out
    }

    static let scoreKeys = ["score", "rating", "final_score", "overall_score", "result", "grade"]
    static let rationaleKeys = ["rationale", "reasoning", "explanation", "justification", "feedback", "reason"]

    static func field(_ keys: [String], in fields: [String: JSONValue]) -> JSONValue? {
        let lowered = Dictionary(fields.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        for key in keys { if let v = lowered[key] { return v } }
        return nil
    }

    static func scoreField(in fields: [String: JSONValue]) -> Double? {
        field(scoreKeys, in: fields)?.numericValue
    }

    static func rationaleField(in fields: [String: JSONValue]) -> String? {
        field(rationaleKeys, in: fields)?.stringValue.flatMap(clean)
    }

    // MARK: - Text helpers

    /// CRLF → LF, typographic apostrophes → ASCII, so patterns see one form.
    static func normalize(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\u{2019}", with: "'")
    }

    /// Trims whitespace and dangling markdown (emphasis markers, an open code fence); nil if empty.
    static func clean(_ text: String) -> String? {
        var s = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if s.hasSuffix("```json") { s.removeLast(7) } else if s.hasSuffix("```") { s.removeLast(3) }
        s = s.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "*_#>-")))
        return s.isEmpty ? nil : s
    }

    /// Empty, refusal or unparseable, for text with no verdict.
    static func noVerdictFailure(_ text: String) -> JudgmentFailure {
        if text.allSatisfy(\.isWhitespace) { return .emptyOutput }
        return refusal.firstMatch(in: text) != nil ? .refusal : .unparseable
    }
}
