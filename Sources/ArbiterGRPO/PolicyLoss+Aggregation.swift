// PolicyLoss+Aggregation: how each loss type reduces the per-token loss ℓ (B, T) to a scalar, as
// TRL 1.9.0 does (its normalisers, luspo's unmasked mean included), the weights ∂loss/∂ℓ that the
// gradient needs, and the entropy bonus with the same normaliser. Not here: ℓ itself
// (PolicyLoss+Variants.swift).

/// A loss type's reduction: loss = Σ weights · ℓ (divided by the accumulation steps where TRL does).
struct Aggregation {
    let batch: LossBatch
    let type: PolicyLossType
    /// ℓ is one value per row (sequence level without a per-token term): matters to luspo only.
    let rowShaped: Bool
    let maxCompletionLength: Int
    /// ∂loss/∂ℓ at each (b, t).  // (B·T)
    let weights: [Double]

    init(_ batch: LossBatch, _ config: PolicyLossConfiguration, rowShaped: Bool) {
        self.batch = batch
        self.type = config.lossType
        self.rowShaped = rowShaped
        self.maxCompletionLength = config.maxCompletionLength
        let b = Double(batch.rows)
        let t = batch.columns
        let steps = Double(batch.accumulationSteps)
        let total = max(batch.lengths.reduce(0, +), 1)
        let tokenCount = max(batch.itemsInBatch, 1) / Double(batch.processes)
        let type = config.lossType
        let maxLength = Double(config.maxCompletionLength)
        weights = (0..<batch.rows * t).map { i in
            let row = i / t
            let m = batch.mask[i]
            switch type {
            case .grpo, .sapo: return m / max(batch.lengths[row], 1) / b / steps
            case .bnpo: return m / total / steps
            case .drGRPO: return m / (b * maxLength) / steps
            case .dapo, .cispo, .vespo: return m / tokenCount
            case .luspo:
                if rowShaped { return i % t == 0 ? batch.lengths[row] / b / steps : 0 }
                return batch.lengths[row] / (b * Double(t)) / steps
            }
        }
    }

    /// TRL divides grpo, bnpo, dr_grpo, luspo and sapo by the gradient-accumulation steps, not the
    /// token-count normalised types.
    var accumulationDivisor: Double {
        [.dapo, .cispo, .vespo].contains(type) ? 1 : Double(batch.accumulationSteps)
    }

    /// The loss before the accumulation division (TRL's `policy_loss`), summed in TRL's order.
    func policyLoss(_ value: [Double]) -> Double {
        let b = batch.rows
        let t = batch.columns
        let mask = batch.mask
        func maskedSum(_ row: Int) -> Double {
            (0..<t).reduce(0.0) { $0 + value[row * t + $1] * mask[row * t + $1] }
        }
        let sum = (0..<b).reduce(0.0) { $0 + maskedSum($1) }
        switch type {
        case .grpo, .sapo:
            return (0..<b).reduce(0.0) { $0 + maskedSum($1) / max(batch.lengths[$1], 1) } / Double(b)
        case .bnpo: return sum / max(batch.lengths.reduce(0, +), 1)
        case .drGRPO: return sum / Double(b * maxCompletionLength)
        case .dapo, .cispo, .vespo: return sum / (max(batch.itemsInBatch, 1) / Double(batch.processes))
        case .luspo:
            if rowShaped {
                return (0..<b).reduce(0.0) { $0 + value[$1 * t] * batch.lengths[$1] } / Double(b)
            }
            return value.indices.reduce(0.0) { $0 + value[$1] * batch.lengths[$1 / t] } / Double(b * t)
        }
    }

    /// The mean-entropy term H (loss − coef·H) and ∂H/∂entropies, over the mask (times the
    /// high-entropy mask when on); cispo/dapo/vespo divide by their token count, the others take a
    /// mean and divide by the accumulation steps.
    func entropyBonus(_ batch: LossBatch, entropyMask: [Bool]?) -> (value: Double, gradient: [Double]) {
        guard let entropies = batch.entropies else {
            preconditionFailure("entropies are needed for the entropy bonus")
        }
        let effective = batch.mask.indices.map { i in batch.mask[i] * (entropyMask.map { $0[i] ? 1.0 : 0.0 } ?? 1) }
        let divisor: Double
        if [.dapo, .cispo, .vespo].contains(type) {
            divisor = max(batch.itemsInBatch, 1) / Double(batch.processes)
        } else {
            divisor = max(effective.reduce(0, +), 1) * Double(batch.accumulationSteps)
        }
        let sum = zip(entropies, effective).reduce(0.0) { $0 + $1.0 * $1.1 }
        return (sum / divisor, effective.map { $0 / divisor })
    }
}
