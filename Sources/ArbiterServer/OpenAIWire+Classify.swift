// OpenAIWire+Classify: POST /classify on the wire, in vLLM's shape: `{"model", "input": str |
// [str], "activation"}` (Arbiter also takes `{"prompt", "response", "reference"}` objects as
// inputs, so a judge trained on prompt and response sees both) → `{"id", "object": "list",
// "created", "model", "data": [{"index", "label", "probs", "num_classes"}], "usage"}`. With
// `activation` true a single raw score goes through the logistic function (vLLM's sigmoid for one
// class); level probabilities are already probabilities, so they are sent either way.
import ArbiterCore
import Foundation

/// A decoded, type-checked classify request.
struct ClassifyRequest: Sendable, Equatable {
    var model: String
    var inputs: [ClassifierInput]
    /// nil when not sent (vLLM's default is true).
    var activation: Bool?

    static let maxInputs = 2048

    static func decode(_ body: Data) throws(ChatServerError) -> ClassifyRequest {
        let value = try decodeWire(JSONValue.self, from: body)
        guard case .object(let object) = value else {
            throw .malformedJSON(reason: "the top-level value is not an object")
        }
        guard case .string(let model)? = object["model"] else {
            throw .invalidField(param: "model", message: "is required and must be a string; see GET /v1/models")
        }
        let expected = "a string, an array of strings, or an array of {\"prompt\", \"response\", \"reference\"} objects"
        let items: [JSONValue]
        switch object["input"] {
        case .string(let text)?: items = [.string(text)]
        case .array(let list)?: items = list
        default: throw .invalidField(param: "input", message: "is required and must be \(expected)")
        }
        guard !items.isEmpty, items.count <= maxInputs else {
            throw .invalidField(param: "input", message: "has \(items.count) items; send 1 to \(maxInputs)")
        }
        var inputs: [ClassifierInput] = []
        for (i, item) in items.enumerated() {
            let param = "input[\(i)]"
            switch item {
            case .string(let text): inputs.append(ClassifierInput(response: text))
            case .object(let fields):
                guard case .string(let response)? = fields["response"] else {
                    throw .invalidField(param: param + ".response", message: "is required and must be a string")
                }
                var input = ClassifierInput(response: response)
                switch fields["prompt"] {
                case nil, .null?: break
                case .string(let prompt)?: input.prompt = prompt
                default: throw .invalidField(param: param + ".prompt", message: "must be a string")
                }
                switch fields["reference"] {
                case nil, .null?: break
                case .string(let reference)?: input.reference = reference
                default: throw .invalidField(param: param + ".reference", message: "must be a string")
                }
                inputs.append(input)
            default: throw .invalidField(param: param, message: "must be \(expected)")
            }
        }
        var request = ClassifyRequest(model: model, inputs: inputs)
        switch object["activation"] {
        case nil, .null?: break
        case .bool(let on)?: request.activation = on
        default: throw .invalidField(param: "activation", message: "must be true or false")
        }
        return request
    }
}

/// `{"id", "object": "list", "created", "model", "data", "usage"}`.
struct ClassifyWire: Encodable, Equatable {
    struct Row: Encodable, Equatable {
        var index: Int
        var label: String
        var probs: [Double]
        var numClasses: Int

        enum CodingKeys: String, CodingKey {
            case index, label, probs
            case numClasses = "num_classes"
        }
    }
    var id: String
    var created: Int
    var model: String
    var data: [Row]
    var inputs: Int

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: WireKey.self)
        try c.encode(id, forKey: WireKey(stringValue: "id"))
        try c.encode("list", forKey: WireKey(stringValue: "object"))
        try c.encode(created, forKey: WireKey(stringValue: "created"))
        try c.encode(model, forKey: WireKey(stringValue: "model"))
        try c.encode(data, forKey: WireKey(stringValue: "data"))
        var usage = c.nestedContainer(keyedBy: WireKey.self, forKey: WireKey(stringValue: "usage"))
        try usage.encode(inputs, forKey: WireKey(stringValue: "prompt_tokens"))
        try usage.encode(inputs, forKey: WireKey(stringValue: "total_tokens"))
    }
}
