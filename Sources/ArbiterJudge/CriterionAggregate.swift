// CriterionAggregate: the weighted score of one item across a rubric's criteria.
// Rule: failed or missing criteria are skipped and reported; the weights of the criteria that
// succeeded are renormalised to sum to 1; the aggregate is nil when every criterion failed.
// Weights are validated in init (finite, ≥ 0, at least one > 0).
import Foundation

/// Invalid criterion weights.
public enum CriterionWeightsError: LocalizedError, Equatable {
    case invalidWeight(criterion: String, weight: Double)
    case noPositiveWeight

    public var errorDescription: String? {
        switch self {
        case .invalidWeight(let c, let w):
            return "criterion \"\(c)\" has weight \(w); weights must be finite and ≥ 0 (fix the rubric's weight)"
        case .noPositiveWeight:
            return "all criterion weights are 0 or none given; give at least one criterion a positive weight"
        }
    }
}

/// The weighted aggregate and which criteria it used.
public struct WeightedAggregate: Sendable, Equatable {
    /// Weighted mean over the criteria that succeeded; nil when all failed.
    public var score: Double?
    /// Criteria that contributed, in weight order of the input.
    public var used: [String]
    /// Criteria with a failed judgment or no judgment at all.
    public var failed: [String]
}

public struct CriterionAggregate: Sendable {
    public let weights: [(criterion: String, weight: Double)]

    public init(weights: [(criterion: String, weight: Double)]) throws {
        for (c, w) in weights where !w.isFinite || w < 0 {
            throw CriterionWeightsError.invalidWeight(criterion: c, weight: w)
        }
        guard weights.contains(where: { $0.weight > 0 }) else { throw CriterionWeightsError.noPositiveWeight }
        self.weights = weights
    }

    /// Aggregates one item's judgments (one per criterion; extra criteria are ignored).
    /// Zero-weight criteria never count as used or failed.
    public func aggregate(_ judgments: [Judgment]) -> WeightedAggregate {
        var byCriterion: [String: Judgment] = [:]
        for j in judgments { byCriterion[j.criterion] = j }
        var total = 0.0
        var weightSum = 0.0
        var used: [String] = []
        var failed: [String] = []
        for (c, w) in weights where w > 0 {
            if let j = byCriterion[c], j.failure == nil, let s = j.score {
                total += w * s
                weightSum += w
                used.append(c)
            } else {
                failed.append(c)
            }
        }
        return WeightedAggregate(score: weightSum > 0 ? total / weightSum : nil, used: used, failed: failed)
    }
}
