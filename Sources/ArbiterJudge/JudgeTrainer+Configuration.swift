// JudgeTrainer+Configuration: the settings of a judge training run, with their defaults and
// checks, and the objectives a judge trains on. Not the loop (JudgeTrainer.swift).
import Foundation

/// What a judge is trained to do.
public enum JudgeObjective: String, Sendable, Codable, CaseIterable {
    /// Pairwise preferences on a scalar head: TRL's Bradley–Terry loss when the labels have no
    /// ties; with ties, Davidson's extension (a learned tie strength ν, so a tie is likely when
    /// the two rewards are close).
    case bradleyTerry = "bradley-terry"
    /// Pointwise: mean squared error between the scalar head and the score mapped to [0, 1].
    case regression
    /// Pointwise: a cumulative-link (proportional-odds) model over the scale's levels.
    case ordinal
    /// Pointwise: cross-entropy over the scale's levels.
    case classification
    /// Pointwise, decoder judges: cross-entropy on the verdict token after the rubric's prompt.
    case verdict

    /// The head kind the objective trains.
    var headKind: JudgeHeadKind {
        switch self {
        case .bradleyTerry, .regression: return .scalar
        case .ordinal: return .ordinal
        case .classification: return .classification
        case .verdict: return .verdict
        }
    }

    var isPairwise: Bool { self == .bradleyTerry }
}

/// What keeps examples together when data is split (validation, held-out folds).
public enum SplitGrouping: String, Sendable, Codable, CaseIterable {
    /// Each item (sample id) on its own.
    case id
    /// Every item of one prompt on the same side: nothing about a test prompt, or a response
    /// repeated across its pairs, is seen in training (PandaLM repeats prompts and responses).
    /// Held-out folds use the samples' `prompt_group` metadata when they have it.
    case prompt
}

/// A training setting out of range; names the option and the fix.
struct JudgeTrainingConfigurationError: Error, LocalizedError, Equatable {
    var field: String
    var value: String
    var expected: String
    var errorDescription: String? { "\(field) = \(value): expected \(expected)" }
}

/// The settings of one training run (nanoGPT-style: every default is here).
struct JudgeTrainingConfiguration: Sendable, Codable, Equatable {
    var objective: JudgeObjective
    /// Passes over the training examples.
    var epochs = 3
    /// AdamW's base rate for the backbone (LoRA adapters or every weight).
    var learningRate: Float = 1e-4
    /// AdamW's base rate for the head (and the tie strength): heads start from scratch.
    var headLearningRate: Float = 1e-3
    /// Examples (pairs, for pairwise objectives) per micro-batch.
    var batchSize = 16
    /// Micro-batches whose gradients add up before one optimizer step.
    var gradientAccumulation = 1
    /// Share of the steps spent warming up linearly before the cosine decay to 0.
    var warmupFraction = 0.1
    var weightDecay: Float = 0.01
    /// Global gradient-norm clip (0: none).
    var maxGradientNorm: Float = 1
    /// Share of the training items held out for validation and early stopping (0: none).
    var validFraction = 0.1
    /// Validations without improvement before training stops early.
    var patience = 2
    /// Validations per epoch.
    var evaluationsPerEpoch = 2
    var seed: UInt64 = 0
    /// TRL's `center_rewards_coefficient`: adds c·mean((r_chosen + r_rejected)²) (nil: off).
    var centerCoefficient: Float?
    /// Optimizer steps between checkpoints (and at every validation).
    var checkpointEvery = 25
    /// What the validation split keeps together.
    var grouping = SplitGrouping.id

    init(objective: JudgeObjective) { self.objective = objective }

    /// Throws for a setting out of range.
    func validate() throws(JudgeTrainingConfigurationError) {
        func check(_ ok: Bool, _ field: String, _ value: Any, _ expected: String)
            throws(JudgeTrainingConfigurationError)
        {
            if !ok { throw JudgeTrainingConfigurationError(field: field, value: "\(value)", expected: expected) }
        }
        try check(epochs >= 1 && epochs <= 1000, "epochs", epochs, "1...1000")
        try check(learningRate > 0 && learningRate.isFinite, "learning rate", learningRate, "a positive number")
        try check(headLearningRate > 0 && headLearningRate.isFinite, "head learning rate", headLearningRate, "> 0")
        try check(batchSize >= 1 && batchSize <= 4096, "batch", batchSize, "1...4096")
        try check(gradientAccumulation >= 1, "gradient accumulation", gradientAccumulation, "at least 1")
        try check(warmupFraction >= 0 && warmupFraction < 1, "warmup fraction", warmupFraction, "in [0, 1)")
        try check(weightDecay >= 0, "weight decay", weightDecay, "≥ 0")
        try check(maxGradientNorm >= 0, "max gradient norm", maxGradientNorm, "≥ 0")
        try check(validFraction >= 0 && validFraction < 1, "valid fraction", validFraction, "in [0, 1)")
        try check(patience >= 1, "patience", patience, "at least 1")
        try check(evaluationsPerEpoch >= 1, "evaluations per epoch", evaluationsPerEpoch, "at least 1")
        try check(checkpointEvery >= 1, "checkpoint every", checkpointEvery, "at least 1")
        if let c = centerCoefficient { try check(c >= 0 && c.isFinite, "center coefficient", c, "≥ 0") }
    }
}
