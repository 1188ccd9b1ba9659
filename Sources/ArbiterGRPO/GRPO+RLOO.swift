// GRPO+RLOO: TRL 1.9.0's RLOOTrainer maths: leave-one-out advantages (rloo_trainer.py
// L1515–1590; optional batch z-score, optional first-order sequence KL in the reward) and its
// sequence-level clipped loss (L1655–1722) with the gradient w.r.t. the per-token log-probs.
// Not here: GRPO's group advantages (GRPO+Advantages.swift) and policy loss (PolicyLoss.swift).
import Foundation

extension GRPO {
    /// RLOO advantages: r − mean of the group's other scorable rewards, optionally z-scored over the
    /// batch (std + 1e-4); unscorable rows and single-scorable groups get 0.
    ///
    /// - Parameters:
    ///   - rewardsPerFunction: (B)(K) rewards; nil where the function returned None.
    ///   - sequenceKL: (B) Σ_t mask · (old − ref) log-probs (see `sequenceKL(...)`); used when beta ≠ 0,
    ///     the reward becoming r − beta · KL. TRL sums it in float32; the Float path rounds this Double sum.
    public static func rlooAdvantages(
        rewardsPerFunction: [[Double?]], functionNames: [String], weights: [Double]?,
        groupSize: Int, normalize: Bool, sequenceKL: [Double]?, beta: Double
    ) -> GroupAdvantages {
        let shape = RewardShape(rewardsPerFunction, functionNames, weights, groupSize)
        precondition(beta == 0 || sequenceKL?.count == shape.count, "beta ≠ 0 needs one sequence KL per row")
        let kl = beta == 0 ? nil : sequenceKL
        let single: (advantages: [Float], isStdZero: [Bool]) = leaveOneOut(
            shape, normalize: normalize, kl: kl, beta: beta)
        let double: (advantages: [Double], isStdZero: [Bool]) = leaveOneOut(
            shape, normalize: normalize, kl: kl, beta: beta)
        let zero = single.isStdZero.filter { $0 }.count
        var metrics = rewardMetrics(shape)
        metrics["frac_reward_zero_std"] = Double(Float(zero) / Float(single.isStdZero.count))
        return GroupAdvantages(
            advantages: single.advantages, advantagesDouble: double.advantages,
            rewards: shape.weightedSums(Float.self), zeroStdGroups: zero, metrics: metrics)
    }

    /// Σ_t mask · (old − ref) per completion: RLOO's first-order sequence KL.  // (B)
    public static func sequenceKL(
        oldLogProbs: [Double], referenceLogProbs: [Double], mask: [Bool], positions: Int
    ) -> [Double] {
        precondition(positions > 0 && oldLogProbs.count == mask.count && referenceLogProbs.count == mask.count)
        precondition(mask.count % positions == 0, "arrays must be B·T")
        return (0..<mask.count / positions).map { row in
            (0..<positions).reduce(0.0) { sum, col in
                let i = row * positions + col
                return sum + (mask[i] ? oldLogProbs[i] - referenceLogProbs[i] : 0)
            }
        }
    }

    /// The statements of rloo_trainer.py L1515–1563 in F; `isStdZero` is per group.
    static func leaveOneOut<F: BinaryFloatingPoint>(
        _ shape: RewardShape, normalize: Bool, kl: [Double]?, beta: Double
    ) -> (advantages: [F], isStdZero: [Bool]) {
        let g = shape.groupSize
        var rewards = shape.weightedSums(F.self)  // (B)
        if let kl {
            for i in rewards.indices { rewards[i] -= F(beta) * F(kl[i]) }
        }
        var advantages = [F](repeating: 0, count: rewards.count)  // (B)
        var isStdZero: [Bool] = []  // (groups)
        for start in stride(from: 0, to: rewards.count, by: g) {
            let group = Array(rewards[start..<start + g])  // (G)
            isStdZero.append(Stats.isCloseToZero(g > 1 ? Stats.nanStd(group) : 0))
            guard g > 1 else { continue }
            let scorable = group.filter { !$0.isNaN }
            let sum = scorable.reduce(F(0), +)
            let divisor = F(scorable.count - 1)
            for (j, reward) in group.enumerated() { advantages[start + j] = reward - (sum - reward) / divisor }
        }
        if normalize {
            let mean = Stats.nanMean(advantages)
            let std = Stats.nanStd(advantages)
            advantages = advantages.map { ($0 - mean) / (std + F(1e-4)) }
        }
        return (advantages.map { nanToNum($0) }, isStdZero)
    }

