// SentenceEncoder: sentence embeddings from a BERT-family encoder the way sentence-transformers
// computes them: tokenize ([CLS] … [SEP], truncated to max_seq_length), run right-padded batches
// through BERTModel, pool the last hidden state over the real tokens (mean, including [CLS]/[SEP],
// or the [CLS] row), then L2-normalise when the model folder lists a Normalize module.
// Loading the folder's sentence-transformers files is in SentenceEncoder+Loading.swift; cosine
// similarity in SentenceEncoder+Similarity.swift. Not a trainer and not a vector index.
import ArbiterTensor
import Foundation

/// How token vectors become one sentence vector (1_Pooling/config.json).
public enum SentencePooling: String, Sendable, Equatable, CaseIterable {
    /// Mean over the sequence's real tokens (padding excluded, [CLS]/[SEP] included).
    case mean
    /// The first token's ([CLS]) hidden state.
    case classToken
}

/// Turns sentences into fixed-size embeddings with a BERT encoder.
public final class SentenceEncoder {
    public let model: BERTModel
    public let tokenizer: WordPieceTokenizer
    /// Longest token sequence (with [CLS]/[SEP]); longer inputs are truncated.
    public let maxSequenceLength: Int
    public let pooling: SentencePooling
    /// Whether embeddings are scaled to unit L2 norm.
    public let normalizes: Bool
    /// Lowercase the text before tokenizing (sentence_bert_config.json `do_lower_case`).
    public let lowercasesInput: Bool

    /// Width of an embedding (the model's hidden size; 384 for all-MiniLM-L6-v2).
    public var dimension: Int { model.configuration.hiddenSize }

    /// Combines the parts, checking that they fit together; `source` names them in errors.
    public init(
        model: BERTModel, tokenizer: WordPieceTokenizer, maxSequenceLength: Int, pooling: SentencePooling = .mean,
        normalizes: Bool = true, lowercasesInput: Bool = false, source: String = "SentenceEncoder"
    ) throws(BERTError) {
        let config = model.configuration
        guard maxSequenceLength >= 2, maxSequenceLength <= config.maxPositionEmbeddings else {
            throw .invalidValue(
                path: source, key: "max_seq_length", value: "\(maxSequenceLength)",
                reason: "must be in 2...\(config.maxPositionEmbeddings) (max_position_embeddings)")
        }
        guard tokenizer.vocabularySize <= config.vocabularySize else {
            throw .invalidValue(
                path: source, key: "vocab_size", value: "\(config.vocabularySize)",
                reason: "the tokenizer has \(tokenizer.vocabularySize) tokens, more than the model's embedding table; "
                    + "the tokenizer.json belongs to another model")
        }
        self.model = model
        var tokenizer = tokenizer
        tokenizer.maxLength = maxSequenceLength
        self.tokenizer = tokenizer
        self.maxSequenceLength = maxSequenceLength
        self.pooling = pooling
        self.normalizes = normalizes
        self.lowercasesInput = lowercasesInput
    }

    /// Token ids of `sentence`: `[CLS] … [SEP]`, at most `maxSequenceLength` of them.
    public func tokenize(_ sentence: String) -> [Int] {
        tokenizer.encode(
            lowercasesInput ? sentence.lowercased() : sentence, addSpecialTokens: true, maxLength: maxSequenceLength)
    }

    /// Embeddings of `sentences` in order (each `dimension` floats). Sentences are grouped by
    /// token length into batches of at most `batchSize` to keep padding small; the result does
    /// not depend on the grouping beyond float rounding.
    public func encode(_ sentences: [String], batchSize: Int = 32) -> [[Float]] {
        precondition(batchSize > 0, "SentenceEncoder.encode: batchSize must be > 0")
        let tokenized = sentences.map(tokenize)
        let order = tokenized.indices.sorted { (tokenized[$0].count, $0) > (tokenized[$1].count, $1) }
        var result = [[Float]](repeating: [], count: sentences.count)
        var start = 0
        while start < order.count {
            let chunk = Array(order[start..<min(start + batchSize, order.count)])
            let batch = BERTBatch(sequences: chunk.map { tokenized[$0] }, paddingID: tokenizer.paddingID ?? 0)
            let pooled = Tensor.noGrad { embeddings(batch) }.scalars  // (B, C)
            for (row, index) in chunk.enumerated() {
                result[index] = Array(pooled[(row * dimension)..<((row + 1) * dimension)])
            }
            start += batchSize
        }
        return result
    }

    /// The embedding of one sentence.
    public func encode(_ sentence: String) -> [Float] { encode([sentence])[0] }

    /// Pooled (and, when `normalizes`, unit-length) embeddings (B, C) of `batch` as a Tensor on the
    /// tape, so a loss on them trains the encoder. Call inside `Tensor.noGrad` for inference.
    public func embeddings(_ batch: BERTBatch) -> Tensor {
        let hidden = model(batch)  // (B, T, C)
        let b = batch.batchSize
        let t = batch.sequenceLength
        let c = dimension
        var pooled: Tensor  // (B, C)
        switch pooling {
        case .mean:
            var mask = [Float](repeating: 0, count: b * t)  // (B, T, 1): 1 on real tokens
            for (row, length) in batch.lengths.enumerated() { for i in 0..<length { mask[row * t + i] = 1 } }
            let counts = Tensor(batch.lengths.map { Float(max($0, 1)) }, shape: [b, 1])  // (B, 1)
            pooled = (hidden * Tensor(mask, shape: [b, t, 1])).sum(alongAxis: 1) / counts
        case .classToken:
            pooled = hidden.slice(alongAxis: 1, 0..<1).reshaped([b, c])
        }
        if normalizes {
            // x / max(‖x‖, 1e-12) as sentence-transformers does; 1e-24 under the root is the same
            // floor and keeps the expression differentiable.
            let norms = (pooled * pooled).sum(alongAxis: 1, keepDim: true).addingScalar(1e-24).sqrt()  // (B, 1)
            pooled = pooled / norms
        }
        return pooled
    }
}
