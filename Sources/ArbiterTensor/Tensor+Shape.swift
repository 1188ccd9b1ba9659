// Tensor+Shape: reshape, permute/transpose, slice along an axis, concat and stack: forward,
// backward and naive reference. Results are contiguous copies (reshape shares storage
// copy-on-write). Not here: broadcasting (Tensor+Broadcast.swift).

struct PermutePayload { let axes: [Int] }
struct SlicePayload {
    let layout: AxisLayout
    let range: Range<Int>
}
struct ConcatPayload {
    let axis: Int
    let extents: [Int]
}

extension Tensor {
    /// The same elements viewed with `newShape`; one extent may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != hole }.map(\.element).reduce(1, *)
            precondition(
                known > 0 && count % known == 0, "reshape: \(shape.shapeString) cannot become \(newShape.shapeString)")
            resolved[hole] = count / known
        }
        precondition(
            resolved.allSatisfy { $0 >= 0 } && resolved.elementCount == count,
            "reshape: \(shape.shapeString) (\(count) elements) cannot become \(newShape.shapeString)")
        return Tensor.recorded(storage, shape: resolved, op: .reshape, inputs: [self])
    }

    /// Axes reordered: result axis i is input axis `axes[i]`.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(
            axes.count == rank && Set(axes) == Set(0..<rank),
            "permute: \(axes) is not a permutation of the axes of \(shape.shapeString)")
        let outShape = axes.map { shape[$0] }
        // Moving only axes of size 1 keeps the element order (e.g. (B, 1, H, D) → (B, H, 1, D)): no copy.
        let kept = axes.filter { shape[$0] != 1 }
        if kept == kept.sorted() {
            return Tensor.recorded(
                storage, shape: outShape, op: .permute, inputs: [self], payload: PermutePayload(axes: axes))
        }
        let out = Tensor.permute(storage, shape: shape, axes: axes)
        return Tensor.recorded(out, shape: outShape, op: .permute, inputs: [self], payload: PermutePayload(axes: axes))
    }

    /// Swaps two axes (default: the last two).
    public func transposed(_ axis0: Int = -2, _ axis1: Int = -1) -> Tensor {
        let a = normalizedAxis(axis0, rank: rank, op: "transpose", shape: shape)
        let b = normalizedAxis(axis1, rank: rank, op: "transpose", shape: shape)
        var axes = Array(0..<rank)
        axes.swapAt(a, b)
        return permuted(axes)
    }

    static func permute(_ x: [Float], shape: [Int], axes: [Int]) -> [Float] {
        let rank = shape.count
        var inStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        let outShape = axes.map { shape[$0] }
        let strides = axes.map { inStrides[$0] }  // input stride of each output axis
        var out = [Float](repeating: 0, count: x.count)
        if rank >= 2, axes[rank - 1] == rank - 1, shape[rank - 1] > 1 {
            // The last axis stays: copy whole runs of it (attention's head permutes), rows in parallel.
            let run = shape[rank - 1]
            x.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                    TensorParallel.forEachChunk(x.count / run, costPerItem: run) { rows in
                        for row in rows {
                            var rest = row
                            var offset = 0
                            for axis in stride(from: rank - 2, through: 0, by: -1) {
                                offset += (rest % outShape[axis]) * strides[axis]
                                rest /= outShape[axis]
                            }
                            (d + row * run).update(from: s + offset, count: run)
                        }
                    }
                }
            }
            return out
        }
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        for flat in 0..<x.count {
            out[flat] = x[offset]
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < outShape[axis] { break }
                offset -= strides[axis] * index[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return out
    }

    /// Elements `range` of `axis` (other axes whole).
    public func slice(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        let a = normalizedAxis(axis, rank: rank, op: "slice", shape: shape)
        precondition(
            range.lowerBound >= 0 && range.upperBound <= shape[a],
            "slice: \(range) out of bounds for axis \(a) of \(shape.shapeString)")
        let l = AxisLayout(shape, axis: a)
        let w = range.count * l.inner
        var out = [Float](repeating: 0, count: l.outer * w)
        for o in 0..<l.outer {
            let src = (o * l.n + range.lowerBound) * l.inner
            for i in 0..<w { out[o * w + i] = storage[src + i] }
        }
        var outShape = shape
        outShape[a] = range.count
        return Tensor.recorded(
            out, shape: outShape, op: .slice, inputs: [self], payload: SlicePayload(layout: l, range: range))
    }

    /// Joins tensors along an existing `axis`; all other extents must match.
    public static func concat(_ tensors: [Tensor], alongAxis axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "concat: no tensors")
        let first = tensors[0]
        let a = normalizedAxis(axis, rank: first.rank, op: "concat", shape: first.shape)
        for t in tensors {
            var s1 = t.shape
            var s0 = first.shape
            precondition(s1.count == s0.count, "concat: \(s0.shapeString) and \(s1.shapeString) have different ranks")
            s1[a] = 0
            s0[a] = 0
            precondition(s1 == s0, "concat: \(first.shape.shapeString) and \(t.shape.shapeString) differ off axis \(a)")
        }
        let extents = tensors.map { $0.shape[a] }
        let total = extents.reduce(0, +)
        let outer = first.shape[..<a].reduce(1, *)
        let inner = first.shape[(a + 1)...].reduce(1, *)
        var out = [Float](repeating: 0, count: outer * total * inner)
        var start = 0
        for (t, e) in zip(tensors, extents) {
            let w = e * inner
            for o in 0..<outer {
                let dst = (o * total + start) * inner
                for i in 0..<w { out[dst + i] = t.storage[o * w + i] }
            }
            start += e
        }
        var outShape = first.shape
        outShape[a] = total
        return recorded(
            out, shape: outShape, op: .concat, inputs: tensors, payload: ConcatPayload(axis: a, extents: extents))
    }

    /// Stacks equally shaped tensors along a new `axis` (composite: reshape + concat).
    public static func stack(_ tensors: [Tensor], alongAxis axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: no tensors")
        let shape = tensors[0].shape
        let a = axis < 0 ? axis + shape.count + 1 : axis
        precondition(a >= 0 && a <= shape.count, "stack: axis \(axis) out of range for \(shape.shapeString)")
        for t in tensors {
            precondition(t.shape == shape, "stack: \(shape.shapeString) and \(t.shape.shapeString) differ")
        }
        var expanded = shape
        expanded.insert(1, at: a)
        return concat(tensors.map { $0.reshaped(expanded) }, alongAxis: a)
    }

    static let reshapeBackward: BackwardRule = { _, g in [g] }

    static let permuteBackward: BackwardRule = { node, g in
        let axes = node.payload(as: PermutePayload.self).axes
        var inverse = [Int](repeating: 0, count: axes.count)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return [permute(g, shape: axes.map { node.inputs[0].shape[$0] }, axes: inverse)]
    }

    static let sliceBackward: BackwardRule = { node, g in
        let p = node.payload(as: SlicePayload.self)
        let l = p.layout
        let w = p.range.count * l.inner
        var dx = [Float](repeating: 0, count: l.outer * l.n * l.inner)
        for o in 0..<l.outer {
            let dst = (o * l.n + p.range.lowerBound) * l.inner
            for i in 0..<w { dx[dst + i] = g[o * w + i] }
        }
        return [dx]
    }

    static let concatBackward: BackwardRule = { node, g in
        let p = node.payload(as: ConcatPayload.self)
        let shape = node.inputs[0].shape
        let outer = shape[..<p.axis].reduce(1, *)
        let inner = shape[(p.axis + 1)...].reduce(1, *)
        let total = p.extents.reduce(0, +)
        var grads: InputGradients = []
        var start = 0
        for (t, e) in zip(node.inputs, p.extents) {
            defer { start += e }
            guard t.tracksGrad else {
                grads.append(nil)
                continue
            }
            let w = e * inner
            var d = [Float](repeating: 0, count: outer * w)
            for o in 0..<outer {
                let src = (o * total + start) * inner
                for i in 0..<w { d[o * w + i] = g[src + i] }
            }
            grads.append(d)
        }
        return grads
    }
}

