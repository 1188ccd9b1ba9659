// JudgeNetwork: the seam between a trained judge's model and its training loop. A network turns
// texts (a response in its context) into one row of head outputs each; the trainer turns those
// rows and the labels into a loss (RewardModelLoss) and steps the trainable parameters. The
// encoder (MiniLM cross-encoder) and decoder (SmolLM2 scalar head, generative verdict) judges
// meet it. Not here: losses, the loop, checkpoints, or judging with a trained network.
import ArbiterCore
import ArbiterTensor

/// One text a judge network scores: a response in its context (the criterion it is judged on,
/// the prompt, an optional reference answer).
struct JudgeText: Sendable, Hashable {
    var criterion: String
    var prompt: String
    var reference: String?
    var response: String
}

/// What a network's head outputs mean, and so which objectives apply to it.
enum JudgeHeadKind: String, Sendable, Codable, CaseIterable {
    /// One real number per text (K = 1): a reward for pairwise objectives, a score for regression.
    case scalar
    /// One real number per text (K = 1) and ordered cut points between the scale's L levels
    /// (`JudgeNetwork.cutpoints`): a cumulative-link (proportional-odds) model.
    case ordinal
    /// One logit per scale level (K = L).
    case classification
    /// Log-probabilities (under the whole vocabulary) of the token that opens each scale level's
    /// verdict after the rubric's judge prompt and `[RESULT] ` (K = L): a generative judge.
    case verdict
}

/// A trainable judge model. Implementations are classes (they own tensors); they are used from
/// one task at a time.
protocol JudgeNetwork: AnyObject {
    /// How its outputs are read.
    var headKind: JudgeHeadKind { get }
    /// K, the width of an output row.
    var outputWidth: Int { get }
    /// The parameters training steps (LoRA adapters and the head, or every weight), by name.
    /// Frozen weights are not listed: a checkpoint records them by the backbone's hash.
    var trainableParameters: Parameters { get }
    /// (L − 1) ordered cut points, for `.ordinal` heads (nil otherwise); differentiable.
    var cutpoints: Tensor? { get }
    /// (B, K) head outputs for `texts`; recorded on the tape unless called under `Tensor.noGrad`.
    func outputs(_ texts: [JudgeText]) -> Tensor
    /// How many of `texts` lose tokens to the network's length limit.
    func truncatedCount(_ texts: [JudgeText]) -> Int
}
