// Verifier: a programmatic judge. Each verifier checks one completion (optionally against the
// sample's reference) and returns a score (1/0 or a value) with a reason; `judge` wraps that into
// Judgments. A verifier that cannot evaluate (e.g. no reference) returns a typed failure.
import ArbiterCore
import Foundation

/// A verifier's verdict on one completion.
public struct VerifierResult: Sendable, Equatable {
    public var score: Double
    public var reason: String

    public init(score: Double, reason: String) {
        self.score = score
        self.reason = reason
    }

    static func pass(_ reason: String) -> VerifierResult { VerifierResult(score: 1, reason: reason) }
    static func fail(_ reason: String) -> VerifierResult { VerifierResult(score: 0, reason: reason) }
}

/// A programmatic judge.
public protocol Verifier: Judge<JudgeSample> {
    /// Short kind name stored as the judgment's model, e.g. "exact_match".
    var kind: String { get }
    func verify(_ sample: JudgeSample) async -> Result<VerifierResult, JudgmentFailure>
}

extension Verifier {
    public var name: String { kind }

    public func judge(_ samples: [JudgeSample]) async -> [Judgment] {
        var out: [Judgment] = []
        for sample in samples {
            let clock = ContinuousClock()
            let started = clock.now
            let result = await verify(sample)
            let elapsed = clock.now - started
            let ms = elapsed.milliseconds
            switch result {
            case .success(let r):
                out.append(
                    Judgment(
                        id: sample.id, judge: name, rubric: "verifier", criterion: kind, score: r.score,
                        rationale: r.reason, model: "verifier:\(kind)", latencyMs: ms))
            case .failure(let f):
                out.append(
                    Judgment(
                        id: sample.id, judge: name, rubric: "verifier", criterion: kind, rationale: f.description,
                        model: "verifier:\(kind)", latencyMs: ms, failure: f))
            }
        }
        return out
    }
}

/// A verifier option that cannot be used.
public enum VerifierError: LocalizedError, Equatable {
    case invalidPattern(pattern: String, reason: String)
    case invalidSchema(path: String, reason: String)
    case invalidOption(name: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .invalidPattern(let p, let r):
            return "regular expression \(p.debugDescription) does not compile (\(r)); fix the pattern"
        case .invalidSchema(let path, let r): return "JSON schema at \(path): \(r)"
        case .invalidOption(let n, let r): return "verifier option \(n): \(r)"
        }
    }
}

// MARK: - Exact match

/// How strings are normalised before comparison.
public struct TextNormalization: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Strip leading/trailing whitespace.
    public static let trim = TextNormalization(rawValue: 1)
    /// Compare case-insensitively (Unicode case folding).
    public static let caseFold = TextNormalization(rawValue: 2)
    /// Collapse every whitespace run to one space.
    public static let collapseWhitespace = TextNormalization(rawValue: 4)
    public static let all: TextNormalization = [.trim, .caseFold, .collapseWhitespace]

    public func apply(_ text: String) -> String {
        var s = text
        if contains(.collapseWhitespace) {
            s = s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            if !contains(.trim) {
                // Keep one space where the original had edge whitespace.
                if text.first?.isWhitespace == true { s = " " + s }
                if text.last?.isWhitespace == true, !s.isEmpty { s += " " }
            }
        }
        if contains(.trim) { s = s.trimmingCharacters(in: .whitespacesAndNewlines) }
        if contains(.caseFold) { s = s.folding(options: [.caseInsensitive], locale: nil) }
        return s
    }
}

/// Score 1 when the completion equals the sample's reference after normalisation.
public struct ExactMatchVerifier: Verifier {
    public let kind = "exact_match"
    public var normalization: TextNormalization

    public init(normalization: TextNormalization = [.trim]) {
        self.normalization = normalization
    }

    public func verify(_ sample: JudgeSample) async -> Result<VerifierResult, JudgmentFailure> {
        check(sample.response, reference: sample.reference)
    }

    public func check(_ completion: String, reference: String?) -> Result<VerifierResult, JudgmentFailure> {
        guard let reference else { return .failure(.invalidSample(message: "exact match needs a reference answer")) }
        let a = normalization.apply(completion)
        let b = normalization.apply(reference)
        return .success(
            a == b
                ? .pass("matches the reference") : .fail("differs from the reference \(b.prefix(80).debugDescription)"))
    }
}

// MARK: - Regular expression

/// Score 1 when the completion matches a regular expression (anywhere, or as a whole).
public struct RegexMatchVerifier: Verifier {
    public let kind = "regex_match"
    public let pattern: String
    public let wholeMatch: Bool
    let compiled: TextPattern

    public init(pattern: String, wholeMatch: Bool = false, caseInsensitive: Bool = false) throws {
        do {
            let re = try NSRegularExpression(pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
            compiled = TextPattern(compiled: re)
        } catch {
            throw VerifierError.invalidPattern(pattern: pattern, reason: "\(error.localizedDescription)")
        }
        self.pattern = pattern
        self.wholeMatch = wholeMatch
    }

    public func verify(_ sample: JudgeSample) async -> Result<VerifierResult, JudgmentFailure> {
        .success(check(sample.response))
    }

    public func check(_ completion: String) -> VerifierResult {
        let length = (completion as NSString).length
        let hit = compiled.matches(in: completion).contains { !wholeMatch || ($0.start == 0 && $0.end == length) }
        return hit ? .pass("matches \(pattern.debugDescription)") : .fail("does not match \(pattern.debugDescription)")
    }
}
