// OpenAIWire+Request: decodes and type-checks the JSON body of POST /v1/chat/completions into a
// `ChatCompletionRequest`. Every wrong type, unknown role or out-of-range value becomes a
// ChatServerError naming the field (`messages[2].content`) and the fix; fields this server cannot
// honour (n > 1, tools, top_p ≠ 1, penalties) are refused rather than ignored; other
// unknown fields (user, metadata, …) are ignored as vLLM does. Limits that depend on the server's
// configuration (model name, max_tokens ceiling) are checked in ChatServer+Completion, not here.
import ArbiterChat
import ArbiterCore
import Foundation

/// A decoded, type-checked chat completion request.
struct ChatCompletionRequest: Sendable, Equatable {
    var model: String
    var messages: [ChatMessage]
    /// `max_completion_tokens`, else `max_tokens`; nil when neither is sent.
    var maxTokens: Int?
    /// Which of the two names carried `maxTokens` (for error messages).
    var maxTokensParam = "max_tokens"
    var temperature: Double = 0
    var seed: UInt64?
    var logprobs = false
    var topLogprobs: Int?
    var stop: [String] = []
    /// Answer as server-sent events (`stream: true`).
    var stream = false
    /// With `stream`: a last chunk with the usage (`stream_options.include_usage`).
    var includeUsage = false

    /// Largest `top_logprobs` OpenAI accepts.
    static let maxTopLogprobs = 20
    /// Most stop sequences OpenAI accepts.
    static let maxStopSequences = 4

    /// Decodes a request body; throws ChatServerError (never a DecodingError).
    static func decode(_ body: Data) throws(ChatServerError) -> ChatCompletionRequest {
        try decodeWire(Wire.self, from: body).request
    }

    /// The Decodable shim; all checks run in its init so errors carry the coding path.
    private struct Wire: Decodable {
        let request: ChatCompletionRequest

        init(from decoder: any Decoder) throws {
            let f = try FieldReader.topLevel(decoder)
            let model = try f.model()
            guard
                let messages = try f.optional(
                    "messages", [WireMessage].self, "an array of {\"role\", \"content\"} objects")
            else {
                throw ChatServerError.invalidField(
                    param: "messages", message: "is required; send at least one {\"role\": \"user\", \"content\": ...}")
            }
            guard !messages.isEmpty else {
                throw ChatServerError.invalidField(param: "messages", message: "is empty; send at least one message")
            }
            var request = ChatCompletionRequest(model: model, messages: messages.map(\.message))
            if let (n, name) = try Self.tokenLimit(f) {
                request.maxTokens = n
                request.maxTokensParam = name
            }
            if let t = try f.optional("temperature", Double.self, "a number between 0 and 2") {
                guard (0...2).contains(t) else {
                    throw ChatServerError.invalidField(
                        param: "temperature", message: "\(t) is out of range; use a number between 0 and 2")
                }
                request.temperature = t
            }
            request.seed = try Self.seed(f)
            request.logprobs = try f.optional("logprobs", Bool.self, "true or false") ?? false
            if let k = try f.optional("top_logprobs", Int.self, "an integer between 0 and \(maxTopLogprobs)") {
                guard (0...maxTopLogprobs).contains(k) else {
                    throw ChatServerError.invalidField(
                        param: "top_logprobs",
                        message: "\(k) is out of range; use an integer between 0 and \(maxTopLogprobs)")
                }
                guard request.logprobs else {
                    throw ChatServerError.invalidField(param: "top_logprobs", message: "needs \"logprobs\": true")
                }
                request.topLogprobs = k
            }
            request.stop = try f.stopSequences()
            (request.stream, request.includeUsage) = try Self.streaming(f)
            try Self.refuseUnsupported(f)
            self.request = request
        }

        /// `max_completion_tokens` (preferred) or `max_tokens`: a positive integer.
        static func tokenLimit(_ f: FieldReader) throws -> (Int, String)? {
            for name in ["max_completion_tokens", "max_tokens"] {
                guard let n = try f.optional(name, Int.self, "a positive integer") else { continue }
                guard n >= 1 else {
                    throw ChatServerError.invalidField(
                        param: name, message: "\(n) is out of range; use a positive integer")
                }
                return (n, name)
            }
            return nil
        }

