// PolicyLoss: TRL 1.9.0's `GRPOTrainer._compute_loss` on arrays, with its gradient w.r.t. the
// per-token log-probs derived by hand (Double): importance ratios (token or sequence level), the
// per-token objective of each loss type (PolicyLoss+Variants.swift), off-policy and high-entropy
// masks (PolicyLoss+Masks.swift), the k3 KL term, each loss type's normaliser, the entropy bonus,
// and TRL's metrics (PolicyLoss+Metrics.swift). Not here: autograd (the trainer injects
// `gradLogProbs` into its tape), config validation for users (the trainer's), advantages.
import Foundation

/// The policy loss (TRL's `loss_type`).
public enum PolicyLossType: String, Sendable, CaseIterable, Codable {
    case grpo, bnpo
    case drGRPO = "dr_grpo"
    case dapo, luspo, cispo, sapo, vespo
}

/// Where the importance ratio is taken (TRL's `importance_sampling_level`; sequence = GSPO).
public enum ImportanceSamplingLevel: String, Sendable, CaseIterable, Codable {
    case token, sequence
}

/// The loss options, with TRL 1.9.0's `GRPOConfig` defaults.
public struct PolicyLossConfiguration: Sendable, Equatable, Codable {
    public var lossType: PolicyLossType = .dapo
    /// KL coefficient β (k3 estimator against the reference model).
    public var beta: Double = 0
    /// ε_low: the ratio is clipped below at 1 − ε.
    public var epsilon: Double = 0.2
    /// ε_high: clipped above at 1 + ε_high; nil falls back to `epsilon` (TRL). For cispo it is the cap.
    public var epsilonHigh: Double?
    /// Two-sided clipping: the unclipped ratio is capped at delta (nil: off).
    public var delta: Double?
    public var importanceSamplingLevel: ImportanceSamplingLevel = .token
    /// Multiply the per-token KL by the importance ratio.
    public var useBiasCorrectionKL = false
    /// Train only on tokens whose entropy is in this top fraction (1: all tokens).
    public var topEntropyQuantile: Double = 1.0
    /// Entropy bonus coefficient (loss − coef · mean entropy); 0: off.
    public var entropyCoefficient: Double = 0
    /// Drop sequences with A < 0 whose mean (old − current) log-prob exceeds this (nil: off).
    public var offPolicyMaskThreshold: Double?
    /// dr_grpo divides by batch × this.
    public var maxCompletionLength: Int
    /// sapo temperature for A > 0.
    public var sapoTemperaturePositive: Double = 1.0
    /// sapo temperature for A ≤ 0.
    public var sapoTemperatureNegative: Double = 1.05
    /// vespo gamma weight shape k and rate λ for A ≥ 0 and A < 0.
    public var vespoKPositive: Double = 2.0
    public var vespoLambdaPositive: Double = 3.0
    public var vespoKNegative: Double = 3.0
    public var vespoLambdaNegative: Double = 2.0

    public init(
        lossType: PolicyLossType = .dapo, beta: Double = 0, epsilon: Double = 0.2, epsilonHigh: Double? = nil,
        delta: Double? = nil, importanceSamplingLevel: ImportanceSamplingLevel = .token,
        useBiasCorrectionKL: Bool = false, topEntropyQuantile: Double = 1.0, entropyCoefficient: Double = 0,
        offPolicyMaskThreshold: Double? = nil, maxCompletionLength: Int
    ) {
        self.lossType = lossType
        self.beta = beta
        self.epsilon = epsilon
        self.epsilonHigh = epsilonHigh
        self.delta = delta
        self.importanceSamplingLevel = importanceSamplingLevel
        self.useBiasCorrectionKL = useBiasCorrectionKL
        self.topEntropyQuantile = topEntropyQuantile
        self.entropyCoefficient = entropyCoefficient
        self.offPolicyMaskThreshold = offPolicyMaskThreshold
        self.maxCompletionLength = maxCompletionLength
    }

    /// The ε_high TRL uses: `epsilon_high or epsilon`.
    var effectiveEpsilonHigh: Double { epsilonHigh ?? epsilon }
}

