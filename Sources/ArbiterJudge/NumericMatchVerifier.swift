// NumericMatchVerifier: score 1 when the last number in the completion equals the reference
// within an absolute or relative tolerance. Numbers may carry thousands separators ("1,234.5"),
// exponents ("-3e2") or be simple fractions ("3/4"). It does not evaluate expressions.
import Foundation

public struct NumericMatchVerifier: Verifier {
    public let kind = "numeric_match"
    public let absoluteTolerance: Double
    public let relativeTolerance: Double

    /// Passes when |x − ref| ≤ absoluteTolerance or |x − ref| ≤ relativeTolerance · |ref|.
    public init(absoluteTolerance: Double = 1e-9, relativeTolerance: Double = 0) throws {
        guard absoluteTolerance >= 0, absoluteTolerance.isFinite else {
            throw VerifierError.invalidOption(
                name: "absoluteTolerance", reason: "must be finite and ≥ 0, got \(absoluteTolerance)")
        }
        guard relativeTolerance >= 0, relativeTolerance.isFinite else {
            throw VerifierError.invalidOption(
                name: "relativeTolerance", reason: "must be finite and ≥ 0, got \(relativeTolerance)")
        }
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
    }

    public func verify(_ sample: JudgeSample) async -> Result<VerifierResult, JudgmentFailure> {
        check(sample.response, reference: sample.reference)
    }

    public func check(_ completion: String, reference: String?) -> Result<VerifierResult, JudgmentFailure> {
        guard let reference, let want = Self.lastNumber(in: reference) else {
            return .failure(.invalidSample(message: "numeric match needs a reference holding a number"))
        }
        guard let got = Self.lastNumber(in: completion) else { return .success(.fail("no number in the completion")) }
        let diff = abs(got - want)
        let ok = diff <= absoluteTolerance || diff <= relativeTolerance * abs(want)
        let shown = "\(JudgmentFailure.format(got)) vs reference \(JudgmentFailure.format(want))"
        return .success(ok ? .pass("\(shown) within tolerance") : .fail("\(shown): off by \(diff)"))
    }

    static let numberPattern = TextPattern(
        #"(?<![\w.])([-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)(?:\s*/\s*([0-9]+(?:\.[0-9]+)?))?"#
    )

    /// The last number in `text` as a Double, or nil when there is none.
    public static func lastNumber(in text: String) -> Double? {
        for m in numberPattern.matches(in: text).reversed() {
            guard let g = m.groups.first, let raw = g else { continue }
            let cleaned = raw.replacingOccurrences(of: ",", with: "")
            guard cleaned.contains(where: \.isNumber), let value = Double(cleaned), value.isFinite else { continue }
            if m.groups.count > 1, let d = m.groups[1], let denominator = Double(d) {
                guard denominator != 0 else { continue }
                return value / denominator
            }
            return value
        }
        return nil
    }
}
