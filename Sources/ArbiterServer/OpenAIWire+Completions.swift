// OpenAIWire+Completions: POST /v1/completions (OpenAI's legacy text completion) on the wire: the
// request decoded and type-checked into a `TextCompletionsRequest` (prompt as a string, a list of
// strings, token ids or a list of token-id lists; one choice per prompt), and the response in
// OpenAI's `text_completion` shape with legacy logprobs (`tokens`, `token_logprobs`,
// `top_logprobs` as {token: logprob} objects, `text_offset`; the first echoed prompt token has
// null log-probability and alternatives). Fields this server cannot honour (n/best_of > 1,
// suffix, streaming, penalties, logit_bias) are refused, as for chat completions.
import ArbiterChat
import ArbiterCore
import Foundation

/// A decoded, type-checked text completion request.
struct TextCompletionsRequest: Sendable, Equatable {
    var model: String
    var prompts: [TextPrompt]
    /// nil when not sent (OpenAI's default is 16).
    var maxTokens: Int?
    var temperature: Double = 0
    var seed: UInt64?
    var logprobs: Int?
    var echo = false
    var stop: [String] = []

    /// Largest `logprobs` accepted (vLLM's limit; OpenAI's is 5).
    static let maxLogprobs = 20

    /// Decodes a request body; throws ChatServerError (never a DecodingError).
    static func decode(_ body: Data) throws(ChatServerError) -> TextCompletionsRequest {
        try decodeWire(Wire.self, from: body).request
    }

    private struct Wire: Decodable {
        let request: TextCompletionsRequest

        init(from decoder: any Decoder) throws {
            let f = try FieldReader.topLevel(decoder)
            let model = try f.model()
            var request = TextCompletionsRequest(model: model, prompts: try Self.prompts(f))
            if let n = try f.optional("max_tokens", Int.self, "an integer ≥ 0") {
                guard n >= 0 else {
                    throw ChatServerError.invalidField(param: "max_tokens", message: "\(n) is out of range; use ≥ 0")
                }
                request.maxTokens = n
            }
            if let t = try f.optional("temperature", Double.self, "a number between 0 and 2") {
                guard (0...2).contains(t) else {
                    throw ChatServerError.invalidField(
                        param: "temperature", message: "\(t) is out of range; use a number between 0 and 2")
                }
                request.temperature = t
            }
            if let s = try? f.optional("seed", UInt64.self, "an integer") {
                request.seed = s
            } else {
                request.seed = try f.optional("seed", Int64.self, "an integer").map { UInt64(bitPattern: $0) }
            }
            if let k = try f.optional("logprobs", Int.self, "an integer between 0 and \(maxLogprobs)") {
                guard (0...maxLogprobs).contains(k) else {
                    throw ChatServerError.invalidField(
                        param: "logprobs", message: "\(k) is out of range; use an integer between 0 and \(maxLogprobs)")
                }
                request.logprobs = k
            }
            request.echo = try f.optional("echo", Bool.self, "true or false") ?? false
            request.stop = try f.stopSequences()
            try Self.refuseUnsupported(f)
            self.request = request
        }

        /// `prompt`: a string, an array of strings, an array of token ids, or an array of such arrays.
        static func prompts(_ f: FieldReader) throws -> [TextPrompt] {
            let expected = "a string, an array of strings, an array of token ids or an array of token-id arrays"
            guard let value = try f.optional("prompt", JSONValue.self, expected) else {
                throw ChatServerError.invalidField(param: "prompt", message: "is required; send \(expected)")
            }
            func ids(_ items: [JSONValue], _ path: String) throws -> [Int] {
                try items.enumerated().map { i, item in
                    guard case .number(let x) = item, x >= 0, x < 1e9, x == x.rounded() else {
                        throw ChatServerError.invalidField(
                            param: "\(path)[\(i)]", message: "must be a token id (an integer ≥ 0)")
                    }
                    return Int(x)
                }
            }
            switch value {
            case .string(let text): return [.text(text)]
            case .array(let items) where items.isEmpty:
                throw ChatServerError.invalidField(param: "prompt", message: "is empty; send \(expected)")
            case .array(let items):
                switch items[0] {
                case .number: return [.tokens(try ids(items, "prompt"))]
                case .string:
                    return try items.enumerated().map { i, item in
                        guard case .string(let text) = item else {
                            throw ChatServerError.invalidField(param: "prompt[\(i)]", message: "must be a string")
                        }
                        return .text(text)
                    }
                case .array:
                    return try items.enumerated().map { i, item in
                        guard case .array(let inner) = item, !inner.isEmpty else {
                            throw ChatServerError.invalidField(
                                param: "prompt[\(i)]", message: "must be a non-empty array of token ids")
                        }
                        return .tokens(try ids(inner, "prompt[\(i)]"))
                    }
                default: throw ChatServerError.invalidField(param: "prompt[0]", message: "must be \(expected)")
                }
            default: throw ChatServerError.invalidField(param: "prompt", message: "must be \(expected)")
            }
        }

