// GRPOConfiguration: every setting of a GRPO run, named as TRL's GRPOConfig names them where TRL
// has the setting (`num_generations`, `max_completion_length`, `beta`, `epsilon_high`,
// `loss_type`, `scale_rewards`, …), with TRL's defaults except where noted: the learning-rate
// schedule defaults to `constant` (TRL: `linear`), so a finished run can be extended by raising
// `max_steps` and continue bit-identically. Read from YAML by GRPOConfiguration+YAML.swift, which
// validates every field; the rewards are GRPORewardSpec values.
import ArbiterReward
import Foundation

/// The learning-rate schedule after warmup.
public enum GRPOLearningRateSchedule: String, Sendable, CaseIterable, Codable {
    case constant, linear, cosine
}

/// Which group baseline the advantages use.
public enum AdvantageEstimator: String, Sendable, CaseIterable, Codable {
    /// Group mean (and std, per `scale_rewards`): GRPO.
    case grpo
    /// Leave-one-out mean of the other completions: RLOO.
    case rloo
}

/// LoRA settings of the policy (nil in the configuration: full fine-tuning).
public struct GRPOLoRA: Sendable, Equatable, Codable {
    public var rank: Int = 16
    public var alpha: Double = 32
    public var targets: [String] = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"]
    public init() {}
}

/// One GRPO run's settings (validated; see GRPOConfiguration+YAML.swift for the file format).
public struct GRPOConfiguration: Sendable, Equatable {
    // Model and data.
    /// A registry name (`smollm2-135m`) or a GGUF path.
    public var model: String
    /// Prompts JSONL: one object a line with `prompt_field` and any other columns (metadata).
    public var trainData: URL
    public var promptField = "prompt"
    /// Sent as a system turn before each prompt (chat-templated models only).
    public var systemPrompt: String? = nil
    /// Render prompts with the model's chat template (when it has one).
    public var useChatTemplate = true
    public var rewards: [GRPORewardSpec]
    /// Held-out prompts (same format), answered greedily and scored before the first step, every
    /// `evalSteps` steps and after the last (eval.jsonl).
    public var evalData: URL? = nil
    /// 0: evaluate only before the first and after the last step.
    public var evalSteps = 0

    // Generation.
    public var numGenerations = 8
    public var promptsPerStep = 2
    /// Completions per forward/backward micro-batch (TRL's per_device_train_batch_size).
    public var perDeviceTrainBatchSize = 8
    public var maxPromptLength: Int? = 512
    public var maxCompletionLength = 256
    public var temperature = 1.0
    public var topP = 1.0
    public var topK: Int? = nil
    public var minP: Double? = nil

    // Optimisation.
    public var learningRate = 1e-6
    public var lrSchedulerType = GRPOLearningRateSchedule.constant
    public var warmupSteps = 0
    public var weightDecay = 0.0
    public var adamBeta1 = 0.9
    public var adamBeta2 = 0.999
    public var adamEpsilon = 1e-8
    public var maxGradNorm = 1.0
    public var lora: GRPOLoRA? = nil

    // GRPO.
    public var numIterations = 1
    public var beta = 0.0
    public var epsilon = 0.2
    public var epsilonHigh: Double? = nil
    public var delta: Double? = nil
    public var lossType = PolicyLossType.dapo
    public var importanceSamplingLevel = ImportanceSamplingLevel.token
    public var scaleRewards = RewardScaling.group
    public var multiObjectiveAggregation = MultiObjectiveAggregation.sumThenNormalize
    public var advantageEstimator = AdvantageEstimator.grpo
    public var maskTruncatedCompletions = false
    public var topEntropyQuantile = 1.0
    public var entropyCoef = 0.0
    public var useBiasCorrectionKL = false
    /// Drop groups whose rewards all agree (zero std) and sample replacement prompts (DAPO's
    /// dynamic sampling), at most `maxResampleRounds` extra rounds per step.
    public var dynamicSampling = false
    public var maxResampleRounds = 3
    /// Skip the forward and backward of completions whose advantage is 0 when nothing else needs
    /// their gradient (β = 0, μ = 1, no entropy bonus or entropy mask): their policy-loss gradient
    /// is exactly 0 under every loss type, and the normalisers still count their tokens. Their
    /// `entropy` metric comes from the rollout. Not in TRL, which runs them.
    public var skipZeroAdvantageRows = true

    /// Whether this configuration lets zero-advantage rows skip the forward and backward.
    var skipsZeroAdvantageRows: Bool {
        skipZeroAdvantageRows && beta == 0 && numIterations == 1 && entropyCoef == 0 && topEntropyQuantile >= 1
    }

    // Run.
    public var maxSteps: Int
    /// Checkpoint every this many steps (and after the last); a killed run replays the steps since.
    public var saveSteps = 10
    public var seed: UInt64 = 0
    public var outputDir: URL
    /// Stop when the hacking monitor fires (a judge reward rising while a held-out check falls).
    public var stopOnHacking = false
    /// Steps over which the monitors fit their trends.
    public var monitorWindow = 10

    public init(model: String, trainData: URL, rewards: [GRPORewardSpec], maxSteps: Int, outputDir: URL) {
        self.model = model
        self.trainData = trainData
        self.rewards = rewards
        self.maxSteps = maxSteps
        self.outputDir = outputDir
    }

    /// The policy-loss settings these values give.
    public var policyLoss: PolicyLossConfiguration {
        var c = PolicyLossConfiguration(maxCompletionLength: maxCompletionLength)
        c.lossType = lossType
        c.beta = beta
        c.epsilon = epsilon
        c.epsilonHigh = epsilonHigh
        c.delta = delta
        c.importanceSamplingLevel = importanceSamplingLevel
        c.useBiasCorrectionKL = useBiasCorrectionKL
        c.topEntropyQuantile = topEntropyQuantile
        c.entropyCoefficient = entropyCoef
        return c
    }

    /// Completions per step (prompts × G).
    public var completionsPerStep: Int { promptsPerStep * numGenerations }
}
