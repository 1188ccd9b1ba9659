// AllowedScores: which verdict values a criterion accepts (a closed range or an explicit set).
// Rubric criteria build one from their ScoreScale (`AllowedScores(scale:)`); label answers are read
// through the scale itself, not through this type.
import Foundation

/// The scores a criterion accepts.
public enum AllowedScores: Sendable, Equatable {
    /// Any value in the range, decimals included (e.g. 1...5 accepts 3.5).
    case range(ClosedRange<Double>)
    /// Exactly these values (e.g. [1, 2, 3, 4, 5] or [0, 1]).
    case set([Double])

    /// Whether `value` is an allowed score (sets compare with a 1e-9 tolerance).
    public func contains(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        switch self {
        case .range(let r): return r.contains(value)
        case .set(let values): return values.contains { abs($0 - value) <= 1e-9 }
        }
    }

    /// The discrete score values: the set itself, or the whole numbers inside a range. These are
    /// the score tokens used for probability-weighted scoring.
    public var discreteValues: [Double] {
        switch self {
        case .set(let values): return values.sorted()
        case .range(let r):
            let lo = r.lowerBound.rounded(.up)
            let hi = r.upperBound.rounded(.down)
            guard lo <= hi, hi - lo <= 10_000 else { return [] }
            return stride(from: lo, through: hi, by: 1).map { $0 }
        }
    }

    /// The list reported in an off-scale failure: the set, or the range's two bounds.
    var reported: [Double] {
        switch self {
        case .set(let values): return values.sorted()
        case .range(let r): return [r.lowerBound, r.upperBound]
        }
    }

    /// Lowest and highest allowed score.
    public var bounds: ClosedRange<Double> {
        switch self {
        case .range(let r): return r
        case .set(let values):
            let lo = values.min() ?? 0
            let hi = values.max() ?? 0
            return lo...hi
        }
    }

    /// A human-readable description for re-ask prompts, e.g. "an integer from 1 to 5".
    var promptDescription: String {
        switch self {
        case .range(let r):
            return "a number from \(JudgmentFailure.format(r.lowerBound)) to \(JudgmentFailure.format(r.upperBound))"
        case .set(let values):
            return "one of " + values.sorted().map { JudgmentFailure.format($0) }.joined(separator: ", ")
        }
    }
}
