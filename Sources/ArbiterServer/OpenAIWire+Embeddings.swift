// OpenAIWire+Embeddings: POST /v1/embeddings on the wire: `{"model", "input": str | [str],
// "encoding_format": "float" | "base64", "dimensions"}` decoded and checked (token-id inputs are
// refused: an encoder has its own tokenizer; `dimensions` must be the model's own), and OpenAI's
// `{"object": "list", "data": [{"object": "embedding", "index", "embedding"}], "model", "usage"}`
// with each vector as numbers or as base64 of little-endian float32 (what the openai Python SDK
// asks for by default).
import ArbiterCore
import Foundation

/// A decoded, type-checked embeddings request.
struct EmbeddingsRequest: Sendable, Equatable {
    var model: String
    var inputs: [String]
    var base64 = false
    var dimensions: Int?

    /// Most inputs in one request (OpenAI's limit).
    static let maxInputs = 2048

    static func decode(_ body: Data) throws(ChatServerError) -> EmbeddingsRequest {
        try decodeWire(Wire.self, from: body).request
    }

    private struct Wire: Decodable {
        let request: EmbeddingsRequest

        init(from decoder: any Decoder) throws {
            let f = try FieldReader.topLevel(decoder)
            let model = try f.model()
            let expected = "a string or an array of strings"
            let inputs: [String]
            if let one = try? f.optional("input", String.self, expected) {
                inputs = [one]
            } else if let list = try? f.optional("input", [String].self, expected) {
                inputs = list
            } else if try f.optional("input", JSONValue.self, expected) == nil {
                throw ChatServerError.invalidField(param: "input", message: "is required; send \(expected)")
            } else {
                throw ChatServerError.invalidField(
                    param: "input", message: "must be \(expected) (token ids are not accepted: the encoder tokenizes)")
            }
            guard !inputs.isEmpty, inputs.count <= maxInputs else {
                throw ChatServerError.invalidField(
                    param: "input", message: "has \(inputs.count) items; send 1 to \(maxInputs)")
            }
            if let empty = inputs.firstIndex(of: "") {
                throw ChatServerError.invalidField(
                    param: inputs.count == 1 ? "input" : "input[\(empty)]", message: "is empty; send some text")
            }
            var request = EmbeddingsRequest(model: model, inputs: inputs)
            switch try f.optional("encoding_format", String.self, "\"float\" or \"base64\"") {
            case nil, "float": break
            case "base64": request.base64 = true
            case let other?:
                throw ChatServerError.invalidField(
                    param: "encoding_format", message: "'\(other)' is not supported; use \"float\" or \"base64\"")
            }
            request.dimensions = try f.optional("dimensions", Int.self, "a positive integer")
            self.request = request
        }
    }
}

/// `{"object": "list", "data", "model", "usage": {"prompt_tokens", "total_tokens"}}`.
struct EmbeddingListWire: Encodable, Equatable {
    var data: [EmbeddingWire]
    var model: String
    var promptTokens: Int

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: WireKey.self)
        try c.encode("list", forKey: WireKey(stringValue: "object"))
        try c.encode(data, forKey: WireKey(stringValue: "data"))
        try c.encode(model, forKey: WireKey(stringValue: "model"))
        var usage = c.nestedContainer(keyedBy: WireKey.self, forKey: WireKey(stringValue: "usage"))
        try usage.encode(promptTokens, forKey: WireKey(stringValue: "prompt_tokens"))
        try usage.encode(promptTokens, forKey: WireKey(stringValue: "total_tokens"))
    }
}

/// `{"object": "embedding", "index", "embedding": [numbers] | "base64"}`.
struct EmbeddingWire: Encodable, Equatable {
    var index: Int
    var vector: [Float]
    var base64: Bool

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: WireKey.self)
        try c.encode("embedding", forKey: WireKey(stringValue: "object"))
        try c.encode(index, forKey: WireKey(stringValue: "index"))
        let key = WireKey(stringValue: "embedding")
        if base64 {
            try c.encode(Self.base64(vector), forKey: key)
        } else {
            // Widened to Double, so the printed number reads back to the same Float exactly.
            try c.encode(vector.map { $0.isFinite ? Double($0) : 0 }, forKey: key)
        }
    }

    /// Little-endian float32 bytes, base64-encoded (numpy's `frombuffer(..., dtype="float32")`).
    static func base64(_ vector: [Float]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for x in vector {
            let bits = x.bitPattern.littleEndian
            bytes += [UInt8(bits & 0xff), UInt8((bits >> 8) & 0xff), UInt8((bits >> 16) & 0xff), UInt8(bits >> 24)]
        }
        return Data(bytes).base64EncodedString()
    }
}