    /// `torch.nan_to_num`: NaN → 0, ±∞ → ± the greatest finite value.
    static func nanToNum<F: BinaryFloatingPoint>(_ value: F) -> F {
        if value.isNaN { return 0 }
        if value.isInfinite { return value > 0 ? F.greatestFiniteMagnitude : -F.greatestFiniteMagnitude }
        return value
    }

    /// TRL's RLOO loss: r = exp(Σ mask·logp − old sequence log-prob), −min(r·A, clamp(r, 1−ε, 1+ε_high)·A)
    /// averaged over sequences, with its gradient and metrics (`entropy`, `clip_ratio/*` in float32).
    ///
    /// - Parameter oldSequenceLogProbs: (B) Σ mask·old log-probs; nil takes them from
    ///   `inputs.oldLogProbs`, or from `inputs.logProbs` (ratio 1) when those are nil too.
    public static func rlooLoss(
        _ inputs: PolicyLossInputs, oldSequenceLogProbs: [Double]? = nil, epsilon: Double = 0.2,
        epsilonHigh: Double? = nil
    ) -> PolicyLossResult {
        let batch = LossBatch(inputs)
        let b = batch.rows
        let t = batch.columns
        let oldSums =
            oldSequenceLogProbs
            ?? (0..<b).map { row in (0..<t).reduce(0.0) { $0 + batch.old[row * t + $1] * batch.mask[row * t + $1] } }
        precondition(oldSums.count == b, "one old sequence log-prob per completion")
        let low = 1 - epsilon
        let high = 1 + (epsilonHigh ?? epsilon)
        var loss = 0.0
        var grad = [Double](repeating: 0, count: b * t)  // (B·T)
        var lowFlags: [Float] = []  // (B)
        var highFlags: [Float] = []  // (B)
        for row in 0..<b {
            let logp = (0..<t).reduce(0.0) { $0 + batch.logProbs[row * t + $1] * batch.mask[row * t + $1] }
            let a = batch.advantages[row]
            let r = Foundation.exp(logp - oldSums[row])
            let clamped = min(max(r, low), high)
            let first = r * a
            let second = clamped * a
            loss += -min(first, second)
            let clampedSlope: Double = (r >= low && r <= high) ? 1 : 0
            let perRatio: Double =
                first < second ? -a : first > second ? -a * clampedSlope : -(a + a * clampedSlope) / 2
            for col in 0..<t { grad[row * t + col] = perRatio * r * batch.mask[row * t + col] / Double(b) }
            lowFlags.append(r < low && a < 0 ? 1 : 0)
            highFlags.append(r > high && a > 0 ? 1 : 0)
        }
        var metrics = batch.lossMetrics(kl: nil)
        let region = zip(lowFlags, highFlags).map { $0 == 1 || $1 == 1 ? Float(1) : 0 }
        metrics["clip_ratio/low_mean"] = Double(lowFlags.reduce(0, +) / Float(b))
        metrics["clip_ratio/low_min"] = Double(lowFlags.min() ?? .nan)
        metrics["clip_ratio/high_mean"] = Double(highFlags.reduce(0, +) / Float(b))
        metrics["clip_ratio/high_max"] = Double(highFlags.max() ?? .nan)
        metrics["clip_ratio/region_mean"] = Double(region.reduce(0, +) / Float(b))
        return PolicyLossResult(loss: loss / Double(b), gradLogProbs: grad, gradEntropies: nil, metrics: metrics)
    }
}
