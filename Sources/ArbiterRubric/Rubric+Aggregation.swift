// Rubric+Aggregation: combines per-criterion scores into one score by the rubric's rule.
// weighted-mean and min work on raw scores when every criterion has the same scale (same type
// and levels' scores), else on scores normalised to [0, 1]; all-pass gives 1 when every binary
// criterion passes, else 0. Weights are relative: any positive numbers, divided by their sum.
import Foundation

/// An aggregated score and the range it lives in.
public struct AggregatedScore: Sendable, Codable, Equatable {
    /// The combined score.
    public let value: Double
    /// The lowest possible value (the common scale's minimum, or 0 when normalised).
    public let minimum: Double
    /// The highest possible value (the common scale's maximum, or 1 when normalised).
    public let maximum: Double
    /// True when scores were normalised to [0, 1] before combining.
    public let normalised: Bool
}

extension Rubric {
    /// Whether every criterion uses the same scale scores, so raw scores are comparable.
    public var hasCommonScale: Bool {
        guard let first = criteria.first?.scale else { return false }
        let scores = first.levels.map(\.score)
        return criteria.allSatisfy { $0.scale?.type == first.type && $0.scale?.levels.map(\.score) == scores }
    }

    /// Combines `scores` (criterion id → score on that criterion's scale). Throws
    /// `RubricScoreError` for a missing or unknown criterion or a score that is not a level.
    public func aggregate(_ scores: [String: Double]) throws -> AggregatedScore {
        guard kind == .pointwise else {
            throw RubricScoreError(
                rubric: name, problem: "a \(kind.rawValue) rubric has no scores to combine",
                fix: "aggregate with a pointwise rubric (pairwise rubrics give a verdict)")
        }
        if let unknown = scores.keys.sorted().first(where: { criterion($0) == nil }) {
            throw RubricScoreError(
                rubric: name, problem: "`\(unknown)` is not a criterion",
                fix: "use the ids \(criteria.map(\.id).joined(separator: ", "))")
        }
        var values: [(weight: Double, raw: Double, normalised: Double)] = []
        for criterion in criteria {
            guard let scale = criterion.scale else { continue }
            guard let score = scores[criterion.id] else {
                throw RubricScoreError(
                    rubric: name, problem: "no score for `\(criterion.id)`", fix: "score every criterion")
            }
            guard scale.levels.contains(where: { $0.score == score }) else {
                throw RubricScoreError(
                    rubric: name, problem: "\(score) is not a level of `\(criterion.id)`",
                    fix: "use one of \(scale.levels.map { Self.formatNumber($0.score) }.joined(separator: ", "))")
            }
            values.append((criterion.weight, score, scale.normalised(score)))
        }
        switch aggregation {
        case .allPass:
            let passed = values.allSatisfy { $0.raw == 1 }
            return AggregatedScore(value: passed ? 1 : 0, minimum: 0, maximum: 1, normalised: false)
        case .weightedMean, .min:
            let common = hasCommonScale
            let pick: ((weight: Double, raw: Double, normalised: Double)) -> Double = {
                common ? $0.raw : $0.normalised
            }
            let low = common ? (criteria.first?.scale?.minimum ?? 0) : 0
            let high = common ? (criteria.first?.scale?.maximum ?? 1) : 1
            let value: Double
            if aggregation == .min {
                value = values.map(pick).min() ?? low
            } else {
                // Weights are first scaled by a power of two that brings the largest near 1: exact
                // (the same result as unscaled), and w · s cannot overflow for huge weights.
                let largest = values.map(\.weight).max() ?? 1
                let scale = Double(sign: .plus, exponent: -largest.exponent, significand: 1)
                let totalWeight = values.reduce(0) { $0 + $1.weight * scale }
                value = values.reduce(0) { $0 + $1.weight * scale * pick($1) } / totalWeight
            }
            return AggregatedScore(value: value, minimum: low, maximum: high, normalised: !common)
        }
    }
}
