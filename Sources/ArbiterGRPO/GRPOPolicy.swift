// GRPOPolicy: the model being trained and the forwards GRPO needs: prompt rendering (the model's
// chat template, left-truncated to max_prompt_length as TRL does), group sampling with the
// current fp32 weights (the model runs `.exact` arithmetic, so rollouts never read stale
// quantised copies and their log-probs are the training forward's), and per-token
// log π(token) and entropy of logits / T through the fused chunked head op, so no
// (tokens × vocabulary) matrix is held. The reference policy for the KL term is the base
// weights with the adapters off (LoRA) or a frozen copy taken before training (full tuning).
import ArbiterCore
import ArbiterModels
import ArbiterTensor
import Foundation

final class GRPOPolicy {
    let language: LanguageModel
    let configuration: GRPOConfiguration
    /// A frozen copy of the starting weights (full fine-tuning with β > 0 only).
    let reference: LlamaModel?
    /// Rows of the fused head op per chunk.
    let chunkRows = 256

    var model: LlamaModel { language.model }

    init(language: LanguageModel, configuration: GRPOConfiguration) throws {
        self.language = language
        self.configuration = configuration
        if let lora = configuration.lora {
            try language.model.attachLoRA(
                LoRAConfiguration(rank: lora.rank, alpha: Float(lora.alpha)), targets: lora.targets,
                seed: configuration.seed)
        }
        reference = configuration.beta > 0 && configuration.lora == nil ? language.model.deepCopy() : nil
    }

    /// What the optimizer steps.
    var trainableParameters: Parameters { model.trainableParameters }

    /// The prompt's token ids: chat-templated when the model has a template (and it is on),
    /// else the raw text; the last `maxPromptLength` tokens are kept.
    func promptIDs(_ prompt: String) throws -> [Int] {
        var ids: [Int]
        if configuration.useChatTemplate, language.chatTemplate != nil {
            var messages: [ChatMessage] = []
            if let system = configuration.systemPrompt { messages.append(ChatMessage(role: .system, content: system)) }
            messages.append(ChatMessage(role: .user, content: prompt))
            ids = try language.chatPromptIDs(messages, addGenerationPrompt: true)
        } else {
            ids = language.tokenizer.encode(prompt)
        }
        if let limit = configuration.maxPromptLength, ids.count > limit { ids = Array(ids.suffix(limit)) }
        ids = try language.conditioningIDs(ids)
        let context = model.configuration.contextLength
        guard ids.count < context else {
            throw GenerationError.contextLength(promptTokens: ids.count, completionTokens: 1, contextLength: context)
        }
        return ids
    }

    /// G completions of each prompt; completion g of prompt p is row p·G + g. The samplers are
    /// seeded from (seed, step, round, row), so a resumed run samples the same.
    func sample(prompts: [[Int]], step: Int, round: Int) throws -> GroupSamples {
        let c = configuration
        var samplers = (0..<(prompts.count * c.numGenerations)).map { row -> Sampler in
            var mix = SplitMix64(seed: c.seed ^ (UInt64(step) &* 0x9E37_79B9_7F4A_7C15))
            var seed = mix.next() &+ UInt64(round) &* 0xBF58_476D_1CE4_E5B9
            seed ^= UInt64(row) &* 0x94D0_49BB_1331_11EB
            let options =
                (try? SamplingOptions(
                    temperature: Float(c.temperature), topK: c.topK, topP: c.topP < 1 ? Float(c.topP) : nil,
                    minP: c.minP.map(Float.init), seed: seed)) ?? .greedy
            return Sampler(options)
        }
        return try model.sampleGroups(
            prompts: prompts, groupSize: c.numGenerations, maxNewTokens: c.maxCompletionLength,
            samplers: &samplers, temperature: Float(c.temperature), stopTokenIDs: language.stopTokenIDs)
    }

    /// Per completion token (N = Σ completion lengths, in row order): [log π(token), entropy] of
    /// softmax(logits / T), (N, 2). Recorded unless called under `Tensor.noGrad`.
    func tokenStatistics(prompts: [[Int]], completions: [[Int]], on model: LlamaModel? = nil) -> Tensor {
        let model = model ?? self.model
        let sequences = zip(prompts, completions).map { $0 + $1 }
        let t = sequences.map(\.count).max()!
        let pad = sequences[0][0]
        let padded = sequences.map { $0 + Array(repeating: pad, count: t - $0.count) }
        let hidden = model.finalHiddenStates(tokens: padded, lengths: sequences.map(\.count))  // (B, T, C)
        var rows: [Int] = []
        for (b, (prompt, completion)) in zip(prompts, completions).enumerated() {
            for j in completion.indices { rows.append(b * t + prompt.count - 1 + j) }
        }
        let c = model.configuration.hiddenSize
        var h = hidden.reshaped([sequences.count * t, c]).embedding(rows)  // (N, C)
        if configuration.temperature != 1 { h = h.multiplyingScalar(Float(1 / configuration.temperature)) }
        return h.linearTokenLogProbsAndEntropy(
            weight: model.outputWeight, targets: completions.flatMap { $0 }, chunkRows: chunkRows)  // (N, 2)
    }

    /// The reference policy's log-probs (N), without recording.
    func referenceLogProbs(prompts: [[Int]], completions: [[Int]]) -> [Float] {
        Tensor.noGrad {
            let stats: Tensor
            if let reference {
                stats = tokenStatistics(prompts: prompts, completions: completions, on: reference)
            } else {
                stats = model.withoutAdapters { tokenStatistics(prompts: prompts, completions: completions) }
            }
            return Self.column(stats, 0)
        }
    }

    /// Column k of an (N, 2) tensor.
    static func column(_ stats: Tensor, _ k: Int) -> [Float] {
        let s = stats.scalars
        return (0..<(s.count / 2)).map { s[2 * $0 + k] }
    }
}
