// BERTModel: the BERT-family encoder (one file per architecture): word + position + token-type
// embeddings → LayerNorm → N post-LayerNorm transformer layers (bidirectional self-attention with
// biases, GELU feed-forward), over a right-padded batch with a key-padding mask. Every op is a
// Tensor op, so gradients reach the weights. Not here: loading the weights (BERTModel+Weights.swift),
// the pooler / MLM heads (not needed for sentence embeddings), pooling (SentenceEncoder).
import ArbiterCore
import ArbiterTensor

/// Token ids of several sequences, right-padded to one length for a batched forward pass.
public struct BERTBatch: Sendable, Equatable {
    /// Number of sequences (B).
    public let batchSize: Int
    /// Padded length (T), the longest sequence.
    public let sequenceLength: Int
    /// (B, T) row-major token ids; positions past a sequence's length hold `paddingID`.
    public let tokenIDs: [Int]
    /// (B, T) row-major segment ids (all 0 for single-sentence input).
    public let tokenTypeIDs: [Int]
    /// The real length of each sequence (count B).
    public let lengths: [Int]

    /// Pads `sequences` on the right with `paddingID`; `tokenTypes` (same lengths) default to 0.
    public init(sequences: [[Int]], tokenTypes: [[Int]]? = nil, paddingID: Int = 0) {
        precondition(!sequences.isEmpty, "BERTBatch: no sequences")
        if let tokenTypes {
            precondition(
                tokenTypes.map(\.count) == sequences.map(\.count),
                "BERTBatch: token type ids must have the same lengths as the token ids")
        }
        let t = sequences.map(\.count).max() ?? 0
        precondition(t > 0, "BERTBatch: every sequence is empty (encode with [CLS] … [SEP])")
        var ids = [Int](repeating: paddingID, count: sequences.count * t)
        var types = [Int](repeating: 0, count: sequences.count * t)
        for (b, sequence) in sequences.enumerated() {
            for (i, id) in sequence.enumerated() { ids[b * t + i] = id }
            if let row = tokenTypes?[b] { for (i, type) in row.enumerated() { types[b * t + i] = type } }
        }
        self.batchSize = sequences.count
        self.sequenceLength = t
        self.tokenIDs = ids
        self.tokenTypeIDs = types
        self.lengths = sequences.map(\.count)
    }
}

/// A BERT encoder whose weights are trainable `Parameters`.
public final class BERTModel {
    public let configuration: BERTConfiguration
    /// Every weight, under Arbiter's names (see `BERTModel.weightNames`), in a stable order.
    public let parameters: Parameters

    struct Layer {
        let query: Linear, key: Linear, value: Linear, attentionOutput: Linear
        let attentionNorm: Norm
        let intermediate: Linear, output: Linear
        let outputNorm: Norm
    }

    struct Norm {
        let weight: Tensor, bias: Tensor  // (C) each
    }

    let wordEmbeddings: Tensor  // (V, C)
    let positionEmbeddings: Tensor  // (P, C)
    let tokenTypeEmbeddings: Tensor  // (types, C)
    let embeddingNorm: Norm
    let layers: [Layer]

    /// Wraps `parameters`, which must hold every name of `weightNames(for:)` with its shape
    /// (the loader and `init(configuration:seed:)` guarantee it).
    init(configuration: BERTConfiguration, parameters: Parameters) {
        func tensor(_ name: String) -> Tensor {
            guard let t = parameters[name] else { preconditionFailure("BERTModel: parameter \(name) missing") }
            return t
        }
        func linear(_ prefix: String) -> Linear {
            Linear(weight: tensor(prefix + ".weight"), bias: tensor(prefix + ".bias"))
        }
        func norm(_ prefix: String) -> Norm { Norm(weight: tensor(prefix + ".weight"), bias: tensor(prefix + ".bias")) }
        self.configuration = configuration
        self.parameters = parameters
        wordEmbeddings = tensor("embeddings.word")
        positionEmbeddings = tensor("embeddings.position")
        tokenTypeEmbeddings = tensor("embeddings.tokenType")
        embeddingNorm = norm("embeddings.norm")
        layers = (0..<configuration.layerCount).map { i in
            let p = "layers.\(i)."
            return Layer(
                query: linear(p + "attention.query"), key: linear(p + "attention.key"),
                value: linear(p + "attention.value"),
                attentionOutput: linear(p + "attention.output"), attentionNorm: norm(p + "attention.norm"),
                intermediate: linear(p + "feedForward.intermediate"), output: linear(p + "feedForward.output"),
                outputNorm: norm(p + "feedForward.norm"))
        }
    }

