// VerdictParser+Pairwise: the winner of a pairwise comparison from free text: "[RESULT] A|B|TIE",
// MT-Bench "[[A]]"/"[[B]]"/"[[C]]" (C = tie), AlpacaEval "Output (a)", "Response A is better",
// "Winner: B", "it's a tie", JSON {"winner": "a"}, or a bare "A"/"B"/"tie". The LAST verdict wins.
import ArbiterCore
import Foundation

/// A successfully parsed pairwise verdict.
public struct ParsedVerdict: Sendable, Equatable {
    public var verdict: PairwiseVerdict
    public var rationale: String?

    public init(verdict: PairwiseVerdict, rationale: String?) {
        self.verdict = verdict
        self.rationale = rationale
    }
}

extension VerdictParser {
    /// The final pairwise verdict in `text`, or why there is none. Needs no score scale.
    public static func parsePairwise(_ text: String) -> Result<ParsedVerdict, JudgmentFailure> {
        let normalized = normalize(text)
        if normalized.allSatisfy(\.isWhitespace) { return .failure(.emptyOutput) }
        var candidates: [(start: Int, end: Int, verdict: PairwiseVerdict, rationale: String?)] = []
        for pattern in pairwisePatterns {
            for m in pattern.matches(in: normalized) {
                // A pattern without a group (a tie phrase) means tie.
                let token = m.groups.first.flatMap { $0 } ?? "tie"
                if let v = verdict(from: token) { candidates.append((m.start, m.end, v, nil)) }
            }
        }
        for object in JSONObjectScanner.objects(in: normalized) {
            guard case .object(let fields) = object.value,
                let token = field(["winner", "verdict", "preference", "preferred", "better"], in: fields)?.stringValue,
                let v = verdict(from: token)
            else { continue }
            candidates.append((object.start, object.end, v, rationaleField(in: fields)))
        }
        guard let last = candidates.max(by: { $0.end != $1.end ? $0.end < $1.end : $0.start < $1.start }) else {
            return .failure(noVerdictFailure(normalized))
        }
        return .success(
            ParsedVerdict(verdict: last.verdict, rationale: last.rationale ?? clean(normalized.utf16Prefix(last.start)))
        )
    }

    static let side = #"(?:response|output|answer|assistant|model)"#

    static let pairwisePatterns: [TextPattern] = [
        TextPattern(#"\[\s*RESULT\s*\]\s*[:=]?\s*[*_]*\s*\(?\s*(?:"# + side + #"\s+)?(A|B|TIE)\b"#),
        TextPattern(#"\[\[\s*(A|B|C|TIE)\s*\]\]"#),
        TextPattern(#"\boutput\s*\(\s*([ab])\s*\)"#),
        TextPattern(
            #"\b"# + side
                + #"\s*\(?\s*([AB])\s*\)?\s+(?:is|was)\s+(?:clearly\s+|slightly\s+|much\s+|significantly\s+)?(?:the\s+)?(?:better|superior|preferred|stronger|more\s+helpful|winner)"#
        ),
        TextPattern(
            #"\b(?:winner|verdict|preference|preferred(?:\s+response)?|better\s+response)\s*[*_]*\s*[:=]\s*[*_]*\s*(?:"#
                + side + #"\s*)?\(?\s*(A|B|tie)\b"#),
        TextPattern(
            #"\b(?:it\s*'?s\s+a\s+tie|it\s+is\s+a\s+tie|(?:both|the\s+two)\s+(?:responses|outputs|answers)\s+are\s+(?:equally\s+good|equal|equivalent|tied))"#
        ),
        TextPattern(#"^\s*[*_`"'(\[]*\s*(A|B|tie)\s*[*_`"').\]]*\s*$"#),
    ]

    /// Maps "a", "Response B", "(a)", "C", "tie", "draw", "equal" to a verdict.
    static func verdict(from token: String) -> PairwiseVerdict? {
        var t = token.lowercased().trimmingCharacters(in: .whitespacesAndNewlines)
        for prefix in ["response ", "output ", "answer ", "assistant ", "model "] where t.hasPrefix(prefix) {
            t.removeFirst(prefix.count)
        }
        t = t.trimmingCharacters(in: CharacterSet(charactersIn: "()[] ."))
        switch t {
        case "a": return .a
        case "b": return .b
        case "c", "tie", "draw", "equal", "both": return .tie
        default: return nil
        }
    }
}
