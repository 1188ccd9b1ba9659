// ChatBackend: the one call a judge needs from a model, a chat completion. Implementations (the
// in-process GGUF model, an OpenAI-compatible HTTP client) live elsewhere; this file only
// defines the request/response shapes and the protocol. Messages are ArbiterCore's ChatMessage.
import ArbiterCore
import Foundation

/// A chat completion request.
public struct ChatRequest: Sendable, Equatable {
    public var messages: [ChatMessage]
    public var maxTokens: Int
    public var temperature: Double
    public var seed: UInt64?
    /// Ask for per-token log-probabilities.
    public var logprobs: Bool
    /// How many alternatives per position (with `logprobs`).
    public var topLogprobs: Int?
    /// Generation ends before the first of these strings (the text excludes it).
    public var stop: [String]

    public init(
        messages: [ChatMessage], maxTokens: Int = 512, temperature: Double = 0, seed: UInt64? = nil,
        logprobs: Bool = false, topLogprobs: Int? = nil, stop: [String] = []
    ) {
        precondition(maxTokens > 0, "ChatRequest: maxTokens must be positive")
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.seed = seed
        self.logprobs = logprobs
        self.topLogprobs = topLogprobs
        self.stop = stop
    }
}

/// A token and its natural-log probability.
public struct TokenLogprob: Sendable, Equatable, Codable {
    public var token: String
    public var logprob: Double

    public init(token: String, logprob: Double) {
        self.token = token
        self.logprob = logprob
    }
}

/// One generated token with its log-probability and the top alternatives at that position.
public struct TokenLogprobs: Sendable, Equatable, Codable {
    public var token: String
    public var logprob: Double
    public var top: [TokenLogprob]

    public init(token: String, logprob: Double, top: [TokenLogprob]) {
        self.token = token
        self.logprob = logprob
        self.top = top
    }
}

/// Token counts reported by the backend.
public struct ChatUsage: Sendable, Equatable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// A chat completion.
public struct ChatResponse: Sendable, Equatable {
    public var text: String
    /// Per generated token, when logprobs were requested and the backend supports them.
    public var tokens: [TokenLogprobs]?
    public var model: String
    public var usage: ChatUsage?
    /// The backend stopped for want of room (the token budget or the model's context), not at
    /// an end of turn: OpenAI's `finish_reason` "length".
    public var truncated: Bool

    public init(
        text: String, tokens: [TokenLogprobs]? = nil, model: String, usage: ChatUsage? = nil, truncated: Bool = false
    ) {
        self.text = text
        self.tokens = tokens
        self.model = model
        self.usage = usage
        self.truncated = truncated
    }
}

/// One event of a streamed chat completion.
public enum ChatStreamEvent: Sendable, Equatable {
    /// New text (possibly empty) and the tokens it came from, with their log-probabilities when
    /// the request asked for them. The concatenated deltas equal the final response's text.
    case delta(String, tokens: [TokenLogprobs])
    /// The whole response; the last event.
    case finished(ChatResponse)
}

/// Something that answers chat requests (local model, HTTP endpoint, test double).
public protocol ChatBackend: Sendable {
    func complete(_ request: ChatRequest) async throws -> ChatResponse
    /// The same completion as events while it is generated. The default answers `complete` as
    /// one delta and its `finished` event; the in-process model streams token by token.
    /// Cancelling the consuming task (or dropping the stream) stops generation.
    func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error>
}

extension ChatBackend {
    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let response = try await complete(request)
                    continuation.yield(.delta(response.text, tokens: response.tokens ?? []))
                    continuation.yield(.finished(response))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
