// OpenAIWire: the JSON the server writes, in OpenAI's chat-completions shapes: the completion,
// the model list, the health report and the error envelope. Optional fields that OpenAI sends as
// `null` are encoded as `null` (not omitted). Doubles are written by JSONEncoder, which prints the
// shortest text that reads back to the same Double. Request decoding is OpenAIWire+Request.
import Foundation

/// Log-probability written in place of -inf (and NaN): JSON has no infinities, and OpenAI uses
/// -9999.0 for tokens whose probability underflows.
let minimumWireLogprob = -9999.0

/// `{"id", "object": "chat.completion", "created", "model", "choices", "usage"}`.
struct ChatCompletionWire: Encodable, Equatable {
    var id: String
    var object = "chat.completion"
    var created: Int
    var model: String
    var choices: [ChoiceWire]
    var usage: UsageWire?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: WireKey.self)
        try c.encode(id, forKey: WireKey(stringValue: "id"))
        try c.encode(object, forKey: WireKey(stringValue: "object"))
        try c.encode(created, forKey: WireKey(stringValue: "created"))
        try c.encode(model, forKey: WireKey(stringValue: "model"))
        try c.encode(choices, forKey: WireKey(stringValue: "choices"))
        try c.encode(usage, forKey: WireKey(stringValue: "usage"))
    }
}

/// One choice: `{"index", "message", "finish_reason", "logprobs"}` (logprobs null when not asked).
struct ChoiceWire: Encodable, Equatable {
    var index = 0
    var message: MessageWire
    var finishReason: String
    var logprobs: LogprobsWire?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: WireKey.self)
        try c.encode(index, forKey: WireKey(stringValue: "index"))
        try c.encode(message, forKey: WireKey(stringValue: "message"))
        try c.encode(finishReason, forKey: WireKey(stringValue: "finish_reason"))
        try c.encode(logprobs, forKey: WireKey(stringValue: "logprobs"))
    }
}

/// `{"role": "assistant", "content"}`.
struct MessageWire: Encodable, Equatable {
    var role = "assistant"
    var content: String
}

/// `{"content": [token entries]}`.
struct LogprobsWire: Encodable, Equatable {
    var content: [TokenLogprobWire]
}

/// `{"token", "logprob", "bytes", "top_logprobs"}`; alternatives have no `top_logprobs`.
struct TokenLogprobWire: Encodable, Equatable {
    var token: String
    var logprob: Double
    /// The token's UTF-8 bytes.
    var bytes: [UInt8]
    var topLogprobs: [TokenLogprobWire]?

    init(token: String, logprob: Double, topLogprobs: [TokenLogprobWire]?) {
        self.token = token
        self.logprob = logprob.isFinite ? logprob : minimumWireLogprob
        self.bytes = Array(token.utf8)
        self.topLogprobs = topLogprobs
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: WireKey.self)
        try c.encode(token, forKey: WireKey(stringValue: "token"))
        try c.encode(logprob, forKey: WireKey(stringValue: "logprob"))
        try c.encode(bytes, forKey: WireKey(stringValue: "bytes"))
        if let topLogprobs { try c.encode(topLogprobs, forKey: WireKey(stringValue: "top_logprobs")) }
    }
}

/// `{"prompt_tokens", "completion_tokens", "total_tokens"}`.
struct UsageWire: Encodable, Equatable {
    var promptTokens: Int
    var completionTokens: Int

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: WireKey.self)
        try c.encode(promptTokens, forKey: WireKey(stringValue: "prompt_tokens"))
        try c.encode(completionTokens, forKey: WireKey(stringValue: "completion_tokens"))
        try c.encode(promptTokens + completionTokens, forKey: WireKey(stringValue: "total_tokens"))
    }
}

/// `{"object": "list", "data": [{"id", "object": "model", "created", "owned_by": "arbiter"}]}`.
struct ModelListWire: Encodable, Equatable {
    struct Entry: Encodable, Equatable {
        var id: String
        var object = "model"
        var created: Int
        var ownedBy = "arbiter"

        enum CodingKeys: String, CodingKey {
            case id, object, created
            case ownedBy = "owned_by"
        }
    }
    var object = "list"
    var data: [Entry]
}

/// `{"status": "ok", "model", "in_flight", "queued"}` for GET /health.
struct HealthWire: Encodable, Equatable {
    var status = "ok"
    var model: String
    var inFlight: Int
    var queued: Int
    /// The reward functions a reward server serves (absent on a chat-only server).
    var rewards: [String]? = nil

    enum CodingKeys: String, CodingKey {
        case status, model
        case inFlight = "in_flight"
        case queued, rewards
    }
}

/// `{"error": {"message", "type", "param", "code"}}`.
struct ErrorEnvelopeWire: Encodable, Equatable {
    var message: String
    var type: String
    var param: String?
    var code: String?

    init(_ error: ChatServerError) {
        message = error.errorDescription ?? "request failed"
        type = error.type
        param = error.param
        code = error.code
    }

    func encode(to encoder: any Encoder) throws {
        var outer = encoder.container(keyedBy: WireKey.self)
        var c = outer.nestedContainer(keyedBy: WireKey.self, forKey: WireKey(stringValue: "error"))
        try c.encode(message, forKey: WireKey(stringValue: "message"))
        try c.encode(type, forKey: WireKey(stringValue: "type"))
        try c.encode(param, forKey: WireKey(stringValue: "param"))
        try c.encode(code, forKey: WireKey(stringValue: "code"))
    }
}

/// The encoder for every response body: no escaped slashes, sorted keys (stable output).
func encodeWire(_ value: some Encodable) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // Every wire type holds only strings, integers and finite doubles, so encoding cannot fail;
    // should it ever, the client still gets a well-formed error object.
    return (try? encoder.encode(value))
        ?? Data(
            #"{"error":{"message":"response could not be encoded","type":"server_error","param":null,"code":"encoding_failed"}}"#
                .utf8)
}
