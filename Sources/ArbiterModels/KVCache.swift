// KVCache: per-layer keys and values of the tokens a LlamaModel has already processed, so each
// decoding step only runs the new tokens. Rows of a batch may hold different numbers of real
// tokens (right padding leaves invalid columns, masked out of attention), and each row keeps its
// own next RoPE position. Storage is preallocated per layer as (B, Hkv, capacity, D) and grows by
// doubling, so a step copies only its new columns (not the whole cache) and attention reads the
// cache in place. The cache holds values, not autograd history: under gradient recording the new
// step's keys/values stay differentiable, earlier steps' enter as constants. Not paged/quantised.
import ArbiterTensor

/// Keys/values of earlier tokens for incremental decoding with `LlamaModel.logits(…, cache:)`.
public final class KVCache {
    /// Number of decoder blocks cached.
    public let layerCount: Int
    /// Rows of the batch.
    public let batchSize: Int
    /// RoPE position of each row's next token (= its number of real cached tokens).
    public internal(set) var positions: [Int]

    /// One layer's storage: keys and values (B, Hkv, capacity, D); `columns` valid per head.
    final class Layer {
        let heads: Int, dimension: Int, batch: Int
        private(set) var capacity: Int
        private(set) var columns = 0
        private(set) var keys: UnsafeMutablePointer<Float>
        private(set) var values: UnsafeMutablePointer<Float>

        init(batch: Int, heads: Int, dimension: Int, capacity: Int) {
            (self.batch, self.heads, self.dimension, self.capacity) = (batch, heads, dimension, capacity)
            keys = .allocate(capacity: batch * heads * capacity * dimension)
            values = .allocate(capacity: batch * heads * capacity * dimension)
        }

        deinit {
            keys.deallocate()
            values.deallocate()
        }

        /// Forgets every column from `n` on (their storage is overwritten by later appends).
        func truncate(to n: Int) {
            precondition(n >= 0 && n <= columns, "KVCache: cannot keep \(n) of \(columns) columns")
            columns = n
        }
        /// Floats between consecutive (batch row, kv head) blocks.
        var headStride: Int { capacity * dimension }

        /// Appends new keys/values (B, Hkv, T, D) after the valid columns, growing as needed.
        func append(keys k: [Float], values v: [Float], columns t: Int) {
            k.withUnsafeBufferPointer { k in
                v.withUnsafeBufferPointer { v in append(keys: k.baseAddress!, values: v.baseAddress!, columns: t) }
            }
        }

        /// The same from buffers of (B, Hkv, T, D) floats.
        func append(keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>, columns t: Int) {
            if columns + t > capacity { grow(to: max(2 * capacity, columns + t)) }
            let d = dimension
            for unit in 0..<(batch * heads) {
                let destination = unit * headStride + columns * d
                (keys + destination).update(from: k + unit * t * d, count: t * d)
                (values + destination).update(from: v + unit * t * d, count: t * d)
            }
            columns += t
        }

        /// The valid keys and values as contiguous (B, Hkv, columns, D) arrays.
        func contiguous() -> (keys: [Float], values: [Float]) {
            func copy(_ source: UnsafeMutablePointer<Float>) -> [Float] {
                [Float](unsafeUninitializedCapacity: batch * heads * columns * dimension) { out, count in
                    for unit in 0..<(batch * heads) {
                        (out.baseAddress! + unit * columns * dimension).update(
                            from: source + unit * headStride, count: columns * dimension)
                    }
                    count = batch * heads * columns * dimension
                }
            }
            return (copy(keys), copy(values))
        }

        private func grow(to newCapacity: Int) {
            let d = dimension
            let newKeys = UnsafeMutablePointer<Float>.allocate(capacity: batch * heads * newCapacity * d)
            let newValues = UnsafeMutablePointer<Float>.allocate(capacity: batch * heads * newCapacity * d)
            for unit in 0..<(batch * heads) {
                (newKeys + unit * newCapacity * d).update(from: keys + unit * headStride, count: columns * d)
                (newValues + unit * newCapacity * d).update(from: values + unit * headStride, count: columns * d)
            }
            keys.deallocate()
            values.deallocate()
            keys = newKeys
            values = newValues
            capacity = newCapacity
        }
    }

    var layers: [Layer?]  // allocated on first append (head count and dimension come from the keys)
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
        layers = Array(repeating: nil, count: layerCount)
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

    /// Stores one layer's new keys and values k, v (B, Hkv, T, D) and returns the layer storage.
    func store(layer: Int, keys k: Tensor, values v: Tensor) -> Layer {
        let storage = storage(
            layer: layer, batch: k.shape[0], heads: k.shape[1], columns: k.shape[2], dimension: k.shape[3])
        storage.append(keys: k.scalars, values: v.scalars, columns: k.shape[2])
        return storage
    }

    /// The layer's storage (made on first use, room for 64 more steps), checked against new keys
    /// of shape (batch, heads, columns, dimension).
    func storage(layer: Int, batch: Int, heads: Int, columns t: Int, dimension d: Int) -> Layer {
        let storage =
            layers[layer] ?? Layer(batch: batchSize, heads: heads, dimension: d, capacity: columnCount + t + 64)
        precondition(
            storage.heads == heads && storage.dimension == d && batch == batchSize,
            "KVCache: keys (\(batch), \(heads), \(t), \(d)) do not match the cache")
        layers[layer] = storage
        return storage
    }

    /// Appends one layer's new keys and values (B, Hkv, T, D); returns the full ones
    /// (B, Hkv, Tc + T, D) as tensors: earlier columns as constants, the new ones as given (so a
    /// recorded step stays differentiable in its own keys and values).
    func append(layer: Int, keys k: Tensor, values v: Tensor) -> (keys: Tensor, values: Tensor) {
        let earlier = layers[layer]?.columns ?? 0
        let storage = store(layer: layer, keys: k, values: v)
        guard earlier > 0 else { return (k, v) }
        let (keys, values) = storage.contiguous()
        let shape = [batchSize, storage.heads, storage.columns, storage.dimension]
        let pastKeys = Tensor(keys, shape: shape).slice(alongAxis: 2, 0..<earlier)
        let pastValues = Tensor(values, shape: shape).slice(alongAxis: 2, 0..<earlier)
        return (Tensor.concat([pastKeys, k], alongAxis: 2), Tensor.concat([pastValues, v], alongAxis: 2))
    }

    /// Keeps the first `n` tokens of a one-row cache whose columns are all real (a prompt cache's
    /// shared prefix), as if only they had been processed.
    func truncate(to n: Int) {
        precondition(batchSize == 1 && valid[0].allSatisfy { $0 }, "KVCache.truncate: one row without padding")
        precondition(n <= positions[0], "KVCache.truncate: \(n) of \(positions[0]) tokens")
        for layer in layers { layer?.truncate(to: n) }
        valid[0] = Array(valid[0].prefix(n))
        positions[0] = n
    }

    /// Records, after every layer appended, which new columns are real and advances positions.
    func commit(lengths: [Int], newColumns t: Int) {
        for b in 0..<batchSize {
            valid[b] += (0..<t).map { $0 < lengths[b] }
            positions[b] += lengths[b]
        }
    }
}