        static func refuseUnsupported(_ f: FieldReader) throws {
            for name in ["n", "best_of"] {
                if let n = try f.optional(name, Int.self, "an integer"), n != 1 {
                    throw ChatServerError.unsupported(
                        param: name, message: "this server returns one choice per prompt; send \(name) = 1 or omit it")
                }
            }
            if try f.optional("stream", Bool.self, "true or false") == true {
                throw ChatServerError.unsupported(
                    param: "stream",
                    message: "/v1/completions does not stream; omit stream (POST /v1/chat/completions streams)")
            }
            if let suffix = try f.optional("suffix", String.self, "a string"), !suffix.isEmpty {
                throw ChatServerError.unsupported(param: "suffix", message: "suffix is not supported; omit it")
            }
            if let p = try f.optional("top_p", Double.self, "a number between 0 and 1"), p != 1 {
                throw ChatServerError.unsupported(
                    param: "top_p", message: "nucleus sampling is not supported; omit top_p or send 1")
            }
            for name in ["frequency_penalty", "presence_penalty"] {
                if let v = try f.optional(name, Double.self, "a number"), v != 0 {
                    throw ChatServerError.unsupported(
                        param: name, message: "penalties are not supported; omit \(name) or send 0")
                }
            }
            if let bias = try f.optional("logit_bias", [String: JSONValue].self, "an object"), !bias.isEmpty {
                throw ChatServerError.unsupported(
                    param: "logit_bias", message: "logit bias is not supported; omit logit_bias")
            }
        }
    }
}

/// `{"id", "object": "text_completion", "created", "model", "choices", "usage"}`.
struct TextCompletionWire: Encodable, Equatable {
    var id: String
    var created: Int
    var model: String
    var choices: [TextChoiceWire]
    var usage: UsageWire

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: WireKey.self)
        try c.encode(id, forKey: WireKey(stringValue: "id"))
        try c.encode("text_completion", forKey: WireKey(stringValue: "object"))
        try c.encode(created, forKey: WireKey(stringValue: "created"))
        try c.encode(model, forKey: WireKey(stringValue: "model"))
        try c.encode(choices, forKey: WireKey(stringValue: "choices"))
        try c.encode(usage, forKey: WireKey(stringValue: "usage"))
    }
}

/// `{"index", "text", "logprobs", "finish_reason"}`.
struct TextChoiceWire: Encodable, Equatable {
    var index: Int
    var text: String
    var logprobs: LegacyLogprobsWire?
    var finishReason: String

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: WireKey.self)
        try c.encode(index, forKey: WireKey(stringValue: "index"))
        try c.encode(text, forKey: WireKey(stringValue: "text"))
        try c.encode(logprobs, forKey: WireKey(stringValue: "logprobs"))
        try c.encode(finishReason, forKey: WireKey(stringValue: "finish_reason"))
    }
}

/// `{"tokens", "token_logprobs", "top_logprobs", "text_offset"}`, one entry per token.
struct LegacyLogprobsWire: Encodable, Equatable {
    var tokens: [String] = []
    var tokenLogprobs: [Double?] = []
    var topLogprobs: [[String: Double]?] = []
    var textOffset: [Int] = []

    /// Appends a token starting at scalar offset `offset`; -inf and NaN become `minimumWireLogprob`.
    mutating func append(_ token: String, logprob: Double?, top: [TokenLogprob]?, offset: Int) {
        tokens.append(token)
        tokenLogprobs.append(logprob.map { $0.isFinite ? $0 : minimumWireLogprob })
        // Alternatives with the same text keep the most likely (the first; the backend sorts them).
        topLogprobs.append(
            top.map { alternatives in
                var object: [String: Double] = [:]
                for a in alternatives where object[a.token] == nil {
                    object[a.token] = a.logprob.isFinite ? a.logprob : minimumWireLogprob
                }
                return object
            })
        textOffset.append(offset)
    }

    enum CodingKeys: String, CodingKey {
        case tokens
        case tokenLogprobs = "token_logprobs"
        case topLogprobs = "top_logprobs"
        case textOffset = "text_offset"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tokens, forKey: .tokens)
        var lps = c.nestedUnkeyedContainer(forKey: .tokenLogprobs)
        for x in tokenLogprobs { if let x { try lps.encode(x) } else { try lps.encodeNil() } }
        var tops = c.nestedUnkeyedContainer(forKey: .topLogprobs)
        for t in topLogprobs { if let t { try tops.encode(t) } else { try tops.encodeNil() } }
        try c.encode(textOffset, forKey: .textOffset)
    }
}