    /// A freshly initialised model (weights N(0, 0.02), biases 0, norms 1), for tests and training
    /// from scratch.
    public convenience init(configuration: BERTConfiguration, seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        var parameters = Parameters()
        for (name, shape) in Self.weightNames(for: configuration) {
            let tensor: Tensor
            if name.hasSuffix("norm.weight") {
                tensor = .ones(shape)
            } else if name.hasSuffix(".bias") {
                tensor = .zeros(shape)
            } else {
                tensor = .randomNormal(shape, standardDeviation: 0.02, using: &rng)
            }
            parameters.add(name, tensor)
        }
        self.init(configuration: configuration, parameters: parameters)
    }

    /// Arbiter's parameter names and shapes for `configuration`, in load order.
    public static func weightNames(for configuration: BERTConfiguration) -> [(name: String, shape: [Int])] {
        let c = configuration.hiddenSize
        let f = configuration.intermediateSize
        var names: [(String, [Int])] = [
            ("embeddings.word", [configuration.vocabularySize, c]),
            ("embeddings.position", [configuration.maxPositionEmbeddings, c]),
            ("embeddings.tokenType", [configuration.typeVocabularySize, c]),
            ("embeddings.norm.weight", [c]), ("embeddings.norm.bias", [c]),
        ]
        for i in 0..<configuration.layerCount {
            let p = "layers.\(i)."
            for (name, out, inp) in [
                ("attention.query", c, c), ("attention.key", c, c), ("attention.value", c, c),
                ("attention.output", c, c), ("feedForward.intermediate", f, c), ("feedForward.output", c, f),
            ] {
                names.append((p + name + ".weight", [out, inp]))
                names.append((p + name + ".bias", [out]))
                if name == "attention.output" {
                    names += [(p + "attention.norm.weight", [c]), (p + "attention.norm.bias", [c])]
                }
            }
            names += [(p + "feedForward.norm.weight", [c]), (p + "feedForward.norm.bias", [c])]
        }
        return names
    }

    /// The last hidden state (B, T, C) of `batch`. Rows past a sequence's length are computed but
    /// meaningless (no real token attends to them); pool with `batch.lengths`.
    /// Token ids must be in 0..<vocabularySize, type ids in 0..<typeVocabularySize, and T at most
    /// maxPositionEmbeddings (programmer errors otherwise). Outside `Tensor.noGrad` the ops are
    /// recorded on the tape (the parameters require gradients), so wrap inference in `noGrad`.
    public func callAsFunction(_ batch: BERTBatch) -> Tensor {
        let config = configuration
        let b = batch.batchSize
        let t = batch.sequenceLength
        let c = config.hiddenSize
        let h = config.attentionHeadCount
        let d = config.headSize
        precondition(
            t <= config.maxPositionEmbeddings,
            "BERTModel: sequence length \(t) exceeds max_position_embeddings \(config.maxPositionEmbeddings); truncate the input"
        )
        precondition(
            batch.tokenIDs.allSatisfy { $0 >= 0 && $0 < config.vocabularySize },
            "BERTModel: a token id is outside 0..<\(config.vocabularySize); the tokenizer does not match the model")
        precondition(
            batch.tokenTypeIDs.allSatisfy { $0 >= 0 && $0 < config.typeVocabularySize },
            "BERTModel: a token type id is outside 0..<\(config.typeVocabularySize)")
        let eps = config.layerNormEpsilon
        let words = wordEmbeddings.embedding(batch.tokenIDs, indexShape: [b, t])  // (B, T, C)
        let positions = positionEmbeddings.slice(alongAxis: 0, 0..<t)  // (T, C)
        let types = tokenTypeEmbeddings.embedding(batch.tokenTypeIDs, indexShape: [b, t])  // (B, T, C)
        // (B, T, C)
        var x = (words + positions + types).layerNorm(weight: embeddingNorm.weight, bias: embeddingNorm.bias, eps: eps)
        let padding = KeyPadding.lengths(batch.lengths)
        // (B, T, C) → (B, H, T, D)
        func heads(_ y: Tensor) -> Tensor { y.reshaped([b, t, h, d]).permuted([0, 2, 1, 3]) }
        for layer in layers {
            let q = heads(layer.query(x))
            let k = heads(layer.key(x))
            let v = heads(layer.value(x))  // (B, H, T, D)
            // (B, H, T, D)
            let attended = Tensor.attention(query: q, key: k, value: v, causal: false, padding: padding)
            let merged = attended.permuted([0, 2, 1, 3]).reshaped([b, t, c])  // (B, T, C)
            x = (layer.attentionOutput(merged) + x)
                .layerNorm(weight: layer.attentionNorm.weight, bias: layer.attentionNorm.bias, eps: eps)  // (B, T, C)
            let inner = activate(layer.intermediate(x))  // (B, T, F)
            x = (layer.output(inner) + x)
                .layerNorm(weight: layer.outputNorm.weight, bias: layer.outputNorm.bias, eps: eps)  // (B, T, C)
        }
        return x
    }

    func activate(_ x: Tensor) -> Tensor {
        switch configuration.activation {
        case .geluErf: return x.geluErf()
        case .geluTanh: return x.geluTanh()
        case .relu: return x.relu()
        }
    }
}
