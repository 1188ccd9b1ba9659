// RewardModelLoss+Davidson: pairwise training with explicit ties, by Davidson's (1970) extension
// of Bradley–Terry. With d = s_A − s_B and a learned tie strength ν = exp(log ν) > 0:
//   P(a) = e^{d/2} / Z,  P(b) = e^{−d/2} / Z,  P(tie) = ν / Z,  Z = e^{d/2} + e^{−d/2} + ν.
// At d = 0, P(tie) = ν / (2 + ν); as ν → 0, P(a) → σ(d), plain Bradley–Terry. The three
// log-probabilities are a log-softmax over the logits [d/2, −d/2, log ν], so the loss is stable
// for any finite scores. Not here: a tie band fitted after training (no such thing is used).
import ArbiterCore
import ArbiterTensor
import Foundation

extension RewardModelLoss {
    /// Mean −log P(winner) under the Davidson model.
    ///
    /// - `scoreA`, `scoreB`: (N) or (N, 1) rewards of response A and response B.
    /// - `winners`: the N labels (`.a`, `.b`, `.tie`).
    /// - `logTieStrength`: (1) or [] trainable log ν; its gradient is recorded.
    static func davidson(
        scoreA: Tensor, scoreB: Tensor, winners: [PairwiseVerdict], logTieStrength: Tensor, weights: [Float]? = nil
    ) -> Tensor {
        let a = column(scoreA, op: "davidson")  // (N)
        let b = column(scoreB, op: "davidson")  // (N)
        let n = a.count
        precondition(b.count == n, "davidson: \(n) A scores but \(b.count) B scores")
        precondition(winners.count == n, "davidson: \(winners.count) winners for \(n) pairs")
        precondition(logTieStrength.count == 1, "davidson: log tie strength must hold one value")
        let half = ((a - b) * 0.5).reshaped([n, 1])  // (N, 1) d/2
        let logNu = Tensor.zeros([n, 1]) + logTieStrength.reshaped([1, 1])  // (N, 1)
        let logits = Tensor.concat([half, half.negated(), logNu], alongAxis: 1)  // (N, 3)
        let logP = logits.tokenLogProbs(targets: winners.map(davidsonColumn))  // (N)
        return weightedMean(logP.negated(), weights: weights, op: "davidson")
    }

    /// P(a), P(b), P(tie) for a score difference d = s_A − s_B, in Double (a softmax over
    /// [d/2, −d/2, log ν] shifted by its maximum, so no term overflows).
    static func davidsonProbabilities(difference: Float, logTieStrength: Float) -> (a: Double, b: Double, tie: Double) {
        let logits = [Double(difference) / 2, -Double(difference) / 2, Double(logTieStrength)]
        let top = logits.max() ?? 0
        let e = logits.map { Foundation.exp($0 - top) }
        let z = e[0] + e[1] + e[2]
        return (e[0] / z, e[1] / z, e[2] / z)
    }

    /// The column of a verdict among the Davidson logits [d/2, −d/2, log ν].
    private static func davidsonColumn(_ verdict: PairwiseVerdict) -> Int {
        switch verdict {
        case .a: return 0
        case .b: return 1
        case .tie: return 2
        }
    }
}
