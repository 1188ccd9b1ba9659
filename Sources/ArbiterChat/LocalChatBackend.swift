// LocalChatBackend: a ChatBackend over the in-process model (ArbiterModels.LanguageModel): it
// renders the conversation with the model's own Jinja chat template, tokenises it, and decodes
// greedily (or samples, when the request's temperature is above 0) up to maxTokens. With
// `logprobs` every generated token carries its log-probability under the model's distribution
// (temperature 1) and, at every position, the request's `topLogprobs` most likely tokens (at most
// 20, OpenAI semantics), all read off the decode loop's own logits: one prefill, one KV cache.
// Assistant-prefix continuation: when the last message has role assistant, the earlier turns
// are rendered with the generation prompt and that message's text is appended without an
// end-of-turn, so the model continues it (vLLM's `continue_final_message`); the response text is
// the continuation only. A G-Eval verdict read is therefore a plain request (assistant turn
// "[RESULT] ", maxTokens 1, top-20 logprobs) that any OpenAI-compatible backend can answer.
// A rendered prompt that leaves no room in the model's context is `contextLength` with the token
// counts (the server's 400, the judge's `context_length` failure), never an empty answer.
// It is not an HTTP client and keeps no state between requests; requests run one at a time on
// a private queue.
import ArbiterCore
import ArbiterJinja
import ArbiterModels
import Foundation

/// The in-process backend cannot answer.
public enum LocalChatBackendError: LocalizedError, Equatable {
    case noChatTemplate(path: String)
    case template(path: String, reason: String)
    case invalidRequest(reason: String)
    /// The rendered prompt leaves no room in the model's context for a new token.
    case contextLength(promptTokens: Int, contextLength: Int)

    public var errorDescription: String? {
        switch self {
        case .noChatTemplate(let p):
            return
                "model \(p) has no tokenizer.chat_template; use an instruction-tuned GGUF that ships its chat template"
        case .template(let p, let r):
            return "chat template of \(p) failed (\(r)); check the model's tokenizer.chat_template"
        case .invalidRequest(let r):
            return "local model request is invalid: \(r)"
        case .contextLength(let prompt, let context):
            return
                "the prompt is \(prompt) tokens but the model's context length is \(context) tokens (generation needs room for at least one new token); shorten the messages"
        }
    }
}

/// A ChatBackend running a local GGUF chat model in process.
public final class LocalChatBackend: ChatBackend, @unchecked Sendable {
    /// Most alternatives reported per position (OpenAI's `top_logprobs` limit).
    public static let maxTopLogprobs = 20

    /// Name reported as the judgment's model (the file name without extension by default).
    public let modelName: String
    // The model is a reference type without internal locking: every use goes through `queue`.
    let model: LanguageModel
    private let template: ChatTemplate
    let queue = DispatchQueue(label: "arbiter.local-chat-backend")
    /// The last prompt's keys and values, when prompts reuse their shared prefix (`reusePrompts`).
    let promptCache: PromptCache?

    /// Wraps a loaded model. Throws when it has no usable chat template. With `reusePrompts`, a
    /// request whose prompt starts like the previous one's (a judge's system prompt and rubric)
    /// runs only its new tokens (results equal up to float summation order; off by default so
    /// judges stay bit-reproducible; `arbiter serve` turns it on).
    public init(model: LanguageModel, name: String? = nil, reusePrompts: Bool = false) throws {
        let path = model.url.path
        guard let source = model.chatTemplate else { throw LocalChatBackendError.noChatTemplate(path: path) }
        let special = model.tokenizer.specialTokenIDs
        let bos = special.bos.flatMap { model.tokenizer.token(of: $0) } ?? ""
        let eos = (special.eos ?? model.stopTokenIDs.sorted().first).flatMap { model.tokenizer.token(of: $0) } ?? ""
        do {
            self.template = try ChatTemplate(source, bosToken: bos, eosToken: eos)
        } catch {
            throw LocalChatBackendError.template(path: path, reason: error.localizedDescription)
        }
        self.model = model
        self.modelName = name ?? model.url.deletingPathExtension().lastPathComponent
        self.promptCache = reusePrompts ? PromptCache() : nil
    }

