// TinyTransformer: a minimal character-level decoder for training tests: a tiny random
// `LlamaModel` (token embedding → Llama blocks × L → RMSNorm → untied head → cross-entropy), plus
// a tiny public-domain corpus and a deterministic batch sampler. Test support only; not a loader.
import ArbiterCore
import ArbiterModels
import ArbiterTensor

/// A small random Llama decoder with a separate output head, for training tests.
public struct TinyTransformer {
    /// Sizes of the tiny model.
    public struct Configuration: Sendable, Equatable {
        public let modelDim: Int
        public let heads: Int
        public let kvHeads: Int
        public let ffnDim: Int

        public init(modelDim: Int, heads: Int, kvHeads: Int, ffnDim: Int) {
            self.modelDim = modelDim
            self.heads = heads
            self.kvHeads = kvHeads
            self.ffnDim = ffnDim
        }
    }

    public let vocabulary: Int
    /// The decoder (GGUF weight names).
    public let model: LlamaModel
    /// All trainable tensors, in load order (`token_embd.weight`, `blk.L.*`, `output_norm.weight`,
    /// `output.weight`).
    public var parameters: Parameters { model.parameters }

    /// Random initialisation as GPT-2/nanoGPT: projections N(0, 0.02), output projections scaled
    /// by 1/√(2·layers), norm gains 1, unit-scale token embeddings (they dominate the residual
    /// stream at the start, so the token identity is what the head sees first), head N(0, 0.02).
    public init(vocabulary: Int, configuration: Configuration, layers: Int, using rng: inout SeededRNG) {
        let c = configuration.modelDim
        let kv = configuration.kvHeads * (c / configuration.heads)
        let f = configuration.ffnDim
        let outStd = 0.02 / Float(2 * max(1, layers)).squareRoot()
        var parameters = Parameters()
        parameters.add("token_embd.weight", Tensor.randomNormal([vocabulary, c], using: &rng))
        for l in 0..<layers {
            let p = "blk.\(l)."
            parameters.add(p + "attn_norm.weight", Tensor.ones([c]))
            parameters.add(p + "attn_q.weight", Tensor.randomNormal([c, c], standardDeviation: 0.02, using: &rng))
            parameters.add(p + "attn_k.weight", Tensor.randomNormal([kv, c], standardDeviation: 0.02, using: &rng))
            parameters.add(p + "attn_v.weight", Tensor.randomNormal([kv, c], standardDeviation: 0.02, using: &rng))
            parameters.add(
                p + "attn_output.weight", Tensor.randomNormal([c, c], standardDeviation: outStd, using: &rng))
            parameters.add(p + "ffn_norm.weight", Tensor.ones([c]))
            parameters.add(p + "ffn_gate.weight", Tensor.randomNormal([f, c], standardDeviation: 0.02, using: &rng))
            parameters.add(p + "ffn_up.weight", Tensor.randomNormal([f, c], standardDeviation: 0.02, using: &rng))
            parameters.add(p + "ffn_down.weight", Tensor.randomNormal([c, f], standardDeviation: outStd, using: &rng))
        }
        parameters.add("output_norm.weight", Tensor.ones([c]))
        parameters.add("output.weight", Tensor.randomNormal([vocabulary, c], standardDeviation: 0.02, using: &rng))
        self.vocabulary = vocabulary
        do {
            let llama = try LlamaConfiguration(
                layerCount: layers, hiddenSize: c, feedForwardSize: f, headCount: configuration.heads,
                keyValueHeadCount: configuration.kvHeads, ropeTheta: 10_000, rmsNormEpsilon: 1e-5, contextLength: 4096,
                vocabularySize: vocabulary)
            model = try LlamaModel(configuration: llama, parameters: parameters)
        } catch {
            preconditionFailure("TinyTransformer: \(error)")
        }
    }

    /// Logits (B·T, V) for `tokens` laid out (B, T) row-major.
    public func logits(_ tokens: [Int], batch b: Int, length t: Int) -> Tensor {
        let rows = (0..<b).map { Array(tokens[($0 * t)..<(($0 + 1) * t)]) }
        return model.logits(tokens: rows).reshaped([b * t, vocabulary])  // (B·T, V)
    }

    /// Mean next-token cross-entropy of `targets` (B·T) given `inputs` (B·T).
    public func loss(inputs: [Int], targets: [Int], batch: Int, length: Int) -> Tensor {
        logits(inputs, batch: batch, length: length).crossEntropy(targets: targets)
    }
}

/// A few hundred characters of public-domain text (the opening of Lewis Carroll's "Alice's
/// Adventures in Wonderland", 1865) with a character vocabulary and a seeded batch sampler.
public enum TinyCorpus {
    public static let text = """
        Alice was beginning to get very tired of sitting by her sister on the bank, and of having \
        nothing to do: once or twice she had peeped into the book her sister was reading, but it had \
        no pictures or conversations in it, and what is the use of a book, thought Alice, without \
        pictures or conversations? So she was considering in her own mind (as well as she could, for \
        the hot day made her feel very sleepy and stupid), whether the pleasure of making a \
        daisy-chain would be worth the trouble of getting up and picking the daisies, when suddenly a \
        White Rabbit with pink eyes ran close by her.
        """

    /// The sorted distinct characters of `text`.
    public static let characters: [Character] = Array(Set(text)).sorted()

    /// `text` as vocabulary indices.
    public static let tokens: [Int] = {
        let index = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, $0) })
        return text.compactMap { index[$0] }
    }()

    /// `batch` random windows of `length` tokens: inputs and next-token targets, each (B·T).
    public static func batch(_ batch: Int, length: Int, using rng: inout SeededRNG) -> (inputs: [Int], targets: [Int]) {
        var inputs: [Int] = []
        var targets: [Int] = []
        let starts = tokens.count - length - 1
        precondition(starts > 0, "TinyCorpus: window \(length) is longer than the corpus")
        for _ in 0..<batch {
            let s = Int(rng.next() % UInt64(starts))
            inputs += tokens[s..<(s + length)]
            targets += tokens[(s + 1)...(s + length)]
        }
        return (inputs, targets)
    }
}
