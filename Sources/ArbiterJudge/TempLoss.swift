// TEMPORARY (replaced by the helper's RewardModelLoss at merge).
import ArbiterCore
import ArbiterTensor
import Foundation

enum RewardModelLoss {
    static func weighted(_ l: Tensor, _ w: [Float]?) -> Tensor {
        guard let w else { return l.mean() }
        let s = w.reduce(0, +)
        return (l * Tensor(w.map { $0 / s }, shape: [w.count])).sum()
    }
    static func bradleyTerry(chosen: Tensor, rejected: Tensor, margin: [Float]?, centerCoefficient: Float?, weights: [Float]?) -> Tensor {
        var d = chosen - rejected
        if let margin { d = d - Tensor(margin, shape: [margin.count]) }
        var loss = weighted(d.logSigmoid().negated(), weights)
        if let c = centerCoefficient { let s = chosen + rejected; loss = loss + (s * s).mean() * c }
        return loss
    }
    static func davidson(scoreA: Tensor, scoreB: Tensor, winners: [PairwiseVerdict], logTieStrength: Tensor, weights: [Float]?) -> Tensor {
        let n = winners.count
        let half = (scoreA - scoreB) * 0.5  // (N)
        let nu = logTieStrength.reshaped([1]) + Tensor.zeros([n])
        let logits = Tensor.stack([half, half.negated(), nu], alongAxis: 1)  // (N, 3)
        let m = logits.max(alongAxis: 1, keepDim: true).detached()
        let lse = (logits - m).exp().sum(alongAxis: 1).log() + m.reshaped([n])
        let pick = winners.map { $0 == .a ? 0 : $0 == .b ? 1 : 2 }
        let chosen = logits.reshaped([n * 3, 1]).embedding(pick.enumerated().map { $0.offset * 3 + $0.element })
        return weighted(lse - chosen.reshaped([n]), weights)
    }
    static func davidsonProbabilities(difference: Float, logTieStrength: Float) -> (a: Double, b: Double, tie: Double) {
        let h = Double(difference) / 2
        let l = [h, -h, Double(logTieStrength)]
        let m = l.max()!
        let e = l.map { Foundation.exp($0 - m) }
        let z = e.reduce(0, +)
        return (e[0] / z, e[1] / z, e[2] / z)
    }
    static func meanSquaredError(predicted: Tensor, targets: [Float], weights: [Float]?) -> Tensor {
        let d = predicted - Tensor(targets, shape: [targets.count])
        return weighted(d * d, weights)
    }
    static func cumulativeLink(scores: Tensor, cutpoints: Tensor, levels: [Int], weights: [Float]?) -> Tensor {
        fatalError("temp")
    }
    static func cumulativeLinkProbabilities(score: Float, cutpoints: [Float]) -> [Double] {
        var cdf = cutpoints.map { 1 / (1 + Foundation.exp(-Double($0 - score))) }
        cdf.append(1)
        return cdf.indices.map { $0 == 0 ? cdf[0] : cdf[$0] - cdf[$0 - 1] }
    }
    static func classification(logits: Tensor, levels: [Int], weights: [Float]?) -> Tensor { fatalError("temp") }
    static func verdict(logProbabilities: Tensor, levels: [Int], weights: [Float]?) -> Tensor { fatalError("temp") }
}
