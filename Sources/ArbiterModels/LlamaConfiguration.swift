// LlamaConfiguration: the hyper-parameters of a Llama-family decoder, read from GGUF metadata
// (`<arch>.block_count`, `<arch>.embedding_length`, …) and validated. Not the weights
// (LlamaModel+Loading.swift) and not the tokenizer.
import Foundation

/// Hyper-parameters of a Llama-family decoder (RMSNorm, RoPE, GQA attention, SwiGLU FFN).
public struct LlamaConfiguration: Sendable, Equatable {
    /// Number of decoder blocks.
    public var layerCount: Int
    /// Width of the residual stream (C).
    public var hiddenSize: Int
    /// Inner width of the SwiGLU feed-forward block.
    public var feedForwardSize: Int
    /// Query heads.
    public var headCount: Int
    /// Key/value heads (GQA: `headCount` is a multiple of it).
    public var keyValueHeadCount: Int
    /// RoPE base θ.
    public var ropeTheta: Float
    /// RMSNorm ε.
    public var rmsNormEpsilon: Float
    /// Longest context the model was trained for.
    public var contextLength: Int
    /// Vocabulary size (rows of the embedding table, length of a logits vector).
    public var vocabularySize: Int

    /// Dimension of one attention head (D = C / H).
    public var headDimension: Int { hiddenSize / headCount }

    /// Validates and stores the hyper-parameters; `source` names the file in error messages.
    public init(
        layerCount: Int, hiddenSize: Int, feedForwardSize: Int, headCount: Int, keyValueHeadCount: Int,
        ropeTheta: Float, rmsNormEpsilon: Float, contextLength: Int, vocabularySize: Int,
        source: String = "configuration"
    ) throws(LlamaError) {
        func check(_ ok: Bool, _ key: String, _ value: Any, _ reason: String) throws(LlamaError) {
            if !ok { throw .invalidKey(path: source, key: key, value: "\(value)", reason: reason) }
        }
        try check(layerCount > 0, "block_count", layerCount, "needs at least one block")
        try check(hiddenSize > 0, "embedding_length", hiddenSize, "must be positive")
        try check(feedForwardSize > 0, "feed_forward_length", feedForwardSize, "must be positive")
        try check(
            headCount > 0 && hiddenSize % headCount == 0, "attention.head_count", headCount,
            "must divide embedding_length \(hiddenSize)")
        try check(
            hiddenSize / max(headCount, 1) % 2 == 0, "attention.head_count", headCount,
            "head dimension \(hiddenSize / max(headCount, 1)) must be even for RoPE")
        try check(
            keyValueHeadCount > 0 && headCount % keyValueHeadCount == 0, "attention.head_count_kv", keyValueHeadCount,
            "must divide attention.head_count \(headCount)")
        try check(ropeTheta.isFinite && ropeTheta > 1, "rope.freq_base", ropeTheta, "must be a finite number above 1")
        try check(
            rmsNormEpsilon.isFinite && rmsNormEpsilon > 0 && rmsNormEpsilon < 1, "attention.layer_norm_rms_epsilon",
            rmsNormEpsilon, "must lie in (0, 1)")
        try check(contextLength > 0, "context_length", contextLength, "must be positive")
        try check(vocabularySize > 0, "vocab_size", vocabularySize, "must be positive")
        self.layerCount = layerCount
        self.hiddenSize = hiddenSize
        self.feedForwardSize = feedForwardSize
        self.headCount = headCount
        self.keyValueHeadCount = keyValueHeadCount
        self.ropeTheta = ropeTheta
        self.rmsNormEpsilon = rmsNormEpsilon
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
    }

    /// Reads `llama.*` hyper-parameters from GGUF metadata. `attention.head_count_kv` defaults to
    /// the head count, `rope.freq_base` to 10000; the vocabulary size is `llama.vocab_size` or the
    /// length of `tokenizer.ggml.tokens`. A RoPE dimension other than the head dimension (partial
    /// rotary) is rejected rather than silently mis-computed.
    public init(gguf metadata: [String: GGUFValue], source: String = "GGUF metadata") throws(LlamaError) {
        let architecture = metadata["general.architecture"]?.stringValue ?? "llama"
        guard architecture == "llama" else { throw .unsupportedArchitecture(path: source, architecture: architecture) }
        func int(_ key: String, default fallback: Int? = nil) throws(LlamaError) -> Int {
            let full = "llama.\(key)"
            guard let value = metadata[full] else {
                if let fallback { return fallback }
                throw .missingKey(path: source, key: full)
            }
            guard let v = value.intValue else {
                throw .invalidKey(path: source, key: full, value: "\(value)", reason: "expected an integer")
            }
            return v
        }
        func float(_ key: String, default fallback: Float? = nil) throws(LlamaError) -> Float {
            let full = "llama.\(key)"
            guard let value = metadata[full] else {
                if let fallback { return fallback }
                throw .missingKey(path: source, key: full)
            }
            guard let v = value.doubleValue else {
                throw .invalidKey(path: source, key: full, value: "\(value)", reason: "expected a number")
            }
            return Float(v)
        }
        let heads = try int("attention.head_count")
        let hidden = try int("embedding_length")
        var vocab = metadata["tokenizer.ggml.tokens"]?.arrayValue?.count ?? 0
        if metadata["llama.vocab_size"] != nil { vocab = try int("vocab_size") }
        if vocab == 0 { throw .missingKey(path: source, key: "llama.vocab_size") }
        if heads > 0, hidden % heads == 0 {
            let ropeDimension = try int("rope.dimension_count", default: hidden / heads)
            if ropeDimension != hidden / heads {
                throw .invalidKey(
                    path: source, key: "llama.rope.dimension_count", value: "\(ropeDimension)",
                    reason: "partial rotary embedding (head dimension \(hidden / heads)) is not supported")
            }
        }
        try self.init(
            layerCount: try int("block_count"), hiddenSize: hidden, feedForwardSize: try int("feed_forward_length"),
            headCount: heads, keyValueHeadCount: try int("attention.head_count_kv", default: heads),
            ropeTheta: try float("rope.freq_base", default: 10_000),
            rmsNormEpsilon: try float("attention.layer_norm_rms_epsilon"),
            contextLength: try int("context_length"), vocabularySize: vocab, source: source)
    }
}