        /// Any JSON integer from Int64.min to UInt64.max; negative seeds keep their bit pattern.
        static func seed(_ f: FieldReader) throws -> UInt64? {
            let expected = "an integer"
            if let s = try? f.optional("seed", UInt64.self, expected) { return s }
            return try f.optional("seed", Int64.self, expected).map { UInt64(bitPattern: $0) }
        }

        /// `stream` and `stream_options: {"include_usage": bool}` (only with `stream: true`, as OpenAI).
        static func streaming(_ f: FieldReader) throws -> (Bool, Bool) {
            let stream = try f.optional("stream", Bool.self, "true or false") ?? false
            guard
                let options = try f.optional(
                    "stream_options", [String: JSONValue].self, "an object like {\"include_usage\": true}")
            else { return (stream, false) }
            guard stream else {
                throw ChatServerError.invalidField(
                    param: "stream_options", message: "is only allowed with \"stream\": true")
            }
            switch options["include_usage"] {
            case nil, .null: return (true, false)
            case .bool(let include): return (true, include)
            default:
                throw ChatServerError.invalidField(
                    param: "stream_options.include_usage", message: "must be true or false")
            }
        }

        /// Fields whose non-default values this server cannot honour.
        static func refuseUnsupported(_ f: FieldReader) throws {
            if let n = try f.optional("n", Int.self, "an integer") {
                guard n >= 1 else {
                    throw ChatServerError.invalidField(param: "n", message: "\(n) is out of range; use 1")
                }
                guard n == 1 else {
                    throw ChatServerError.unsupported(
                        param: "n",
                        message:
                            "this server returns one choice per request; send n = 1 and repeat the request with different seeds"
                    )
                }
            }
            if let p = try f.optional("top_p", Double.self, "a number between 0 and 1"), p != 1 {
                guard p > 0, p <= 1 else {
                    throw ChatServerError.invalidField(
                        param: "top_p", message: "\(p) is out of range; use a number in (0, 1]")
                }
                throw ChatServerError.unsupported(
                    param: "top_p", message: "nucleus sampling is not supported; omit top_p or send 1")
            }
            for name in ["frequency_penalty", "presence_penalty"] {
                if let v = try f.optional(name, Double.self, "a number"), v != 0 {
                    throw ChatServerError.unsupported(
                        param: name, message: "penalties are not supported; omit \(name) or send 0")
                }
            }
            for name in ["tools", "functions"] {
                if let list = try f.optional(name, [JSONValue].self, "an array"), !list.isEmpty {
                    throw ChatServerError.unsupported(
                        param: name, message: "tool calling is not supported; omit \(name)")
                }
            }
            if let choice = try f.optional("tool_choice", JSONValue.self, "a string or object"),
                choice != .string("none")
            {
                throw ChatServerError.unsupported(
                    param: "tool_choice", message: "tool calling is not supported; omit tool_choice")
            }
            if let bias = try f.optional("logit_bias", [String: JSONValue].self, "an object"), !bias.isEmpty {
                throw ChatServerError.unsupported(
                    param: "logit_bias", message: "logit bias is not supported; omit logit_bias")
            }
            if let format = try f.optional("response_format", [String: JSONValue].self, "an object"),
                format["type"] != .string("text")
            {
                throw ChatServerError.unsupported(
                    param: "response_format", message: "only {\"type\": \"text\"} is supported; omit response_format")
            }
        }
    }
}

/// One message: role and text content (a string, or text parts joined by newlines as vLLM does).
private struct WireMessage: Decodable {
    let message: ChatMessage

    init(from decoder: any Decoder) throws {
        let path = FieldReader.path(decoder.codingPath)
        let c: KeyedDecodingContainer<WireKey>
        do { c = try decoder.container(keyedBy: WireKey.self) } catch {
            throw ChatServerError.invalidField(
                param: path, message: "must be an object {\"role\": ..., \"content\": ...}")
        }
        let f = FieldReader(container: c, path: path + ".")
        guard let roleName = try f.optional("role", String.self, "a string") else {
            throw ChatServerError.invalidField(
                param: path + ".role", message: "is required; use system, user or assistant")
        }
        let role: ChatMessage.Role
        switch roleName {
        case "system", "developer": role = .system
        case "user": role = .user
        case "assistant": role = .assistant
        default:
            throw ChatServerError.invalidField(
                param: path + ".role", message: "'\(roleName)' is not a supported role; use system, user or assistant")
        }
        let expected = "a string or an array of {\"type\": \"text\", \"text\": ...} parts"
        let content: String
        if let text = try? f.optional("content", String.self, expected) {
            content = text
        } else if let parts = try f.optional("content", [WirePart].self, expected) {
            content = parts.map(\.text).joined(separator: "\n")
        } else {
            throw ChatServerError.invalidField(param: path + ".content", message: "is required and must be \(expected)")
        }
        message = ChatMessage(role: role, content: content)
    }
}

