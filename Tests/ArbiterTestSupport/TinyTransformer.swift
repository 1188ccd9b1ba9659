// TinyTransformer: a minimal character-level decoder for training tests (token embedding →
// TransformerBlock × L → RMSNorm → linear head → cross-entropy), plus a tiny
// public-domain corpus and a deterministic batch sampler. Test support only; not a model loader.
import ArbiterTensor

/// A small decoder-only language model over `TransformerBlock`s with a separate output head.
public struct TinyTransformer {
    public let vocabulary: Int
    public let embedding: Tensor  // (V, C)
    public let blocks: [TransformerBlock]
    public let finalNorm: Tensor  // (C)
    public let head: Tensor  // (C, V)
    /// All trainable tensors, in a fixed order ("embedding", "layers.i.*", "final_norm", "head").
    public let parameters: Parameters

    public init(
        vocabulary: Int, block configuration: TransformerBlock.Configuration, layers: Int, using rng: inout SeededRNG
    ) {
        self.vocabulary = vocabulary
        // Unit-scale token embeddings dominate the residual stream at the start (the blocks' outputs
        // are small), so the token identity is what the head sees first.
        embedding = Tensor.randomNormal([vocabulary, configuration.modelDim], standardDeviation: 1, using: &rng)
        var blocks: [TransformerBlock] = []
        for _ in 0..<layers { blocks.append(TransformerBlock(configuration, layers: layers, using: &rng)) }
        self.blocks = blocks
        finalNorm = Tensor.ones([configuration.modelDim])
        head = Tensor.randomNormal([configuration.modelDim, vocabulary], standardDeviation: 0.02, using: &rng)
        var parameters = Parameters()
        parameters.add("embedding", embedding)
        for (i, block) in blocks.enumerated() {
            for (name, tensor) in block.namedParameters(prefix: "layers.\(i).") { parameters.add(name, tensor) }
        }
        parameters.add("final_norm", finalNorm)
        parameters.add("head", head)
        self.parameters = parameters
    }

    /// Logits (B·T, V) for `tokens` laid out (B, T) row-major.
    public func logits(_ tokens: [Int], batch b: Int, length t: Int) -> Tensor {
        var x = embedding.embedding(tokens, indexShape: [b, t])  // (B, T, C)
        for block in blocks { x = block(x) }
        let c = embedding.shape[1]
        // (B·T, C)
        let h = x.rmsNorm(weight: finalNorm, eps: blocks.first?.configuration.normEps ?? 1e-5).reshaped([b * t, c])
        return h.matmul(head)  // (B·T, V)
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
