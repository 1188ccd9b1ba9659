// LocalChatBackend: a ChatBackend over the in-process model (ArbiterModels.LanguageModel): it
// renders the conversation with the model's own Jinja chat template, tokenises it, and decodes
// greedily (or samples, when the request's temperature is above 0) up to maxTokens. With
// `logprobs` it returns each generated token's log-probability, and at the verdict position (the
// last generated token that is a number) the probabilities of the digit tokens "0"…"9" as the
// alternatives, which is what probability-weighted (G-Eval) scoring reads. In `.forcedVerdict`
// mode it generates nothing: it appends the verdict prefix (e.g. "[RESULT] ") to the assistant
// turn and reads the digit distribution at the next position from one prefill, answering
// "[RESULT] <most likely digit>" with the digits as that token's alternatives. It is not an HTTP
// client and keeps no state between requests; requests run one at a time on a private queue.
import ArbiterModels
import Foundation

/// The in-process backend cannot answer.
public enum LocalChatBackendError: LocalizedError, Equatable {
    case noChatTemplate(path: String)
    case template(path: String, reason: String)
    case invalidRequest(reason: String)

    public var errorDescription: String? {
        switch self {
        case .noChatTemplate(let p):
            return "model \(p) has no tokenizer.chat_template; use an instruction-tuned GGUF that ships its chat template"
        case .template(let p, let r):
            return "chat template of \(p) failed (\(r)); check the model's tokenizer.chat_template"
        case .invalidRequest(let r):
            return "local model request is invalid: \(r)"
        }
    }
}

/// A ChatBackend running a local GGUF chat model in process.
public final class LocalChatBackend: ChatBackend, @unchecked Sendable {
    /// How a request is answered.
    public enum Mode: Sendable, Equatable {
        /// Decode up to the request's maxTokens (greedy unless temperature > 0).
        case generate
        /// Prefill only: the answer is `prefix` followed by the most likely digit at the next
        /// position, with every digit's probability as alternatives (for G-Eval scoring).
        case forcedVerdict(prefix: String)
    }

    /// Name reported as the judgment's model (the file name without extension by default).
    public let modelName: String
    /// How requests are answered.
    public let mode: Mode
    // The model is a reference type without internal locking: every use goes through `queue`.
    private let model: LanguageModel
    private let template: ChatTemplate
    private let queue = DispatchQueue(label: "arbiter.local-chat-backend")

    /// Wraps a loaded model. Throws when it has no usable chat template.
    public init(model: LanguageModel, name: String? = nil, mode: Mode = .generate) throws {
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
        self.mode = mode
    }

    /// Loads the GGUF file at `url` and wraps it.
    public static func load(_ url: URL, name: String? = nil, mode: Mode = .generate) throws -> LocalChatBackend {
        try LocalChatBackend(model: LanguageModel.load(url), name: name, mode: mode)
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.run(request) })
            }
        }
    }

    /// The prompt token ids for a conversation (template with the generation prompt appended).
    func promptIDs(_ messages: [ChatTurn]) throws -> [Int] {
        let converted = messages.map { ArbiterModels.ChatMessage(role: $0.role.rawValue, content: $0.content) }
        let text: String
        do {
            text = try template.render(messages: converted, addGenerationPrompt: true)
        } catch {
            throw LocalChatBackendError.template(path: model.url.path, reason: error.localizedDescription)
        }
        // The template writes any special tokens itself.
        return model.tokenizer.encode(text, addSpecialTokens: false)
    }

    private func run(_ request: ChatRequest) throws -> ChatResponse {
        let prompt = try promptIDs(request.messages)
        guard !prompt.isEmpty else { throw LocalChatBackendError.invalidRequest(reason: "the rendered prompt has no tokens") }
        if case .forcedVerdict(let prefix) = mode { return forcedVerdict(prompt: prompt, prefix: prefix) }
        var sampling = SamplingOptions.greedy
        if request.temperature > 0 {
            do {
                sampling = try SamplingOptions(temperature: Float(request.temperature), seed: request.seed ?? 0)
            } catch {
                throw LocalChatBackendError.invalidRequest(reason: "temperature \(request.temperature): \(error.localizedDescription)")
            }
        }
        let result = model.generate(prompt: prompt, options: GenerationOptions(maxNewTokens: request.maxTokens, sampling: sampling))
        let tokens = request.logprobs ? tokenLogprobs(prompt: prompt, generated: result.tokens) : nil
        return ChatResponse(
            text: result.text, tokens: tokens, model: modelName,
            usage: ChatUsage(promptTokens: prompt.count, completionTokens: result.tokens.count))
    }

    /// One prefill of prompt + prefix; the answer is the prefix and the most likely digit, whose
    /// alternatives are all digit tokens with their full-softmax log-probabilities.
    func forcedVerdict(prompt: [Int], prefix: String) -> ChatResponse {
        let prefixIDs = model.tokenizer.encode(prefix, addSpecialTokens: false)
        let digits = (0...9).compactMap { d in model.tokenizer.id(of: String(d)).map { (text: String(d), id: $0) } }
        let p = model.model.candidateProbabilities(prompt: prompt + prefixIDs, candidates: digits.map(\.id)).probabilities
        let best = p.indices.max { p[$0] < p[$1] } ?? 0
        let alternatives = zip(digits, p).map { digit, pr in TokenLogprob(token: digit.text, logprob: pr > 0 ? Foundation.log(pr) : -.infinity) }
        let answer = digits.isEmpty ? "" : digits[best].text
        let tokens = [TokenLogprobs(token: answer, logprob: alternatives.isEmpty ? -.infinity : alternatives[best].logprob, top: alternatives)]
        return ChatResponse(
            text: prefix + answer, tokens: tokens, model: modelName,
            usage: ChatUsage(promptTokens: prompt.count + prefixIDs.count, completionTokens: digits.isEmpty ? 0 : 1))
    }

    /// Per generated token: its text and log-probability; at the last numeric token, the digit
    /// tokens' probabilities as alternatives (other positions carry none).
    func tokenLogprobs(prompt: [Int], generated: [Int]) -> [TokenLogprobs] {
        guard !generated.isEmpty else { return [] }
        let logprobs = model.model.logProbabilities(prompt: prompt, completion: generated)  // (generated.count)
        var out = generated.indices.map { i in
            TokenLogprobs(
                token: model.tokenizer.decode([generated[i]]),
                logprob: i < logprobs.count ? Double(logprobs[i]) : -.infinity, top: [])
        }
        guard let position = out.lastIndex(where: { Double($0.token.trimmingCharacters(in: CharacterSet.whitespaces)) != nil }) else { return out }
        let digits = (0...9).compactMap { d in model.tokenizer.id(of: String(d)).map { (text: String(d), id: $0) } }
        guard !digits.isEmpty else { return out }
        let candidates = model.model.candidateProbabilities(prompt: prompt + generated[..<position], candidates: digits.map(\.id))
        out[position].top = zip(digits, candidates.probabilities).map { digit, p in
            TokenLogprob(token: digit.text, logprob: p > 0 ? Foundation.log(p) : -.infinity)
        }
        return out
    }
}
