// Tensor+Embedding: row lookup in an embedding table; backward scatter-adds the output gradient
// into the rows that were read (repeated indices accumulate). Forward, backward, naive reference.

struct EmbeddingPayload { let indices: [Int] }

extension Tensor {
    /// Rows of this (V, C) table at `indices`; result (indexShape..., C). `indexShape` defaults to
    /// `[indices.count]`. Every index must be in 0..<V.
    public func embedding(_ indices: [Int], indexShape: [Int]? = nil) -> Tensor {
        precondition(rank == 2, "embedding: table must be (V, C), got \(shape.shapeString)")
        let v = shape[0]
        let c = shape[1]
        let ishape = indexShape ?? [indices.count]
        precondition(
            ishape.elementCount == indices.count,
            "embedding: index shape \(ishape.shapeString) holds \(ishape.elementCount) indices, got \(indices.count)")
        var out = [Float](repeating: 0, count: indices.count * c)
        for (n, index) in indices.enumerated() {
            precondition(
                index >= 0 && index < v, "embedding: index \(index) out of range for table \(shape.shapeString)")
            for i in 0..<c { out[n * c + i] = storage[index * c + i] }
        }
        return Tensor.recorded(
            out, shape: ishape + [c], op: .embedding, inputs: [self], payload: EmbeddingPayload(indices: indices))
    }

    /// dTable[index[n], :] += g[n, :]
    static let embeddingBackward: BackwardRule = { node, g in
        let indices = node.payload(as: EmbeddingPayload.self).indices
        let table = node.inputs[0]
        let c = table.shape[1]
        var dt = [Float](repeating: 0, count: table.count)
        for (n, index) in indices.enumerated() {
            for i in 0..<c { dt[index * c + i] += g[n * c + i] }
        }
        return [dt]
    }
}

extension Reference {
    /// Naive gather of rows in Double.
    package static func embedding(_ table: [Double], columns c: Int, indices: [Int]) -> [Double] {
        indices.flatMap { Array(table[($0 * c)..<(($0 + 1) * c)]) }
    }
}
