// ChatServerError: why the server refused or failed a request (each case knows its HTTP status and
// its OpenAI error `type`/`code`/`param`), or why it could not start. The message names the field
// and the fix; it never carries a stack trace or the request body. Not the wire encoding of the
// error (that is OpenAIWire's ErrorEnvelope).
import Foundation
import Hummingbird

/// A request the server refused, a backend failure, or a server that could not start.
public enum ChatServerError: LocalizedError, Equatable, Sendable {
    /// The body is not JSON, or not a JSON object.
    case malformedJSON(reason: String)
    /// A field has the wrong type or an out-of-range value; `param` is its path, e.g. `messages[1].role`.
    case invalidField(param: String, message: String)
    /// A field asks for something this server does not do (streaming, tools, n > 1, …).
    case unsupported(param: String, message: String)
    /// The request names a model this server does not serve.
    case unknownModel(requested: String, served: String)
    /// No route for this method and path.
    case notFound(method: String, path: String)
    /// The path exists but not for this method; `allowed` go in the `Allow` header.
    case methodNotAllowed(method: String, path: String, allowed: [String])
    /// The body is larger than `ChatServerConfiguration.maxBodyBytes`.
    case bodyTooLarge(limit: Int)
    /// Too many requests are already waiting for the backend.
    case busy(queued: Int)
    /// The request waited (`waiting`) or ran longer than the server's time limit.
    case timedOut(seconds: Double, waiting: Bool)
    /// The backend refused the request as invalid (e.g. a temperature it cannot sample with).
    case backendRejected(reason: String)
    /// The prompt does not fit the model's context (OpenAI's `context_length_exceeded`).
    case contextLength(promptTokens: Int, contextLength: Int)
    /// The backend threw.
    case backendFailed(reason: String)
    /// Something other than the backend failed while answering (a bug; the message says what).
    case internalError(reason: String)
    /// The server stopped before it bound its address (e.g. the port is in use).
    case didNotStart(address: String, reason: String)
    /// A ChatServerConfiguration setting is out of range.
    case invalidConfiguration(setting: String, reason: String)
    /// The reward service gave no rewards for the batch (its reason, e.g. unscored rows): 422, so
    /// clients do not retry what will fail again.
    case rewardFailed(reason: String)

    public var errorDescription: String? {
        switch self {
        case .malformedJSON(let reason):
            return
                "request body is not a valid JSON object (\(reason)); send Content-Type: application/json with an object like {\"model\": ..., \"messages\": [...]}"
        case .invalidField(let param, let message):
            return "\(param): \(message)"
        case .unsupported(let param, let message):
            return "\(param): \(message)"
        case .unknownModel(let requested, let served):
            return "model '\(requested)' is not served here; this server serves '\(served)' (see GET /v1/models)"
        case .notFound(let method, let path):
            return
                "no route \(method) \(path); this server answers POST /v1/chat/completions and /v1/completions (a chat server), POST /v1/embeddings (with an encoder), POST /get_reward (a reward server), GET /v1/models, GET /health and GET /metrics"
        case .methodNotAllowed(let method, let path, let allowed):
            return "\(path) does not accept \(method); use \(allowed.joined(separator: " or "))"
        case .bodyTooLarge(let limit):
            return
                "request body is larger than \(limit) bytes; shorten the messages or start the server with a larger body limit"
        case .busy(let queued):
            return "server is busy: \(queued) request(s) already wait for the model; retry later"
        case .timedOut(let seconds, let waiting):
            return waiting
                ? "server is busy: the request waited \(seconds) s for the model without its turn; retry later"
                : "the completion took longer than this server's limit of \(seconds) s and was stopped; ask for fewer tokens"
        case .backendRejected(let reason):
            return "the model backend rejected the request: \(reason)"
        case .contextLength(let prompt, let context):
            return
                "this model's maximum context length is \(context) tokens, but the messages resulted in \(prompt) tokens (and at least one token must be generated); shorten the messages"
        case .backendFailed(let reason):
            return "the model backend failed: \(reason)"
        case .internalError(let reason):
            return "the server failed to answer: \(reason)"
        case .didNotStart(let address, let reason):
            return "server could not start on \(address): \(reason); choose another --port or --host"
        case .invalidConfiguration(let setting, let reason):
            return "server setting \(setting) \(reason)"
        case .rewardFailed(let reason):
            return "no rewards for this batch: \(reason)"
        }
    }

    /// The HTTP status answered for this error.
    var status: HTTPResponse.Status {
        switch self {
        case .malformedJSON, .invalidField, .unsupported, .backendRejected, .contextLength: return .badRequest
        case .unknownModel, .notFound: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        case .bodyTooLarge: return .contentTooLarge
        case .busy: return .serviceUnavailable
        case .timedOut(_, let waiting): return waiting ? .serviceUnavailable : .gatewayTimeout
        case .backendFailed, .internalError, .didNotStart, .invalidConfiguration: return .internalServerError
        case .rewardFailed: return .unprocessableContent
        }
    }

    /// OpenAI's error `type`.
    var type: String {
        switch self {
        case .malformedJSON, .invalidField, .unsupported, .unknownModel, .notFound, .methodNotAllowed, .bodyTooLarge,
            .backendRejected, .contextLength:
            return "invalid_request_error"
        case .busy: return "server_overloaded"
        case .timedOut(_, let waiting): return waiting ? "server_overloaded" : "timeout"
        case .backendFailed, .internalError, .didNotStart, .invalidConfiguration, .rewardFailed: return "server_error"
        }
    }

    /// OpenAI's error `param` (the offending field), when there is one.
    var param: String? {
        switch self {
        case .invalidField(let param, _), .unsupported(let param, _): return param
        case .unknownModel: return "model"
        case .contextLength: return "messages"
        default: return nil
        }
    }

    /// OpenAI's error `code`.
    var code: String? {
        switch self {
        case .malformedJSON: return "invalid_json"
        case .invalidField: return "invalid_value"
        case .unsupported: return "unsupported_parameter"
        case .unknownModel: return "model_not_found"
        case .notFound: return "unknown_url"
        case .methodNotAllowed: return "method_not_allowed"
        case .bodyTooLarge: return "request_too_large"
        case .busy: return "server_busy"
        case .timedOut: return "timeout"
        case .backendRejected: return "invalid_request"
        case .contextLength: return "context_length_exceeded"
        case .backendFailed: return "backend_error"
        case .internalError: return "internal_error"
        case .rewardFailed: return "reward_failed"
        case .didNotStart, .invalidConfiguration: return nil
        }
    }
}