    /// Loads the GGUF file at `url` and wraps it (`options`: see `LlamaLoadOptions`).
    public static func load(
        _ url: URL, name: String? = nil, options: LlamaLoadOptions = LlamaLoadOptions(), reusePrompts: Bool = false
    ) throws -> LocalChatBackend {
        try LocalChatBackend(model: LanguageModel.load(url, options: options), name: name, reusePrompts: reusePrompts)
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.run(request) })
            }
        }
    }

    /// The prompt token ids for a conversation: the template with the generation prompt; when
    /// the last message is the assistant's, the earlier ones so rendered and its text appended
    /// (no end-of-turn), so generation continues it.
    func promptIDs(_ messages: [ChatMessage]) throws -> [Int] {
        var turns = messages
        var continued = ""
        if let last = turns.last, last.role == .assistant {
            continued = last.content
            turns.removeLast()
        }
        let text: String
        do {
            text = try template.render(messages: turns, addGenerationPrompt: true)
        } catch {
            throw LocalChatBackendError.template(path: model.url.path, reason: error.localizedDescription)
        }
        // The template writes any special tokens itself; the continued text is tokenised with
        // the rendered prompt, as one string (as vLLM tokenises the rendered conversation).
        return model.tokenizer.encode(text + continued, addSpecialTokens: false)
    }

    /// The completion; `onToken` (streaming) sees each new token as `generate` reports it.
    func run(_ request: ChatRequest, onToken: ((Int, TokenLogprobRecord?) -> Bool)? = nil) throws -> ChatResponse {
        let prompt = try promptIDs(request.messages)
        guard !prompt.isEmpty else {
            throw LocalChatBackendError.invalidRequest(reason: "the rendered prompt has no tokens")
        }
        let options = try generationOptions(
            maxTokens: request.maxTokens, temperature: request.temperature, seed: request.seed,
            topLogprobs: request.logprobs ? (request.topLogprobs ?? 0) : nil, stop: request.stop)
        let result = try generate(prompt: prompt, options: options, onToken: onToken)
        return ChatResponse(
            text: result.text, tokens: result.logprobs.map(tokenLogprobs), model: modelName,
            usage: ChatUsage(promptTokens: prompt.count, completionTokens: result.tokens.count),
            truncated: result.finishReason == .maxTokens || result.finishReason == .contextLength)
    }

    /// Validated generation settings: greedy at temperature 0, else seeded sampling; top
    /// alternatives capped at `maxTopLogprobs`. Bad values are `invalidRequest`.
    func generationOptions(maxTokens: Int, temperature: Double, seed: UInt64?, topLogprobs: Int?, stop: [String])
        throws -> GenerationOptions
    {
        var sampling = SamplingOptions.greedy
        if temperature > 0 {
            do {
                sampling = try SamplingOptions(temperature: Float(temperature), seed: seed ?? 0)
            } catch {
                throw LocalChatBackendError.invalidRequest(
                    reason: "temperature \(temperature): \(error.localizedDescription)")
            }
        }
        if let asked = topLogprobs, asked < 0 {
            throw LocalChatBackendError.invalidRequest(
                reason: "topLogprobs \(asked) is negative; use 0 to \(Self.maxTopLogprobs)")
        }
        do {
            return try GenerationOptions(
                maxNewTokens: maxTokens, sampling: sampling, stopStrings: stop,
                topLogprobs: topLogprobs.map { min($0, Self.maxTopLogprobs) })
        } catch {
            throw LocalChatBackendError.invalidRequest(reason: error.localizedDescription)
        }
    }

    /// Runs the model, mapping its errors: a prompt too long for the context is `contextLength`,
    /// non-finite logits (a corrupt model, the server's fault) pass through, the rest is
    /// `invalidRequest`.
    func generate(prompt: [Int], options: GenerationOptions, onToken: ((Int, TokenLogprobRecord?) -> Bool)?) throws
        -> GenerationResult
    {
        do throws(GenerationError) {
            if let promptCache {
                return try model.generate(prompt: prompt, options: options, cache: promptCache, onToken: onToken)
            }
            if let onToken { return try model.generate(prompt: prompt, options: options, onToken: onToken) }
            return try model.generate(prompt: prompt, options: options)
        } catch {
            promptCache?.clear()
            throw Self.mapped(error)
        }
    }

    /// A model error as this backend reports it (see `generate(prompt:options:onToken:)`).
    static func mapped(_ error: GenerationError) -> any Error {
        if case .contextLength(let promptTokens, _, let context) = error {
            return LocalChatBackendError.contextLength(promptTokens: promptTokens, contextLength: context)
        }
        if case .nonFiniteLogits = error { return error }
        return LocalChatBackendError.invalidRequest(reason: error.localizedDescription)
    }

    /// The generation records as response entries: each token's text, log-probability and top
    /// alternatives (decoded one token at a time; a token holding part of a UTF-8 character
    /// decodes to U+FFFD, as OpenAI-compatible servers report it).
    func tokenLogprobs(_ records: [TokenLogprobRecord]) -> [TokenLogprobs] {
        let tokenizer = model.tokenizer
        return records.map { record in
            TokenLogprobs(
                token: tokenizer.decode([record.id]), logprob: record.logprob,
                top: record.top.map { TokenLogprob(token: tokenizer.decode([$0.id]), logprob: $0.logprob) })
        }
    }
}
