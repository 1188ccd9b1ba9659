// BERTConfiguration: the hyper-parameters of a BERT-family encoder, validated in `init` and read
// from a Hugging Face config.json (`model_type` "bert", absolute position embeddings). Not the
// weights (BERTModel+Weights.swift) and not the sentence-embedding settings (SentenceEncoder).
import ArbiterCore
import Foundation

/// The feed-forward activation of a BERT layer (config.json `hidden_act`).
public enum BERTActivation: String, Sendable, Equatable, CaseIterable {
    /// Exact GELU, 0.5·x·(1 + erf(x/√2)) (`"gelu"`).
    case geluErf = "gelu"
    /// Tanh-approximated GELU (`"gelu_new"`, `"gelu_pytorch_tanh"`).
    case geluTanh = "gelu_new"
    /// max(0, x) (`"relu"`).
    case relu = "relu"
}

/// Shapes and constants of a BERT encoder.
public struct BERTConfiguration: Sendable, Equatable {
    public let vocabularySize: Int
    public let hiddenSize: Int
    public let layerCount: Int
    public let attentionHeadCount: Int
    public let intermediateSize: Int
    public let activation: BERTActivation
    public let layerNormEpsilon: Float
    public let maxPositionEmbeddings: Int
    public let typeVocabularySize: Int

    /// Width of one attention head (`hiddenSize / attentionHeadCount`).
    public var headSize: Int { hiddenSize / attentionHeadCount }

    /// Validates the values; `source` names where they came from in errors.
    public init(
        vocabularySize: Int, hiddenSize: Int, layerCount: Int, attentionHeadCount: Int, intermediateSize: Int,
        activation: BERTActivation = .geluErf, layerNormEpsilon: Float = 1e-12, maxPositionEmbeddings: Int = 512,
        typeVocabularySize: Int = 2, source: String = "BERTConfiguration"
    ) throws(BERTError) {
        func positive(_ value: Int, _ key: String) throws(BERTError) {
            guard value > 0 else {
                throw .invalidValue(path: source, key: key, value: "\(value)", reason: "must be > 0")
            }
        }
        try positive(vocabularySize, "vocab_size")
        try positive(hiddenSize, "hidden_size")
        try positive(layerCount, "num_hidden_layers")
        try positive(attentionHeadCount, "num_attention_heads")
        try positive(intermediateSize, "intermediate_size")
        try positive(maxPositionEmbeddings, "max_position_embeddings")
        try positive(typeVocabularySize, "type_vocab_size")
        guard hiddenSize % attentionHeadCount == 0 else {
            throw .invalidValue(
                path: source, key: "num_attention_heads", value: "\(attentionHeadCount)",
                reason: "hidden_size \(hiddenSize) is not a multiple of it")
        }
        guard layerNormEpsilon.isFinite, layerNormEpsilon > 0 else {
            throw .invalidValue(
                path: source, key: "layer_norm_eps", value: "\(layerNormEpsilon)", reason: "must be finite and > 0")
        }
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.attentionHeadCount = attentionHeadCount
        self.intermediateSize = intermediateSize
        self.activation = activation
        self.layerNormEpsilon = layerNormEpsilon
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabularySize = typeVocabularySize
    }

    /// Reads a Hugging Face `config.json`.
    public init(configJSON url: URL) throws(BERTError) {
        let data: Data
        do { data = try RegularFile.read(url) } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        try self.init(configJSONData: data, source: url.path)
    }

    /// Reads the bytes of a `config.json`; `source` names it in errors.
    public init(configJSONData data: Data, source: String = "config.json") throws(BERTError) {
        let object = try BERTJSON.object(data, path: source)
        if let type = try object.optionalString("model_type"), type != "bert" {
            throw .unsupported(path: source, key: "model_type", value: type, supported: ["bert"])
        }
        if let positions = try object.optionalString("position_embedding_type"), positions != "absolute" {
            throw .unsupported(path: source, key: "position_embedding_type", value: positions, supported: ["absolute"])
        }
        let act = try object.optionalString("hidden_act") ?? "gelu"
        let activation: BERTActivation
        switch act {
        case "gelu": activation = .geluErf
        case "gelu_new", "gelu_pytorch_tanh": activation = .geluTanh
        case "relu": activation = .relu
        default:
            throw .unsupported(
                path: source, key: "hidden_act", value: act,
                supported: ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu"])
        }
        try self.init(
            vocabularySize: try object.int("vocab_size"), hiddenSize: try object.int("hidden_size"),
            layerCount: try object.int("num_hidden_layers"), attentionHeadCount: try object.int("num_attention_heads"),
            intermediateSize: try object.int("intermediate_size"), activation: activation,
            layerNormEpsilon: Float(try object.optionalDouble("layer_norm_eps") ?? 1e-12),
            maxPositionEmbeddings: try object.optionalInt("max_position_embeddings") ?? 512,
            typeVocabularySize: try object.optionalInt("type_vocab_size") ?? 2, source: source)
    }
}

/// A parsed JSON object with typed accessors that throw `BERTError` naming the file and key.
struct BERTJSON {
    let path: String
    let values: [String: Any]

    static func object(_ data: Data, path: String) throws(BERTError) -> BERTJSON {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw .invalidJSON(path: path, reason: error.localizedDescription)
        }
        guard let values = parsed as? [String: Any] else {
            throw .invalidJSON(path: path, reason: "the top level is not an object")
        }
        return BERTJSON(path: path, values: values)
    }

    static func load(_ url: URL) throws(BERTError) -> BERTJSON {
        let data: Data
        do { data = try RegularFile.read(url) } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try object(data, path: url.path)
    }

    /// NSNumber booleans are a distinct CF type; a JSON `true` must not pass for the integer 1.
    private static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    func optionalInt(_ key: String) throws(BERTError) -> Int? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        guard !Self.isBoolean(raw), let number = raw as? NSNumber, let double = Double(exactly: number.doubleValue),
            double == double.rounded(), abs(double) < 1e15
        else { throw .wrongType(path: path, key: key, expected: "an integer") }
        return Int(double)
    }

    func int(_ key: String) throws(BERTError) -> Int {
        guard let value = try optionalInt(key) else { throw .missingKey(path: path, key: key) }
        return value
    }

    func optionalDouble(_ key: String) throws(BERTError) -> Double? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        guard !Self.isBoolean(raw), let number = raw as? NSNumber else {
            throw .wrongType(path: path, key: key, expected: "a number")
        }
        return number.doubleValue
    }

    func optionalBool(_ key: String) throws(BERTError) -> Bool? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        guard Self.isBoolean(raw), let number = raw as? NSNumber else {
            throw .wrongType(path: path, key: key, expected: "true or false")
        }
        return number.boolValue
    }

    func optionalString(_ key: String) throws(BERTError) -> String? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        guard let string = raw as? String else { throw .wrongType(path: path, key: key, expected: "a string") }
        return string
    }
}
