// Tensor+Reduce: sum, mean and max over axes (keepDim option): forward, backward and naive
// reference. The primitive reduces one axis of a tensor viewed as (outer, n, inner); several axes
// reduce one after another, and mean is sum × 1/count (composite, no rule of its own).

/// A tensor viewed as (outer, n, inner) around one axis.
struct AxisLayout {
    let outer: Int, n: Int, inner: Int
    init(_ shape: [Int], axis: Int) {
        outer = shape[..<axis].reduce(1, *)
        n = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *)
    }
}

struct ReducePayload {
    let layout: AxisLayout
    let argmax: [Int]  // (outer · inner) index along the axis of each maximum; empty for sum
}

extension Tensor {
    /// Runs `body(o, innerRange)` over (outer, inner-block) tiles, in parallel for large tensors.
    /// Tiles own disjoint output elements; within a tile the axis loop runs outside the
    /// contiguous inner loop, so memory is read in order.
    static func forEachReductionTile(_ l: AxisLayout, _ body: (Int, Range<Int>) -> Void) {
        let block = 256
        let blocks = (l.inner + block - 1) / block
        TensorParallel.forEachChunk(l.outer * blocks, costPerItem: l.n * Swift.min(block, l.inner)) { tiles in
            for tile in tiles {
                let o = tile / blocks
                let lo = (tile % blocks) * block
                body(o, lo..<Swift.min(lo + block, l.inner))
            }
        }
    }

    /// Sum over one axis, keeping it with extent 1.
    func sumKeepingAxis(_ axis: Int) -> Tensor {
        let l = AxisLayout(shape, axis: axis)
        var out = [Float](repeating: 0, count: l.outer * l.inner)
        storage.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                let px = px
                let po = po
                Tensor.forEachReductionTile(l) { o, inner in
                    for j in 0..<l.n {
                        let row = (o * l.n + j) * l.inner
                        for i in inner { po[o * l.inner + i] += px[row + i] }
                    }
                }
            }
        }
        var outShape = shape
        outShape[axis] = 1
        return Tensor.recorded(
            out, shape: outShape, op: .sum, inputs: [self], payload: ReducePayload(layout: l, argmax: []))
    }

    /// Max over one axis, keeping it with extent 1 (ties: the first maximum gets the gradient;
    /// NaN never wins a comparison, so a row of NaNs reports its first element).
    func maxKeepingAxis(_ axis: Int) -> Tensor {
        let l = AxisLayout(shape, axis: axis)
        precondition(l.n > 0, "max: axis \(axis) of shape \(shape.shapeString) is empty")
        var out = [Float](repeating: 0, count: l.outer * l.inner)
        var arg = [Int](repeating: 0, count: l.outer * l.inner)
        storage.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                arg.withUnsafeMutableBufferPointer { pa in
                    let px = px
                    let po = po
                    let pa = pa
                    Tensor.forEachReductionTile(l) { o, inner in
                        for i in inner { po[o * l.inner + i] = px[o * l.n * l.inner + i] }
                        for j in 1..<Swift.max(l.n, 1) {
                            let row = (o * l.n + j) * l.inner
                            for i in inner where px[row + i] > po[o * l.inner + i] {
                                po[o * l.inner + i] = px[row + i]
                                pa[o * l.inner + i] = j
                            }
                        }
                    }
                }
            }
        }
        var outShape = shape
        outShape[axis] = 1
        return Tensor.recorded(
            out, shape: outShape, op: .max, inputs: [self], payload: ReducePayload(layout: l, argmax: arg))
    }

    private func reduce(_ axes: [Int], keepDim: Bool, op: String, _ one: (Tensor, Int) -> Tensor) -> Tensor {
        let normalized = Set(axes.map { normalizedAxis($0, rank: rank, op: op, shape: shape) }).sorted(by: >)
        var t = self
        for axis in normalized { t = one(t, axis) }
        if keepDim { return t }
        let kept = shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
        return t.reshaped(kept)
    }

    /// Sum over `axes` (negative axes count from the end).
    public func sum(alongAxes axes: [Int], keepDim: Bool = false) -> Tensor {
        reduce(axes, keepDim: keepDim, op: "sum") { $0.sumKeepingAxis($1) }
    }
    /// Sum over one axis.
    public func sum(alongAxis axis: Int, keepDim: Bool = false) -> Tensor { sum(alongAxes: [axis], keepDim: keepDim) }
    /// Sum of all elements (shape `[]`).
    public func sum() -> Tensor { sum(alongAxes: Array(0..<rank)) }

    /// Mean over `axes`.
    public func mean(alongAxes axes: [Int], keepDim: Bool = false) -> Tensor {
        let count = Set(axes.map { normalizedAxis($0, rank: rank, op: "mean", shape: shape) }).map { shape[$0] }.reduce(
            1, *)
        return sum(alongAxes: axes, keepDim: keepDim).multiplyingScalar(1 / Float(count))
    }
    /// Mean over one axis.
    public func mean(alongAxis axis: Int, keepDim: Bool = false) -> Tensor { mean(alongAxes: [axis], keepDim: keepDim) }
    /// Mean of all elements (shape `[]`).
    public func mean() -> Tensor { mean(alongAxes: Array(0..<rank)) }

    /// Max over `axes`.
    public func max(alongAxes axes: [Int], keepDim: Bool = false) -> Tensor {
        reduce(axes, keepDim: keepDim, op: "max") { $0.maxKeepingAxis($1) }
    }
    /// Max over one axis.
    public func max(alongAxis axis: Int, keepDim: Bool = false) -> Tensor { max(alongAxes: [axis], keepDim: keepDim) }
    /// Max of all elements (shape `[]`).
    public func max() -> Tensor { max(alongAxes: Array(0..<rank)) }

    /// dx[o, j, i] = g[o, i]
    static let sumBackward: BackwardRule = { node, g in
        let l = node.payload(as: ReducePayload.self).layout
        var dx = [Float](repeating: 0, count: l.outer * l.n * l.inner)
        for o in 0..<l.outer {
            for j in 0..<l.n {
                for i in 0..<l.inner { dx[(o * l.n + j) * l.inner + i] = g[o * l.inner + i] }
            }
        }
        return [dx]
    }

    /// dx[o, argmax, i] = g[o, i], zero elsewhere.
    static let maxBackward: BackwardRule = { node, g in
        let p = node.payload(as: ReducePayload.self)
        let l = p.layout
        var dx = [Float](repeating: 0, count: l.outer * l.n * l.inner)
        for o in 0..<l.outer {
            for i in 0..<l.inner { dx[(o * l.n + p.argmax[o * l.inner + i]) * l.inner + i] = g[o * l.inner + i] }
        }
        return [dx]
    }
}

extension Reference {
    /// Naive reduction over a set of axes in Double (keepDim shape), by explicit index decoding.
    package static func reduce(
        _ x: [Double], _ shape: [Int], axes: Set<Int>, initial: Double, _ combine: (Double, Double) -> Double
    ) -> [Double] {
        let outShape = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        var out = [Double](repeating: initial, count: outShape.reduce(1, *))
        for flat in x.indices {
            var rem = flat
            var dst = 0
            var stride = 1
            for axis in Swift.stride(from: shape.count - 1, through: 0, by: -1) {
                let i = rem % shape[axis]
                rem /= shape[axis]
                if !axes.contains(axis) { dst += i * stride }
                stride *= outShape[axis]
            }
            out[dst] = combine(out[dst], x[flat])
        }
        return out
    }
}
