// VerdictParser+Labels: verdicts on label scales (ordinal "good", binary "pass"), read through
// the rubric's ScoreScale: the text after `[RESULT]` (or after `[RESULT] <id>:` for one
// criterion of several) to the end of its line is given to `ScoreScale.level(forAnswer:)`, and a
// level it names is a verdict of that level's score. Numeric scales are read by the number
// patterns alone. It does not rewrite the answer: `raw` keeps what the model wrote.
import ArbiterRubric
import Foundation

extension VerdictParser {
    /// "[RESULT] <rest of the line>".
    static let resultLine = TextPattern(#"\[\s*RESULT\s*\]([^\n]*)"#)

    /// `[RESULT] <label>` verdicts of a single-criterion answer.
    static func labelCandidates(in text: String, scale: ScoreScale) -> [Candidate] {
        guard scale.type != .numeric else { return [] }
        return resultLine.matches(in: text).compactMap { m in
            guard let rest = m.groups.first ?? nil, let level = scale.level(forAnswer: rest) else { return nil }
            return Candidate(start: m.start, end: m.end, value: level.score, rationale: nil)
        }
    }

    /// `[RESULT] <id>: <label>` verdicts of criterion `id`.
    static func labelCandidates(in text: String, criterion id: String, scale: ScoreScale) -> [Candidate] {
        guard scale.type != .numeric else { return [] }
        return resultLine.matches(in: text).compactMap { m in
            guard let rest = m.groups.first ?? nil, let colon = rest.firstIndex(of: ":"),
                rest[..<colon].trimmingCharacters(in: .whitespaces) == id,
                let level = scale.level(forAnswer: String(rest[rest.index(after: colon)...]))
            else { return nil }
            return Candidate(start: m.start, end: m.end, value: level.score, rationale: nil)
        }
    }
}