extension Reference {
    /// Naive permute in Double: decode each output index, gather from the input.
    package static func permute(_ x: [Double], _ shape: [Int], axes: [Int]) -> [Double] {
        let outShape = axes.map { shape[$0] }
        var out = [Double](repeating: 0, count: x.count)
        for flat in out.indices {
            var rem = flat
            var outIndex = [Int](repeating: 0, count: shape.count)
            for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                outIndex[axis] = rem % outShape[axis]
                rem /= outShape[axis]
            }
            var inIndex = [Int](repeating: 0, count: shape.count)
            for (i, a) in axes.enumerated() { inIndex[a] = outIndex[i] }
            var src = 0
            for axis in 0..<shape.count { src = src * shape[axis] + inIndex[axis] }
            out[flat] = x[src]
        }
        return out
    }

    /// Naive slice in Double.
    package static func slice(_ x: [Double], _ shape: [Int], axis: Int, range: Range<Int>) -> [Double] {
        let l = AxisLayout(shape, axis: axis)
        var out: [Double] = []
        for o in 0..<l.outer { for j in range { for i in 0..<l.inner { out.append(x[(o * l.n + j) * l.inner + i]) } } }
        return out
    }

    /// Naive concat in Double.
    package static func concat(_ xs: [[Double]], _ shapes: [[Int]], axis: Int) -> [Double] {
        let outer = shapes[0][..<axis].reduce(1, *)
        let inner = shapes[0][(axis + 1)...].reduce(1, *)
        var out: [Double] = []
        for o in 0..<outer {
            for (x, s) in zip(xs, shapes) {
                let w = s[axis] * inner
                out += x[(o * w)..<((o + 1) * w)]
            }
        }
        return out
    }
}
