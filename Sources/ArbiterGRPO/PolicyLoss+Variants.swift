// PolicyLoss+Variants: the per-token objective ℓ of each loss type (TRL 1.9.0 grpo_trainer.py
// `_compute_loss`), with ∂ℓ/∂ratio and the direct ∂ℓ/∂logp, plus the k3 KL term. PyTorch's
// derivative rules are kept where they decide a value: min(a, b) splits the gradient in half on a
// tie, clamp passes it on the closed interval, `.detach()`ed factors carry none. Not here: the
// ratios, masks and normalisers (PolicyLoss.swift, +Masks, +Aggregation).
import Foundation

/// Which ratio metrics TRL logs for a loss type.
enum RatioMetricKind {
    /// grpo, bnpo, dr_grpo, dapo, luspo: `clip_ratio/*`.
    case clip
    /// `cispo_clip_ratio`.
    case cispo
    /// `vespo/phi_seq_mean` of the per-sequence gamma weights.  // (B)
    case vespo([Double])
    /// sapo: none.
    case none
}

/// ℓ and its partial derivatives at every (b, t); row values repeated along the row.
struct PerTokenTerms {
    var value: [Double]  // (B·T) ℓ
    var perRatio: [Double]  // (B·T) ∂ℓ/∂ratio
    var direct: [Double]  // (B·T) ∂ℓ/∂logp through paths other than the ratio
    var clippedRatio: [Double]?  // (B·T) the ratio after delta's cap (what the clip metrics see)
    var ratioMetricKind: RatioMetricKind

    mutating func scale(_ i: Int, by factor: Double) {
        value[i] *= factor
        perRatio[i] *= factor
        direct[i] *= factor
    }

    /// Adds β · k3 KL (times the ratio with bias correction); returns the KL as TRL logs it.  // (B·T)
    mutating func addKL(_ batch: LossBatch, ratio: [Double], beta: Double, biasCorrected: Bool) -> [Double] {
        guard let reference = batch.reference else {
            preconditionFailure("referenceLogProbs are needed when beta ≠ 0")
        }
        var logged = [Double](repeating: 0, count: value.count)
        for i in value.indices {
            let difference = reference[i] - batch.logProbs[i]
            let e = Foundation.exp(difference)
            let kl = e - difference - 1
            let klDerivative = 1 - e  // ∂kl/∂logp
            if biasCorrected {
                logged[i] = kl * ratio[i]
                perRatio[i] += beta * kl
                direct[i] += beta * ratio[i] * klDerivative
            } else {
                logged[i] = kl
                direct[i] += beta * klDerivative
            }
            value[i] += beta * logged[i]
        }
        return logged
    }

    static func objective(_ batch: LossBatch, ratio: [Double], _ config: PolicyLossConfiguration) -> PerTokenTerms {
        switch config.lossType {
        case .grpo, .bnpo, .drGRPO, .dapo, .luspo: clipped(batch, ratio: ratio, config)
        case .cispo: cispo(batch, ratio: ratio, config)
        case .sapo: sapo(batch, ratio: ratio, config)
        case .vespo: vespo(batch, config)
        }
    }

    /// −min(r·A, clamp(r, 1−ε_low, 1+ε_high)·A), r capped at delta first when set.
    static func clipped(_ batch: LossBatch, ratio: [Double], _ config: PolicyLossConfiguration) -> PerTokenTerms {
        let n = ratio.count
        let low = 1 - config.epsilon
        let high = 1 + config.effectiveEpsilonHigh
        var terms = PerTokenTerms(
            value: .init(repeating: 0, count: n), perRatio: .init(repeating: 0, count: n),
            direct: .init(repeating: 0, count: n), clippedRatio: nil, ratioMetricKind: .clip)
        var capped = ratio
        for i in 0..<n {
            let a = batch.advantages[i / batch.columns]
            let r = ratio[i]
            let clamped = min(max(r, low), high)
            let clampedSlope: Double = (r >= low && r <= high) ? 1 : 0
            var unclipped = r
            var unclippedSlope = 1.0
            if let delta = config.delta {
                unclipped = min(r, delta)
                unclippedSlope = r <= delta ? 1 : 0
            }
            capped[i] = unclipped
            let first = unclipped * a
            let second = clamped * a
            terms.value[i] = -min(first, second)
            if first < second {
                terms.perRatio[i] = -a * unclippedSlope
            } else if first > second {
                terms.perRatio[i] = -a * clampedSlope
            } else {
                terms.perRatio[i] = -(a * unclippedSlope + a * clampedSlope) / 2
            }
        }
        terms.clippedRatio = capped
        return terms
    }

