// FormatVerifier: score 1 when the completion meets every format rule (valid JSON, a whole-text
// regular expression, length limits, non-empty); otherwise 0 with every broken rule listed.
import ArbiterCore
import Foundation

/// One format requirement.
public enum FormatRule: Sendable {
    /// The whole completion (trimmed, ``` fences removed) parses as JSON.
    case json
    /// The whole completion matches the pattern, e.g. `^\[RESULT\] \d$`.
    case matches(RegexMatchVerifier)
    /// At most this many characters.
    case maxLength(Int)
    /// At least this many characters.
    case minLength(Int)
    /// Not empty after trimming whitespace.
    case nonEmpty

    /// A whole-text regex rule; throws when the pattern does not compile.
    public static func pattern(_ pattern: String) throws -> FormatRule {
        .matches(try RegexMatchVerifier(pattern: pattern, wholeMatch: true))
    }
}

public struct FormatVerifier: Verifier {
    public let kind = "format"
    public let rules: [FormatRule]

    public init(rules: [FormatRule]) throws {
        guard !rules.isEmpty else {
            throw VerifierError.invalidOption(name: "rules", reason: "give at least one format rule")
        }
        for rule in rules {
            switch rule {
            case .maxLength(let n) where n < 0, .minLength(let n) where n < 0:
                throw VerifierError.invalidOption(name: "length", reason: "limits must be ≥ 0, got \(n)")
            default: break
            }
        }
        self.rules = rules
    }

    public func verify(_ sample: JudgeSample) async -> Result<VerifierResult, JudgmentFailure> {
        .success(check(sample.response))
    }

    public func check(_ completion: String) -> VerifierResult {
        var broken: [String] = []
        for rule in rules {
            switch rule {
            case .json:
                if JSONValue.parse(Self.stripFences(completion)) == nil { broken.append("not valid JSON") }
            case .matches(let regex):
                if regex.check(completion).score == 0 {
                    broken.append("does not match \(regex.pattern.debugDescription)")
                }
            case .maxLength(let n):
                if completion.count > n { broken.append("\(completion.count) characters > max \(n)") }
            case .minLength(let n):
                if completion.count < n { broken.append("\(completion.count) characters < min \(n)") }
            case .nonEmpty:
                if completion.allSatisfy(\.isWhitespace) { broken.append("empty") }
            }
        }
        return broken.isEmpty ? .pass("all \(rules.count) format rules hold") : .fail(broken.joined(separator: "; "))
    }

    /// Trims whitespace and one surrounding ``` / ```json fence.
    static func stripFences(_ text: String) -> String {
        var s = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard s.hasPrefix("```"), s.hasSuffix("```"), s.count >= 6 else { return s }
        s = String(s.dropFirst(3).dropLast(3))
        if let newline = s.firstIndex(of: "\n"), s[..<newline].allSatisfy({ $0.isLetter }) {
            s = String(s[s.index(after: newline)...])
        }
        return s.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
