// OpenAIChatBackendError: why the OpenAI-compatible HTTP backend could not answer, as typed
// errors whose messages name the endpoint, the attempt count and a short body excerpt, and say
// what to do. No message ever holds the API key: excerpts are scrubbed of it before they are
// stored, and URLs never carry credentials. Also maps each error to the judge's JudgmentFailure.
import ArbiterChat
import Foundation

/// A backend error that knows which failed-judgment reason it is.
package protocol JudgmentFailureConvertible: Error {
    var judgmentFailure: JudgmentFailure { get }
    /// Requests the failed call sent (its retries included), when it reached the network; a
    /// judgment counts them in `attempts`, so the count agrees with the failure's message.
    var attempts: Int? { get }
}

/// The OpenAI-compatible backend could not produce a chat completion.
public enum OpenAIChatBackendError: LocalizedError, Equatable, JudgmentFailureConvertible {
    /// A `--judge openai:URL#MODEL` spec that cannot be used.
    case invalidSpec(spec: String, reason: String)
    /// A configuration value out of range.
    case invalidConfiguration(field: String, value: String, fix: String)
    /// The request cannot be encoded (e.g. a non-finite temperature).
    case invalidRequest(reason: String)
    /// One request's estimated tokens exceed the tokens-per-minute limit, so it can never be sent.
    case requestExceedsTokenLimit(estimatedTokens: Int, tokensPerMinute: Int)
    /// The server answered with an error status (after the retries, when it is retryable).
    case httpStatus(url: String, status: Int, attempts: Int, bodyExcerpt: String)
    /// No complete answer within the per-request timeout, on every attempt.
    case timeout(url: String, seconds: Double, attempts: Int)
    /// The connection failed (refused, reset, closed early), on every attempt.
    case connection(url: String, reason: String, attempts: Int)
    /// A 2xx answer that is not a usable chat completion (not JSON, truncated, no choices).
    case invalidResponse(url: String, reason: String, bodyExcerpt: String)
    /// The response body is larger than `maxResponseBytes`.
    case responseTooLarge(url: String, limitBytes: Int)

    public var errorDescription: String? {
        switch self {
        case .invalidSpec(let spec, let reason):
            return "judge spec \"\(spec)\" is invalid: \(reason)"
        case .invalidConfiguration(let field, let value, let fix):
            return "OpenAIChatBackend.Configuration.\(field) = \(value) is invalid; \(fix)"
        case .invalidRequest(let reason):
            return "chat request cannot be encoded as JSON (\(reason)); use finite numbers"
        case .requestExceedsTokenLimit(let estimate, let tpm):
            return
                "request needs about \(estimate) tokens (prompt estimate + max_tokens) but the limit is \(tpm) tokens per minute; raise --tpm or lower --max-tokens"
        case .httpStatus(let url, let status, let attempts, let excerpt):
            return
                "POST \(url) answered HTTP \(status) after \(Self.attempts(attempts)): \(Self.show(excerpt)); \(Self.fix(status: status))"
        case .timeout(let url, let seconds, let attempts):
            return
                "POST \(url) gave no complete answer within \(JudgmentFailure.format(seconds)) s on each of \(Self.attempts(attempts)); raise --timeout or check the server"
        case .connection(let url, let reason, let attempts):
            return
                "POST \(url) failed to connect after \(Self.attempts(attempts)) (\(reason)); check that the server is running and the URL is right"
        case .invalidResponse(let url, let reason, let excerpt):
            return
                "POST \(url) returned an unusable chat completion: \(reason); body starts \(Self.show(excerpt)); check that the URL is an OpenAI-compatible /v1 root"
        case .responseTooLarge(let url, let limit):
            return "POST \(url) returned more than \(limit) bytes; lower max_tokens or raise maxResponseBytes"
        }
    }

    /// The failed-judgment reason a judge records for this error.
    public var judgmentFailure: JudgmentFailure {
        if case .timeout(_, let seconds, _) = self { return .timeout(seconds: seconds) }
        if case .httpStatus(_, 400, _, let excerpt) = self, excerpt.contains("context_length_exceeded") {
            return .contextLength(message: errorDescription ?? excerpt)
        }
        return .transport(message: errorDescription ?? "OpenAI-compatible backend error")
    }

    /// How many attempts the request used, when it reached the network.
    public var attempts: Int? {
        switch self {
        case .httpStatus(_, _, let a, _), .timeout(_, _, let a), .connection(_, _, let a): return a
        case .invalidResponse, .responseTooLarge: return 1
        case .invalidSpec, .invalidConfiguration, .invalidRequest, .requestExceedsTokenLimit: return nil
        }
    }

    static func attempts(_ n: Int) -> String { n == 1 ? "1 attempt" : "\(n) attempts" }

    static func show(_ excerpt: String) -> String { excerpt.isEmpty ? "(empty body)" : "\"\(excerpt)\"" }

    static func fix(status: Int) -> String {
        switch status {
        case 401, 403: return "check the API key in the environment variable named by --api-key-env"
        case 404: return "check the base URL (it should end in /v1) and the model name"
        case 400, 422: return "the server rejected the request; check the model name and the request options"
        case 408, 409, 429:
            return "the server is busy or rate-limiting; lower --rpm/--tpm/--concurrency or raise --max-retries"
        case 500...599: return "the server failed; check its logs or raise --max-retries"
        default: return "check the server"
        }
    }

    /// At most `limit` characters of `body` for an error message, with `secret` (the API key)
    /// replaced and control characters shown as spaces.
    static func excerpt(_ body: [UInt8], redacting secret: String?, limit: Int = 200) -> String {
        var text = String(decoding: body, as: UTF8.self)
        if let secret, !secret.isEmpty { text = text.replacingOccurrences(of: secret, with: "<redacted>") }
        text = String(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(limit + 1))
        text = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        if text.count > limit { text = String(text.prefix(limit)) + "…" }
        // A key cut at the excerpt's end could leave a recognisable prefix; scrub once more.
        if let secret, secret.count >= 8 {
            for length in stride(from: secret.count - 1, through: 8, by: -1) {
                let head = String(secret.prefix(length))
                if text.hasSuffix(head) || text.hasSuffix(head + "…") {
                    text = String(text.dropLast(text.hasSuffix("…") ? length + 1 : length)) + "<redacted>"
                    break
                }
            }
        }
        return text
    }
}

/// The in-process model's refusals as judgment failures: a prompt longer than the context is
/// `context_length`, anything else the backend's error text (`transport`).
extension LocalChatBackendError: JudgmentFailureConvertible {
    package var judgmentFailure: JudgmentFailure {
        if case .contextLength = self { return .contextLength(message: errorDescription ?? "\(self)") }
        return .transport(message: errorDescription ?? "\(self)")
    }

    /// The in-process model never retries: one request.
    package var attempts: Int? { 1 }
}
