// JudgeNetwork+Prediction: reading a trained network's outputs as a judge's answers — a score on
// the rubric's scale with a distribution over its levels (pointwise), or Davidson probabilities
// and a verdict (pairwise). Shared by validation in the trainer and by TrainedJudge. Inference
// only (no tape). Not the losses.
import ArbiterCore
import ArbiterRubric
import ArbiterTensor
import Foundation

/// A pointwise prediction: a score on the scale and, for level heads, the probability of each
/// level's score.
struct PointwisePrediction: Sendable, Equatable {
    var score: Double
    var distribution: [Double: Double]?
}

/// A pairwise prediction: both rewards and Davidson's three probabilities; the verdict is the
/// most probable outcome.
struct PairwisePrediction: Sendable, Equatable {
    var rewardA: Double
    var rewardB: Double
    var probabilities: (a: Double, b: Double, tie: Double)

    var verdict: PairwiseVerdict {
        let p = probabilities
        if p.tie >= p.a && p.tie >= p.b { return .tie }
        return p.a >= p.b ? .a : .b
    }

    static func == (l: PairwisePrediction, r: PairwisePrediction) -> Bool {
        l.rewardA == r.rewardA && l.rewardB == r.rewardB && l.probabilities == r.probabilities
    }
}

extension JudgeNetwork {
    /// Head outputs of `texts` in chunks of `batchSize` (fewer padded tokens per chunk), as rows.
    func outputRows(_ texts: [JudgeText], batchSize: Int = 16) -> [[Float]] {
        var rows: [[Float]] = []
        rows.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            let chunk = Array(texts[start..<min(start + batchSize, texts.count)])
            let out = Tensor.noGrad { outputs(chunk) }.scalars  // (b, K)
            let k = outputWidth
            for row in 0..<chunk.count { rows.append(Array(out[(row * k)..<((row + 1) * k)])) }
            start += batchSize
        }
        return rows
    }

    /// Pointwise predictions on `scale`: a regression head's output in [0, 1] mapped onto the
    /// scale (clamped to its range); level heads give the expected score over their levels.
    func pointwisePredictions(_ texts: [JudgeText], scale: ScoreScale, batchSize: Int = 16) -> [PointwisePrediction] {
        let levels = scale.levels.map(\.score)
        let cut = cutpoints.map { c in Tensor.noGrad { c.scalars } }
        return outputRows(texts, batchSize: batchSize).map { row in
            let probabilities: [Double]
            switch headKind {
            case .scalar:
                let unit = min(max(Double(row[0]), 0), 1)
                return PointwisePrediction(score: scale.minimum + unit * (scale.maximum - scale.minimum))
            case .ordinal:
                probabilities = RewardModelLoss.cumulativeLinkProbabilities(score: row[0], cutpoints: cut ?? [])
            case .classification, .verdict:
                let m = row.max() ?? 0
                let e = row.map { Foundation.exp(Double($0 - m)) }
                let z = e.reduce(0, +)
                probabilities = e.map { $0 / z }
            }
            let score = zip(levels, probabilities).reduce(0) { $0 + $1.0 * $1.1 }
            var distribution: [Double: Double] = [:]
            for (level, p) in zip(levels, probabilities) { distribution[level, default: 0] += p }
            return PointwisePrediction(score: min(max(score, scale.minimum), scale.maximum), distribution: distribution)
        }
    }

    /// Pairwise predictions from a scalar head: each response's reward, and Davidson's
    /// probabilities with tie strength exp(`logTieStrength`) (−∞: no ties, plain Bradley–Terry).
    func pairwisePredictions(
        _ pairs: [(a: JudgeText, b: JudgeText)], logTieStrength: Float?, batchSize: Int = 16
    ) -> [PairwisePrediction] {
        precondition(headKind == .scalar, "pairwise predictions need a scalar head")
        let rows = outputRows(pairs.flatMap { [$0.a, $0.b] }, batchSize: batchSize)
        return pairs.indices.map { i in
            let ra = rows[2 * i][0]
            let rb = rows[2 * i + 1][0]
            let p = RewardModelLoss.davidsonProbabilities(
                difference: ra - rb, logTieStrength: logTieStrength ?? -Float.infinity)
            return PairwisePrediction(rewardA: Double(ra), rewardB: Double(rb), probabilities: p)
        }
    }
}
