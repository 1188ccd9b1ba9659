// RewardModelLoss+Classification: cross-entropy objectives over a scale's L levels, for heads
// that output one number per level: a classification head's logits (softmax over the L levels),
// and a generative verdict judge's log-probabilities of each level's verdict token (already
// normalised over the whole vocabulary, so not renormalised here). Not here: reading those
// log-probabilities out of a language model (the network does that).
import ArbiterTensor

extension RewardModelLoss {
    /// Mean −log softmax(logits)[label] of `logits` (N, L) and labels in 0..<L. Unweighted it is
    /// `Tensor.crossEntropy`; weighted, the per-row log-probabilities (`tokenLogProbs`) are averaged.
    static func classification(logits: Tensor, levels: [Int], weights: [Float]? = nil) -> Tensor {
        precondition(logits.shape.count == 2, "classification: logits must be (N, L), got \(logits.shape)")
        precondition(levels.count == logits.shape[0], "classification: \(levels.count) labels for \(logits.shape)")
        guard weights != nil else { return logits.crossEntropy(targets: levels, ignoreIndex: nil) }
        return weightedMean(logits.tokenLogProbs(targets: levels).negated(), weights: weights, op: "classification")
    }

    /// Mean −log p[label] of `logProbabilities` (N, L): row n holds, for each level, the log-probability
    /// of the token that opens that level's verdict, under the full vocabulary. The L values need
    /// not sum to 1 in probability: mass on other tokens is not renormalised away, so training also
    /// moves the judge towards answering on the scale.
    static func verdict(logProbabilities: Tensor, levels: [Int], weights: [Float]? = nil) -> Tensor {
        precondition(
            logProbabilities.shape.count == 2,
            "verdict: log-probabilities must be (N, L), got \(logProbabilities.shape)")
        let n = logProbabilities.shape[0]
        let width = logProbabilities.shape[1]
        precondition(levels.count == n, "verdict: \(levels.count) labels for \(logProbabilities.shape)")
        precondition(levels.allSatisfy { (0..<width).contains($0) }, "verdict: a label is outside 0..<\(width)")
        let picked = gather(logProbabilities, rows: levels.enumerated().map { $0.offset * width + $0.element })  // (N)
        return weightedMean(picked.negated(), weights: weights, op: "verdict")
    }
}