/// One micro-batch: B completions × T positions, row-major (B·T).
public struct PolicyLossInputs: Sendable {
    public var batchSize: Int
    public var positions: Int
    /// π_θ log-prob of each completion token.  // (B·T)
    public var logProbs: [Double]
    /// Log-probs at generation time; nil → `logProbs` as a constant (ratio 1).  // (B·T)
    public var oldLogProbs: [Double]?
    /// Reference-model log-probs; needed when beta ≠ 0.  // (B·T)
    public var referenceLogProbs: [Double]?
    /// Completion mask.  // (B·T)
    public var mask: [Bool]
    /// One advantage per completion.  // (B)
    public var advantages: [Double]
    /// Per-token entropies; needed for top_entropy_quantile < 1 and the entropy bonus.  // (B·T)
    public var entropies: [Double]?
    /// TRL's `num_items_in_batch`: mask tokens of the whole generation batch over all processes.
    public var itemsInBatch: Double
    public var processes: Int = 1
    public var gradientAccumulationSteps: Int = 1

    public init(
        batchSize: Int, positions: Int, logProbs: [Double], oldLogProbs: [Double]? = nil,
        referenceLogProbs: [Double]? = nil, mask: [Bool], advantages: [Double], entropies: [Double]? = nil,
        itemsInBatch: Double, processes: Int = 1, gradientAccumulationSteps: Int = 1
    ) {
        self.batchSize = batchSize
        self.positions = positions
        self.logProbs = logProbs
        self.oldLogProbs = oldLogProbs
        self.referenceLogProbs = referenceLogProbs
        self.mask = mask
        self.advantages = advantages
        self.entropies = entropies
        self.itemsInBatch = itemsInBatch
        self.processes = processes
        self.gradientAccumulationSteps = gradientAccumulationSteps
    }
}

/// The loss, its gradient and TRL's metrics.
public struct PolicyLossResult: Sendable {
    public var loss: Double
    /// d loss / d logProbs (old and reference log-probs constant; TRL's `.detach()`s respected).  // (B·T)
    public var gradLogProbs: [Double]
    /// d loss / d entropies when the entropy bonus is on, else nil.  // (B·T)
    public var gradEntropies: [Double]?
    /// TRL's names: `entropy`, `kl`, `clip_ratio/low_mean`, `cispo_clip_ratio`, `vespo/phi_seq_mean`, ...
    public var metrics: [String: Double]
}

extension GRPO {
    /// TRL 1.9.0's GRPO policy loss of one micro-batch, with its analytic gradient.
    public static func policyLoss(_ inputs: PolicyLossInputs, _ configuration: PolicyLossConfiguration)
        -> PolicyLossResult
    {
        let batch = LossBatch(inputs)
        let config = configuration
        let b = batch.rows
        let t = batch.columns
        let sequenceLevel = config.importanceSamplingLevel == .sequence
        let ratio = batch.importanceRatios(sequenceLevel: sequenceLevel)  // (B·T), a row's value repeated
        let entropyMask = batch.highEntropyMask(keeping: config.topEntropyQuantile)  // (B·T) or nil
        let offPolicyMask = config.offPolicyMaskThreshold.map { batch.offPolicyMask(threshold: $0) }  // (B)

        // Per-token objective: value, ∂/∂ratio, and ∂/∂logp through paths other than the ratio.
        var terms = PerTokenTerms.objective(batch, ratio: ratio, config)
        for i in 0..<b * t {
            let keep = (offPolicyMask?[i / t] ?? 1) * (entropyMask.map { $0[i] ? 1.0 : 0.0 } ?? 1)
            if keep != 1 { terms.scale(i, by: keep) }
        }
        var kl: [Double]? = nil  // (B·T), as logged
        if config.beta != 0 {
            kl = terms.addKL(batch, ratio: ratio, beta: config.beta, biasCorrected: config.useBiasCorrectionKL)
        }
        let rowShaped =
            sequenceLevel && config.beta == 0 && entropyMask == nil
            && ![.cispo, .vespo].contains(config.lossType)
        let aggregation = Aggregation(batch, config, rowShaped: rowShaped)
        let policyLoss = aggregation.policyLoss(terms.value)
        var loss = policyLoss / aggregation.accumulationDivisor

        var grad = [Double](repeating: 0, count: b * t)  // (B·T)
        var rowSensitivity = [Double](repeating: 0, count: b)  // (B) Σ_t W ∂ℓ/∂ratio (sequence level)
        for i in 0..<b * t {
            let w = aggregation.weights[i]
            grad[i] += w * terms.direct[i]
            if sequenceLevel {
                rowSensitivity[i / t] += w * terms.perRatio[i]
            } else {
                grad[i] += w * terms.perRatio[i] * ratio[i]
            }
        }
        if sequenceLevel {
            for i in 0..<b * t where batch.mask[i] > 0 {
                grad[i] += rowSensitivity[i / t] * ratio[i] / max(batch.lengths[i / t], 1)
            }
        }

        var metrics = batch.lossMetrics(kl: kl)
        var gradEntropies: [Double]? = nil
        if config.entropyCoefficient != 0 {
            let bonus = aggregation.entropyBonus(batch, entropyMask: entropyMask)
            loss -= config.entropyCoefficient * bonus.value
            gradEntropies = bonus.gradient.map { -config.entropyCoefficient * $0 }
            metrics["policy_loss"] = policyLoss
            metrics["entropy_coef"] = config.entropyCoefficient
        }
        metrics.merge(batch.ratioMetrics(ratio: terms.clippedRatio ?? ratio, terms.ratioMetricKind, config)) { $1 }
        return PolicyLossResult(loss: loss, gradLogProbs: grad, gradEntropies: gradEntropies, metrics: metrics)
    }
}

