// KVCache: per-layer keys and values of the tokens a LlamaModel has already processed, so each
// decoding step only runs the new tokens. Rows of a batch may hold different numbers of real
// tokens (right padding leaves invalid columns, masked out of attention), and each row keeps its
// own next RoPE position. Not a paged or quantised cache: columns are concatenated per step.
import ArbiterTensor

/// Keys/values of earlier tokens for incremental decoding with `LlamaModel.logits(…, cache:)`.
public final class KVCache {
    /// Number of decoder blocks cached.
    public let layerCount: Int
    /// Rows of the batch.
    public let batchSize: Int
    /// RoPE position of each row's next token (= its number of real cached tokens).
    public private(set) var positions: [Int]

    var keys: [Tensor?]  // per layer (B, Hkv, Tc, D)
    var values: [Tensor?]  // per layer (B, Hkv, Tc, D)
    var valid: [[Bool]]  // (B, Tc): whether cached column j of row b is a real token

    /// An empty cache for `model` and a batch of `batchSize` rows.
    public convenience init(for model: LlamaModel, batchSize: Int = 1) {
        self.init(layerCount: model.configuration.layerCount, batchSize: batchSize)
    }

    /// An empty cache for `layerCount` blocks and `batchSize` rows.
    public init(layerCount: Int, batchSize: Int) {
        precondition(layerCount > 0 && batchSize > 0, "KVCache: need at least one layer and one row")
        self.layerCount = layerCount
        self.batchSize = batchSize
        positions = Array(repeating: 0, count: batchSize)
        keys = Array(repeating: nil, count: layerCount)
        values = Array(repeating: nil, count: layerCount)
        valid = Array(repeating: [], count: batchSize)
    }

    /// Cached columns (Tc), padding included.
    public var columnCount: Int { valid.first?.count ?? 0 }

    /// The (B, Tc + T) key-validity mask once T new columns, of which row b's first lengths[b]
    /// are real, are appended.
    func maskAfterAppending(lengths: [Int], newColumns t: Int) -> [Bool] {
        var mask: [Bool] = []
        mask.reserveCapacity(batchSize * (columnCount + t))
        for (row, length) in zip(valid, lengths) {
            mask += row
            mask += (0..<t).map { $0 < length }
        }
        return mask
    }

    /// Appends one layer's new keys and values (B, Hkv, T, D); returns the full ones (B, Hkv, Tc + T, D).
    func append(layer: Int, keys k: Tensor, values v: Tensor) -> (keys: Tensor, values: Tensor) {
        let allKeys = keys[layer].map { Tensor.concat([$0, k], alongAxis: 2) } ?? k
        let allValues = values[layer].map { Tensor.concat([$0, v], alongAxis: 2) } ?? v
        keys[layer] = allKeys
        values[layer] = allValues
        return (allKeys, allValues)
    }

    /// Records, after every layer appended, which new columns are real and advances positions.
    func commit(lengths: [Int], newColumns t: Int) {
        for b in 0..<batchSize {
            valid[b] += (0..<t).map { $0 < lengths[b] }
            positions[b] += lengths[b]
        }
    }
}
