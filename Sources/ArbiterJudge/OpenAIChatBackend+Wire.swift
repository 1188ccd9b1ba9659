// OpenAIChatBackend+Wire: the chat-completions JSON on the wire. Encodes a ChatRequest (model,
// messages as given, a trailing assistant message included, max_tokens, temperature, seed,
// logprobs, top_logprobs) and decodes a response (choices[0].message.content,
// choices[0].logprobs.content[] with top_logprobs, choices[0].finish_reason "length" as `truncated`,
// usage, model) into a ChatResponse. A body that
// is not a usable completion (empty, not JSON, truncated, no or empty choices) becomes a typed
// error naming the URL and a short, key-free excerpt. It does no I/O.
import ArbiterChat
import ArbiterCore
import Foundation

/// The request body of POST /v1/chat/completions.
struct WireChatRequest: Encodable, Equatable {
    var model: String
    /// ChatMessage codes as `{"role", "content"}`, as the API expects.
    var messages: [ChatMessage]
    var maxTokens: Int
    var temperature: Double
    var seed: UInt64?
    var logprobs: Bool?
    var topLogprobs: Int?
    /// Sent only when the request has stop strings.
    var stop: [String]?

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, seed, logprobs, stop
        case maxTokens = "max_tokens"
        case topLogprobs = "top_logprobs"
    }

    init(_ request: ChatRequest, model: String) {
        self.model = model
        messages = request.messages
        maxTokens = request.maxTokens
        temperature = request.temperature
        seed = request.seed
        // Only sent when asked for: some servers reject top_logprobs without logprobs.
        logprobs = request.logprobs ? true : nil
        topLogprobs = request.logprobs ? request.topLogprobs : nil
        stop = request.stop.isEmpty ? nil : request.stop
    }

    func encoded() throws -> [UInt8] {
        guard temperature.isFinite else {
            throw OpenAIChatBackendError.invalidRequest(reason: "temperature is \(temperature)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(self))
        } catch {
            throw OpenAIChatBackendError.invalidRequest(reason: "\(error)")
        }
    }
}

/// The parts of a chat-completions response the judge reads; everything is optional so that a
/// missing field is reported by name instead of as a decoding failure.
struct WireChatResponse: Decodable {
    struct Choice: Decodable {
        var message: Message?
        var logprobs: Logprobs?
        /// "length" when the server cut the answer at max_tokens or the context (OpenAI's spelling).
        var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case message, logprobs
            case finishReason = "finish_reason"
        }
    }
    struct Message: Decodable {
        var content: String?
    }
    struct Logprobs: Decodable {
        var content: [Token]?
    }
    struct Token: Decodable {
        var token: String
        var logprob: Double
        var topLogprobs: [Alternative]?
        enum CodingKeys: String, CodingKey {
            case token, logprob
            case topLogprobs = "top_logprobs"
        }
    }
    struct Alternative: Decodable {
        var token: String
        var logprob: Double
    }
    struct Usage: Decodable {
        var promptTokens: Int?
        var completionTokens: Int?
        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
        }
    }
    struct ServerError: Decodable {
        var message: String?
    }

    var model: String?
    var choices: [Choice]?
    var usage: Usage?
    var error: ServerError?

    /// Decodes `body` into a ChatResponse or throws `.invalidResponse` naming `url`.
    static func decode(_ body: [UInt8], url: String, fallbackModel: String, secret: String?) throws -> ChatResponse {
        func invalid(_ reason: String) -> OpenAIChatBackendError {
            var reason = reason
            if let secret, !secret.isEmpty { reason = reason.replacingOccurrences(of: secret, with: "<redacted>") }
            return .invalidResponse(
                url: url, reason: reason, bodyExcerpt: OpenAIChatBackendError.excerpt(body, redacting: secret))
        }
        let wire: WireChatResponse
        do {
            wire = try JSONDecoder().decode(WireChatResponse.self, from: Data(body))
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw invalid(syntaxProblem(body))
        } catch let error as DecodingError {
            throw invalid("the JSON is not a chat completion (\(describe(error)))")
        } catch {
            throw invalid(syntaxProblem(body))
        }
        guard let choices = wire.choices else {
            let server = wire.error?.message.map { " (server error: \(String($0.prefix(200))))" } ?? ""
            throw invalid("the JSON has no \"choices\"\(server)")
        }
        guard let choice = choices.first else { throw invalid("\"choices\" is empty") }
        guard let message = choice.message else { throw invalid("choices[0] has no \"message\"") }
        let tokens = choice.logprobs?.content.map { content in
            content.map { t in
                TokenLogprobs(
                    token: t.token, logprob: t.logprob,
                    top: (t.topLogprobs ?? []).map { TokenLogprob(token: $0.token, logprob: $0.logprob) })
            }
        }
        var usage: ChatUsage?
        if let u = wire.usage, let prompt = u.promptTokens, let completion = u.completionTokens {
            usage = ChatUsage(promptTokens: prompt, completionTokens: completion)
        }
        let model = wire.model.flatMap { $0.isEmpty ? nil : $0 } ?? fallbackModel
        return ChatResponse(
            text: message.content ?? "", tokens: tokens, model: model, usage: usage,
            truncated: choice.finishReason == "length")
    }

    /// Why `body` is not JSON: empty, not JSON at all, cut off before it closes, or malformed.
    static func syntaxProblem(_ body: [UInt8]) -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let first = body.first(where: { !isSpace($0) }) else { return "the body is empty" }
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return "the body is not JSON" }
        var depth = 0
        var inString = false
        var escaped = false
        for byte in body {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        if inString || depth > 0 { return "the JSON is truncated (the body ends before the document closes)" }
        return "the body is malformed JSON"
    }

    /// A short path-and-reason text for a schema mismatch.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "top level" : String(keys.drop { $0 == "." })
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)): missing \(type)"
        case .keyNotFound(let key, let context):
            let p = path(context)
            return p == "top level" ? "missing \"\(key.stringValue)\"" : "\(p): missing \"\(key.stringValue)\""
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
