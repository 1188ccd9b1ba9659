// GenerationError: why a prompt cannot be generated from or scored: it has no tokens and the model
// names no BOS token to start from, or the prompt (with the completion, when scoring) does not fit
// the model's context. Both come from user input (a CLI prompt, an HTTP request, a judge sample),
// so they are typed errors naming the token counts and the fix, never traps; and logits that are
// not numbers (a corrupt model), which would otherwise come out as NaN scores or garbage tokens. Not sampling option
// errors (SamplingError) and not load errors (LlamaError).
import Foundation

/// A prompt the model cannot generate from or score.
public enum GenerationError: Error, LocalizedError, Sendable, Equatable {
    /// The prompt has no tokens and the model's tokenizer names no BOS token to condition on.
    case emptyPrompt
    /// `promptTokens` + `completionTokens` exceed `contextLength` (generation needs room for at
    /// least one new token, so it counts one completion token).
    case contextLength(promptTokens: Int, completionTokens: Int, contextLength: Int)
    /// The model computed NaN or +∞ logits: its weights hold non-finite or corrupt values.
    case nonFiniteLogits

    public var errorDescription: String? {
        switch self {
        case .emptyPrompt:
            return
                "the prompt has no tokens and the model names no BOS token to start from; give a prompt of at least one token"
        case .contextLength(let prompt, let completion, let context):
            return
                "the model's context length is \(context) tokens, but the prompt has \(prompt) tokens and \(completion) more are needed (\(prompt + completion) in all); shorten the prompt to at most \(max(context - completion, 0)) tokens"
        case .nonFiniteLogits:
            return
                "the model computed NaN or infinite logits, so its weights hold non-finite or corrupt values; check the file (arbiter models inspect) or fetch it again"
        }
    }
}

extension LlamaModel {
    /// Checks that `prompt` (at least one token) followed by `completionTokens` tokens fits the
    /// context: prompt + completion ≤ contextLength.
    func checkFits(prompt: [Int], completionTokens: Int) throws(GenerationError) {
        guard !prompt.isEmpty else { throw .emptyPrompt }
        let context = configuration.contextLength
        guard prompt.count <= context - completionTokens else {
            throw .contextLength(
                promptTokens: prompt.count, completionTokens: completionTokens, contextLength: context)
        }
    }
}

/// Throws `.nonFiniteLogits` when `logits` hold a NaN or +∞ (−∞ is a masked token, not an error).
func checkFiniteLogits<C: Collection>(_ logits: C) throws(GenerationError) where C.Element == Float {
    if logits.contains(where: { $0.isNaN || $0 == .infinity }) { throw .nonFiniteLogits }
}

extension LanguageModel {
    /// The tokens a prompt is conditioned on: `prompt` itself, or, when it is empty, the BOS token
    /// alone (as transformers starts generation without input ids); without a BOS token an empty
    /// prompt is `GenerationError.emptyPrompt`. Raw prompts get no BOS otherwise.
    public func conditioningIDs(_ prompt: [Int]) throws(GenerationError) -> [Int] {
        if !prompt.isEmpty { return prompt }
        guard let bos = tokenizer.specialTokenIDs.bos else { throw .emptyPrompt }
        return [bos]
    }
}
