// RewardModelLoss+Ordinal: the cumulative-link (proportional-odds, logit link) model of an
// ordinal scale of L levels: one score s per text and L − 1 increasing cut points c (JudgeHead
// keeps them ordered), P(y ≤ j) = σ(c_j − s), so
//   P(y = j) = σ(c_j − s) − σ(c_{j−1} − s),   c_{−1} = −∞, c_{L−1} = +∞.
// The loss is the mean −log P(y = label), computed in a form that never subtracts two sigmoids
// (see `cumulativeLink`), and the inference helpers give the level distribution and its mean.
// Not here: the head that makes s and c (JudgeHead), or mapping level indices to scale values.
import ArbiterTensor
import Foundation

extension RewardModelLoss {
    /// The smallest value tanh(g/2) may take before its log (log 1e-30 ≈ −69): a middle level
    /// whose cut points coincide (a gap g of 0) gives a large, finite loss, never −log 0 = ∞.
    static let cumulativeLinkGapFloor: Float = 1e-30

    /// Mean −log P(y = label) under the cumulative-link model.
    ///
    /// - `scores`: (N) or (N, 1), one score s per example.
    /// - `cutpoints`: (L − 1) non-decreasing cut points (L ≥ 2), differentiable.
    /// - `levels`: N labels, level indices in 0..<L (not scale values).
    ///
    /// For a = c_j − s > b = c_{j−1} − s, σ(a) − σ(b) = σ(a)·σ(−b)·(1 − e^{−(a−b)}), so
    ///   log P(y = j) = log σ(c_j − s) + log σ(s − c_{j−1}) + log(1 − e^{−g}),  g = c_j − c_{j−1},
    /// where the outer levels keep only their one sigmoid term (j = 0: log σ(c_0 − s); j = L − 1:
    /// log σ(s − c_{L−2})). log σ is finite for every finite input, so no term underflows when s is
    /// far from the interval (where the plain difference of two Float sigmoids is 0). The gap term
    /// depends only on the cut points; it is formed as log tanh(g/2) + softplus(−g), since
    /// 1 − e^{−g} = tanh(g/2)·(1 + e^{−g}) and tanh keeps its relative precision for small g where
    /// 1 − e^{−g} cancels; tanh(g/2) is floored at `cumulativeLinkGapFloor` before the log.
    static func cumulativeLink(scores: Tensor, cutpoints: Tensor, levels: [Int], weights: [Float]? = nil) -> Tensor {
        let s = column(scores, op: "cumulativeLink")  // (N)
        let n = s.count
        precondition(
            cutpoints.shape.count == 1 && cutpoints.count >= 1, "cumulativeLink: cut points must be (L − 1 ≥ 1)")
        let k = cutpoints.count  // L − 1
        let c = cutpoints.scalars
        precondition(
            zip(c, c.dropFirst()).allSatisfy { $0 <= $1 }, "cumulativeLink: cut points must increase, got \(c)")
        precondition(levels.count == n, "cumulativeLink: \(levels.count) labels for \(n) scores")
        precondition(levels.allSatisfy { (0...k).contains($0) }, "cumulativeLink: a label is outside 0..<\(k + 1)")

        let upper = gather(cutpoints, rows: levels.map { Swift.min($0, k - 1) })  // (N) c_j (any row at j = L−1)
        let lower = gather(cutpoints, rows: levels.map { Swift.max($0 - 1, 0) })  // (N) c_{j−1} (any row at j = 0)
        let hasUpper = levels.map { Float($0 < k ? 1 : 0) }  // (N) j < L − 1
        let hasLower = levels.map { Float($0 > 0 ? 1 : 0) }  // (N) j > 0
        let middle = zip(hasUpper, hasLower).map { $0 * $1 }  // (N) both bounds finite

        let logBelowUpper = (upper - s).logSigmoid() * Tensor(hasUpper, shape: [n])  // (N) log σ(c_j − s)
        let logAboveLower = (s - lower).logSigmoid() * Tensor(hasLower, shape: [n])  // (N) log σ(s − c_{j−1})
        // Outer levels get g = 1 (their gather rows may coincide), then the term is masked out.
        let gap = upper - lower + Tensor(middle.map { 1 - $0 }, shape: [n])  // (N) g
        let floor = cumulativeLinkGapFloor
        let halfTanh = (gap * 0.5).tanh()  // (N) tanh(g/2)
        let logGap = ((halfTanh - floor).relu() + floor).log() + gap.negated().softplus()  // (N) log(1 − e^{−g})
        let logP = logBelowUpper + logAboveLower + logGap * Tensor(middle, shape: [n])  // (N)
        return weightedMean(logP.negated(), weights: weights, op: "cumulativeLink")
    }

    /// P(y = j) for j in 0..<L, in Double, for one score and its (L − 1) increasing cut points.
    static func cumulativeLinkProbabilities(score: Float, cutpoints: [Float]) -> [Double] {
        precondition(!cutpoints.isEmpty, "cumulativeLinkProbabilities: needs L − 1 ≥ 1 cut points")
        let s = Double(score)
        let below = cutpoints.map { sigmoid(Double($0) - s) } + [1]  // P(y ≤ j), j = 0..<L
        return below.indices.map { j in Swift.max(0, below[j] - (j == 0 ? 0 : below[j - 1])) }
    }

    /// The expected level index Σ j · P(y = j), a continuous score on the level indices 0...L − 1.
    static func cumulativeLinkExpectedLevel(score: Float, cutpoints: [Float]) -> Double {
        cumulativeLinkProbabilities(score: score, cutpoints: cutpoints).enumerated().reduce(0) {
            $0 + Double($1.offset) * $1.element
        }
    }

    /// σ(x) in Double without overflow for either sign.
    private static func sigmoid(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
    }
}