/// One content part; only `{"type": "text", "text": ...}` is accepted.
private struct WirePart: Decodable {
    let text: String

    init(from decoder: any Decoder) throws {
        let path = FieldReader.path(decoder.codingPath)
        let c: KeyedDecodingContainer<WireKey>
        do { c = try decoder.container(keyedBy: WireKey.self) } catch {
            throw ChatServerError.invalidField(
                param: path, message: "must be an object {\"type\": \"text\", \"text\": ...}")
        }
        let f = FieldReader(container: c, path: path + ".")
        let kind = try f.optional("type", String.self, "a string") ?? "text"
        guard kind == "text" else {
            throw ChatServerError.unsupported(
                param: path + ".type", message: "content part type '\(kind)' is not supported; send text parts only")
        }
        guard let text = try f.optional("text", String.self, "a string") else {
            throw ChatServerError.invalidField(param: path + ".text", message: "is required for a text part")
        }
        self.text = text
    }
}

/// Decodes a request body with `Wire`'s checking initialiser; JSON syntax errors become
/// `malformedJSON` with the parser's reason, and the checks' own errors pass through (never a
/// DecodingError).
func decodeWire<Wire: Decodable>(_ wire: Wire.Type, from body: Data) throws(ChatServerError) -> Wire {
    do {
        return try JSONDecoder().decode(Wire.self, from: body)
    } catch let error as ChatServerError {
        throw error
    } catch DecodingError.dataCorrupted(let context) {
        let detail = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
        throw .malformedJSON(reason: detail ?? context.debugDescription)
    } catch {
        throw .malformedJSON(reason: "\(type(of: error))")
    }
}

/// Any JSON object key.
struct WireKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// Reads optional typed fields, turning decoding failures into errors that name the field.
struct FieldReader {
    let container: KeyedDecodingContainer<WireKey>
    /// Prefix of every field's param path, e.g. "messages[2]."
    let path: String

    /// The value of `name`, nil when it is absent or null; wrong types throw `invalidField`.
    func optional<T: Decodable>(_ name: String, _ type: T.Type, _ expected: String) throws -> T? {
        let key = WireKey(stringValue: name)
        guard container.contains(key) else { return nil }
        if (try? container.decodeNil(forKey: key)) == true { return nil }
        do {
            return try container.decode(T.self, forKey: key)
        } catch let error as ChatServerError {
            throw error
        } catch {
            throw ChatServerError.invalidField(param: path + name, message: "must be \(expected)")
        }
    }

    /// The reader of a request body's top-level object (`malformedJSON` when it is not one).
    static func topLevel(_ decoder: any Decoder) throws -> FieldReader {
        do {
            return FieldReader(container: try decoder.container(keyedBy: WireKey.self), path: "")
        } catch {
            throw ChatServerError.malformedJSON(reason: "the top-level value is not an object")
        }
    }

    /// The required `model` string.
    func model() throws -> String {
        guard let model = try optional("model", String.self, "a string") else {
            throw ChatServerError.invalidField(
                param: "model", message: "is required; send the id listed by GET /v1/models")
        }
        return model
    }

    /// `stop`: a string or an array of up to `ChatCompletionRequest.maxStopSequences` non-empty
    /// strings (OpenAI's rule for chat and text completions alike).
    func stopSequences() throws -> [String] {
        let most = ChatCompletionRequest.maxStopSequences
        let expected = "a string or an array of up to \(most) strings"
        let list: [String]
        if let one = try? optional("stop", String.self, expected) {
            list = [one]
        } else {
            list = try optional("stop", [String].self, expected) ?? []
        }
        guard list.count <= most else {
            throw ChatServerError.invalidField(
                param: "stop", message: "has \(list.count) sequences; send at most \(most)")
        }
        guard !list.contains("") else {
            throw ChatServerError.invalidField(param: "stop", message: "contains an empty string; remove it")
        }
        return list
    }

    /// "messages[2].content[0]" from a decoder's coding path.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
        }
        return out
    }
}