/// The inputs as (B, T) Double arrays, with the derived row lengths.
struct LossBatch {
    let rows: Int
    let columns: Int
    let logProbs: [Double]  // (B·T)
    let old: [Double]  // (B·T)
    let reference: [Double]?  // (B·T)
    let mask: [Double]  // (B·T) 0/1
    let advantages: [Double]  // (B)
    let entropies: [Double]?  // (B·T)
    let lengths: [Double]  // (B) mask sums
    let itemsInBatch: Double
    let processes: Int
    let accumulationSteps: Int

    init(_ inputs: PolicyLossInputs) {
        let n = inputs.batchSize * inputs.positions
        precondition(inputs.batchSize > 0 && inputs.positions > 0, "empty batch")
        precondition(inputs.logProbs.count == n && inputs.mask.count == n, "logProbs and mask must be B·T = \(n)")
        precondition(inputs.oldLogProbs.map { $0.count == n } ?? true, "oldLogProbs must be B·T = \(n)")
        precondition(inputs.referenceLogProbs.map { $0.count == n } ?? true, "referenceLogProbs must be B·T")
        precondition(inputs.entropies.map { $0.count == n } ?? true, "entropies must be B·T = \(n)")
        precondition(inputs.advantages.count == inputs.batchSize, "one advantage per completion")
        precondition(inputs.processes >= 1 && inputs.gradientAccumulationSteps >= 1, "counts must be ≥ 1")
        rows = inputs.batchSize
        columns = inputs.positions
        logProbs = inputs.logProbs
        old = inputs.oldLogProbs ?? inputs.logProbs
        reference = inputs.referenceLogProbs
        mask = inputs.mask.map { $0 ? 1 : 0 }
        advantages = inputs.advantages
        entropies = inputs.entropies
        lengths = (0..<inputs.batchSize).map { row in
            (0..<inputs.positions).reduce(0.0) { $0 + (inputs.mask[row * inputs.positions + $1] ? 1 : 0) }
        }
        itemsInBatch = inputs.itemsInBatch
        processes = inputs.processes
        accumulationSteps = inputs.gradientAccumulationSteps
    }

    /// log π_θ − log π_old.  // (B·T)
    var logRatio: [Double] { zip(logProbs, old).map { $0 - $1 } }

    /// exp(log-ratio) per token, or exp(masked row mean of the log-ratio) repeated along the row.  // (B·T)
    func importanceRatios(sequenceLevel: Bool) -> [Double] {
        let logRatio = self.logRatio
        guard sequenceLevel else { return logRatio.map { Foundation.exp($0) } }
        var ratios = [Double](repeating: 0, count: logRatio.count)
        for row in 0..<rows {
            var sum = 0.0
            for col in 0..<columns { sum += logRatio[row * columns + col] * mask[row * columns + col] }
            let value = Foundation.exp(sum / max(lengths[row], 1))
            for col in 0..<columns { ratios[row * columns + col] = value }
        }
        return ratios
    }
}
