// OpenAIWire+Chunk: the server-sent-event chunks of a streamed chat completion, in OpenAI's
// `chat.completion.chunk` shape: the first carries the role, later ones content deltas (and
// their logprobs), the last an empty delta with the finish reason; with
// `stream_options.include_usage` every chunk has `"usage": null` and one more chunk with no
// choices carries the usage. Each is written as `data: {json}\n\n`; the stream ends with
// `data: [DONE]\n\n`.
import Foundation

/// `{"id", "object": "chat.completion.chunk", "created", "model", "choices", ["usage"]}`.
struct ChatChunkWire: Encodable, Equatable {
    var id: String
    var created: Int
    var model: String
    var choices: [ChunkChoiceWire]
    /// Written (possibly null) only when the client asked for usage.
    var includeUsage: Bool
    var usage: UsageWire?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: WireKey.self)
        try c.encode(id, forKey: WireKey(stringValue: "id"))
        try c.encode("chat.completion.chunk", forKey: WireKey(stringValue: "object"))
        try c.encode(created, forKey: WireKey(stringValue: "created"))
        try c.encode(model, forKey: WireKey(stringValue: "model"))
        try c.encode(choices, forKey: WireKey(stringValue: "choices"))
        if includeUsage { try c.encode(usage, forKey: WireKey(stringValue: "usage")) }
    }

    /// `data: {json}\n\n`.
    var event: Data { Data("data: ".utf8) + encodeWire(self) + Data("\n\n".utf8) }
}

/// `{"index": 0, "delta": {["role"], ["content"]}, "logprobs", "finish_reason"}`.
struct ChunkChoiceWire: Encodable, Equatable {
    var role: String?
    var content: String?
    var logprobs: LogprobsWire?
    var finishReason: String?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: WireKey.self)
        try c.encode(0, forKey: WireKey(stringValue: "index"))
        var delta = c.nestedContainer(keyedBy: WireKey.self, forKey: WireKey(stringValue: "delta"))
        if let role { try delta.encode(role, forKey: WireKey(stringValue: "role")) }
        if let content { try delta.encode(content, forKey: WireKey(stringValue: "content")) }
        try c.encode(logprobs, forKey: WireKey(stringValue: "logprobs"))
        try c.encode(finishReason, forKey: WireKey(stringValue: "finish_reason"))
    }
}