    /// −sg(min(r, ε_high)) · A · logp: the capped ratio is a constant weight.
    static func cispo(_ batch: LossBatch, ratio: [Double], _ config: PolicyLossConfiguration) -> PerTokenTerms {
        let cap = config.effectiveEpsilonHigh
        var terms = PerTokenTerms(
            value: [], perRatio: .init(repeating: 0, count: ratio.count), direct: [], clippedRatio: nil,
            ratioMetricKind: .cispo)
        for i in ratio.indices {
            let weight = -min(ratio[i], cap) * batch.advantages[i / batch.columns]
            terms.value.append(weight * batch.logProbs[i])
            terms.direct.append(weight)
        }
        return terms
    }

    /// −sigmoid(τ(r − 1)) · 4/τ · A, τ = the positive temperature when A > 0, else the negative one
    /// (each rounded to float32, as TRL's `torch.where` makes them).
    static func sapo(_ batch: LossBatch, ratio: [Double], _ config: PolicyLossConfiguration) -> PerTokenTerms {
        var terms = PerTokenTerms(
            value: [], perRatio: [], direct: .init(repeating: 0, count: ratio.count), clippedRatio: nil,
            ratioMetricKind: .none)
        for i in ratio.indices {
            let a = batch.advantages[i / batch.columns]
            // torch.where on two Python floats makes a float32 tensor: τ is rounded to Float
            let tau = Double(Float(a > 0 ? config.sapoTemperaturePositive : config.sapoTemperatureNegative))
            let sigmoid = 1 / (1 + Foundation.exp(-(tau * (ratio[i] - 1))))
            terms.value.append(-(sigmoid * 4 / tau) * a)
            terms.perRatio.append(-4 * a * sigmoid * (1 - sigmoid))
        }
        return terms
    }

    /// −φ · A · logp with φ TRL's no-grad gamma weight of the summed sequence log-ratio.
    static func vespo(_ batch: LossBatch, _ config: PolicyLossConfiguration) -> PerTokenTerms {
        let phi = gammaWeights(batch, config)  // (B)
        let n = batch.logProbs.count
        var terms = PerTokenTerms(
            value: [], perRatio: .init(repeating: 0, count: n), direct: [], clippedRatio: nil,
            ratioMetricKind: .vespo(phi))
        for i in 0..<n {
            let row = i / batch.columns
            let weight = -phi[row] * batch.advantages[row]
            terms.value.append(weight * batch.logProbs[i])
            terms.direct.append(weight)
        }
        return terms
    }

    /// φ(w) = exp(λ + k·log w − λ·w), w = exp(Σ_t mask · clamp(log-ratio, ±20)) clamped to
    /// [1e-8, e^20]; k, λ by the sign of A; NaN/±∞ → 0 (TRL `get_gamma_weights`).  // (B)
    static func gammaWeights(_ batch: LossBatch, _ config: PolicyLossConfiguration) -> [Double] {
        let logRatio = batch.logRatio
        let lowerClamp = Foundation.log(1e-8)
        return (0..<batch.rows).map { row in
            var sum = 0.0
            for col in 0..<batch.columns {
                let i = row * batch.columns + col
                sum += min(max(logRatio[i], -20), 20) * batch.mask[i]
            }
            let logW = min(max(sum, lowerClamp), 20)
            let w = Foundation.exp(logW)
            let nonNegative = batch.advantages[row] >= 0
            // torch.where on Python floats: float32 k and λ (the clamp's 1e-4 too)
            let k = Double(Float(nonNegative ? config.vespoKPositive : config.vespoKNegative))
            let lambda = Double(max(Float(nonNegative ? config.vespoLambdaPositive : config.vespoLambdaNegative), 1e-4))
            let phi = Foundation.exp(lambda + k * logW - lambda * w)
            return phi.isFinite ? phi : 0
        }
    }
}
