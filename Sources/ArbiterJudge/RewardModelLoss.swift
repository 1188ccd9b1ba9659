// RewardModelLoss: the objectives a trained judge is fitted with, as differentiable Tensor
// expressions over a JudgeNetwork's head outputs: Bradley–Terry on chosen/rejected rewards (TRL
// 1.9.0's RewardTrainer loss, with its margin and reward centring), and pointwise mean squared
// error; the Davidson tie model, the cumulative-link (ordinal) model and the classification and
// verdict cross-entropies live in RewardModelLoss+*.swift. Every loss is a weighted mean over
// examples and returns a scalar (shape [], as Tensor.mean()). Built only from ArbiterTensor's
// primitive ops, so backward needs no rule of its own. Not here: the training loop, labels, heads.
import ArbiterTensor

/// Losses for training judges. Each takes per-example `weights` (nil: every example counts once)
/// and returns Σᵢ wᵢ ℓᵢ / Σᵢ wᵢ as a scalar tensor (shape []), recorded on the tape.
enum RewardModelLoss {
    /// Bradley–Terry: −log σ(r_c − r_r − m), averaged, plus optional reward centring.
    ///
    /// With `weights` nil this is TRL 1.9.0's `RewardTrainer.compute_loss`, margin and centring
    /// included: `−logsigmoid(rc − rr − margin).mean() + c·mean((rc + rr)²)`.
    ///
    /// - `chosen`, `rejected`: (N) or (N, 1) rewards of the preferred and the other response.
    /// - `margin`: (N) required reward gap per pair (TRL's `margin` column), or nil for 0.
    /// - `centerCoefficient`: the centring option (TRL's `center_rewards_coefficient`). It adds
    ///   c · mean((r_c + r_r)²), which pulls each pair's reward mean towards 0 so rewards stay
    ///   centred (the Bradley–Terry likelihood sees only differences and leaves the offset free).
    ///   Note the square of the SUM r_c + r_r, as TRL has it, not r_c² + r_r². nil: off (as 0).
    /// - `weights`: (N) non-negative example weights with a positive sum; both terms are weighted
    ///   means with them.
    static func bradleyTerry(
        chosen: Tensor, rejected: Tensor, margin: [Float]? = nil, centerCoefficient: Float? = nil,
        weights: [Float]? = nil
    ) -> Tensor {
        let rc = column(chosen, op: "bradleyTerry")  // (N)
        let rr = column(rejected, op: "bradleyTerry")  // (N)
        let n = rc.count
        precondition(rr.count == n, "bradleyTerry: \(n) chosen rewards but \(rr.count) rejected")
        var difference = rc - rr  // (N)
        if let margin {
            precondition(margin.count == n, "bradleyTerry: \(margin.count) margins for \(n) pairs")
            difference = difference - Tensor(margin, shape: [n])
        }
        let loss = weightedMean(difference.logSigmoid().negated(), weights: weights, op: "bradleyTerry")  // []
        guard let c = centerCoefficient else { return loss }
        let centring = weightedMean((rc + rr).pow(2), weights: weights, op: "bradleyTerry")  // []
        return loss + centring * c
    }

    /// The reward metrics TRL's RewardTrainer logs beside the loss: min, mean and max over all 2N
    /// rewards, accuracy (the fraction of pairs with r_c > r_r strictly; equal rewards count as
    /// wrong) and margin (the mean of r_c − r_r, without the `margin` column).
    static func bradleyTerryMetrics(chosen: [Float], rejected: [Float]) -> (
        minReward: Double, meanReward: Double, maxReward: Double, accuracy: Double, margin: Double
    ) {
        precondition(!chosen.isEmpty && chosen.count == rejected.count, "bradleyTerryMetrics: needs N ≥ 1 pairs")
        let all = (chosen + rejected).map(Double.init)
        let n = Double(chosen.count)
        let correct = zip(chosen, rejected).filter { $0 > $1 }.count
        let gap = zip(chosen, rejected).reduce(0.0) { $0 + Double($1.0) - Double($1.1) }
        return (
            all.min() ?? 0, all.reduce(0, +) / Double(all.count), all.max() ?? 0, Double(correct) / n, gap / n
        )
    }

    /// Mean squared error (p − t)² of `predicted` (N) or (N, 1) against `targets` (N).
    static func meanSquaredError(predicted: Tensor, targets: [Float], weights: [Float]? = nil) -> Tensor {
        let p = column(predicted, op: "meanSquaredError")  // (N)
        precondition(targets.count == p.count, "meanSquaredError: \(targets.count) targets for \(p.count) predictions")
        let error = p - Tensor(targets, shape: [p.count])  // (N)
        return weightedMean(error.pow(2), weights: weights, op: "meanSquaredError")
    }

    // MARK: shared pieces

    /// `values` (N) or (N, 1) as (N); N ≥ 1.
    static func column(_ values: Tensor, op: String) -> Tensor {
        let shape = values.shape
        precondition(
            shape.count == 1 || (shape.count == 2 && shape[1] == 1),
            "\(op): expected (N) or (N, 1) values, got \(shape)")
        precondition(shape[0] >= 1, "\(op): no examples")
        return shape.count == 1 ? values : values.reshaped([shape[0]])
    }

    /// Σᵢ wᵢ ℓᵢ / Σᵢ wᵢ of per-example `losses` (N) → []; nil weights: the plain mean. Weights must
    /// be finite and non-negative with a positive sum (a programming error otherwise: label readers
    /// check user weights first). The normalised weights wᵢ / Σw are formed in Double.
    static func weightedMean(_ losses: Tensor, weights: [Float]?, op: String) -> Tensor {
        precondition(losses.shape.count == 1 && losses.count >= 1, "\(op): expected (N ≥ 1) losses")
        guard let weights else { return losses.mean() }
        let n = losses.count
        precondition(weights.count == n, "\(op): \(weights.count) weights for \(n) examples")
        precondition(weights.allSatisfy { $0.isFinite && $0 >= 0 }, "\(op): weights must be finite and ≥ 0")
        let total = weights.reduce(0.0) { $0 + Double($1) }
        precondition(total > 0, "\(op): the weights sum to 0")
        let normalised = Tensor(weights.map { Float(Double($0) / total) }, shape: [n])  // (N)
        return (losses * normalised).sum()
    }

    /// Rows `rows[i]` of a (R) tensor, differentiably (a row gather through `embedding`): → (N).
    static func gather(_ values: Tensor, rows: [Int]) -> Tensor {
        values.reshaped([values.count, 1]).embedding(rows).reshaped([rows.count])
    }
}
