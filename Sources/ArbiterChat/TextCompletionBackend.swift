// TextCompletionBackend: OpenAI's legacy text completion (POST /v1/completions) as a backend call:
// a raw prompt (text, or token ids as lm-evaluation-harness sends them) continued without a chat
// template, with `echo` (the prompt returned, and with `logprobs` scored token by token: the
// prompt-scoring path of evaluation harnesses). Shapes and the protocol only; the in-process model
// implements it in LocalChatBackend+TextCompletion.
import Foundation

/// A prompt as text or as token ids of the served model's vocabulary.
public enum TextPrompt: Sendable, Equatable {
    case text(String)
    case tokens([Int])
}

/// A text completion request.
public struct TextCompletionRequest: Sendable, Equatable {
    public var prompt: TextPrompt
    /// New tokens at most (0: none, only the echoed prompt).
    public var maxTokens: Int
    public var temperature: Double
    public var seed: UInt64?
    /// Record log-probabilities with this many alternatives per position (nil: none).
    public var logprobs: Int?
    /// Return the prompt before the completion (scored too, with `logprobs`).
    public var echo: Bool
    /// Generation ends before the first of these strings.
    public var stop: [String]

    public init(
        prompt: TextPrompt, maxTokens: Int = 16, temperature: Double = 0, seed: UInt64? = nil, logprobs: Int? = nil,
        echo: Bool = false, stop: [String] = []
    ) {
        precondition(maxTokens >= 0, "TextCompletionRequest: maxTokens must be ≥ 0")
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.seed = seed
        self.logprobs = logprobs
        self.echo = echo
        self.stop = stop
    }
}

/// One token of an echoed prompt: the first has no log-probability (nothing predicts it).
public struct PromptTokenLogprobs: Sendable, Equatable {
    public var token: String
    public var logprob: Double?
    public var top: [TokenLogprob]

    public init(token: String, logprob: Double?, top: [TokenLogprob]) {
        self.token = token
        self.logprob = logprob
        self.top = top
    }
}

/// A text completion.
public struct TextCompletionResponse: Sendable, Equatable {
    /// The prompt as text (the request's text, or the token ids decoded).
    public var promptText: String
    /// Per prompt token, when the request had `echo` and `logprobs`.
    public var promptTokens: [PromptTokenLogprobs]?
    /// The generated text (without the prompt).
    public var text: String
    /// Per generated token, when the request had `logprobs`.
    public var tokens: [TokenLogprobs]?
    public var usage: ChatUsage
    /// Generation stopped for want of room (max tokens or the context), not at a stop.
    public var truncated: Bool

    public init(
        promptText: String, promptTokens: [PromptTokenLogprobs]?, text: String, tokens: [TokenLogprobs]?,
        usage: ChatUsage, truncated: Bool
    ) {
        self.promptText = promptText
        self.promptTokens = promptTokens
        self.text = text
        self.tokens = tokens
        self.usage = usage
        self.truncated = truncated
    }
}

/// Something that continues raw prompts (the in-process model; chat-only backends do not).
public protocol TextCompletionBackend: Sendable {
    func completeText(_ request: TextCompletionRequest) async throws -> TextCompletionResponse
}
