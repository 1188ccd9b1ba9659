// Tensor+Softmax: softmax, log-softmax and logsumexp over one axis, numerically stable (the row
// maximum is subtracted before exponentiating): forward, backward, naive reference.

struct SoftmaxPayload {
    let layout: AxisLayout
    let output: [Float]  // softmax / log-softmax / logsumexp values, as the op produced them
}

extension Tensor {
    /// Calls `body(rowStart, stride)` for each of the outer·inner rows along the axis, in parallel
    /// for large tensors. Row element j sits at rowStart + j·stride.
    static func forEachRow(_ l: AxisLayout, _ body: (Int, Int) -> Void) {
        TensorParallel.forEachChunk(l.outer * l.inner, costPerItem: l.n * 8) { r in
            for row in r {
                let o = row / l.inner
                let i = row % l.inner
                body(o * l.n * l.inner + i, l.inner)
            }
        }
    }

    private func softmaxFamily(axis: Int, op: Op) -> Tensor {
        let a = normalizedAxis(axis, rank: rank, op: "\(op)", shape: shape)
        let l = AxisLayout(shape, axis: a)
        let isLSE = op == .logSumExp
        var out = [Float](repeating: 0, count: isLSE ? l.outer * l.inner : count)
        storage.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                let px = px
                let po = po
                Tensor.forEachRow(l) { start, step in
                    var m = -Float.infinity
                    for j in 0..<l.n { m = Swift.max(m, px[start + j * step]) }
                    if m == -.infinity { m = 0 }
                    var s: Float = 0
                    for j in 0..<l.n { s += elementExp(px[start + j * step] - m) }
                    let logS = elementLog(s)
                    switch op {
                    case .softmax: for j in 0..<l.n { po[start + j * step] = elementExp(px[start + j * step] - m) / s }
                    // (x − m) − log s, not x − lse: keeps full precision when |x| is large.
                    case .logSoftmax: for j in 0..<l.n { po[start + j * step] = (px[start + j * step] - m) - logS }
                    default:
                        let o = start / (l.n * l.inner)
                        let i = start % l.inner
                        po[o * l.inner + i] = m + logS
                    }
                }
            }
        }
        var outShape = shape
        if isLSE { outShape[a] = 1 }
        return Tensor.recorded(
            out, shape: outShape, op: op, inputs: [self], payload: SoftmaxPayload(layout: l, output: out))
    }

    /// exp(x − max) / Σ exp(x − max) along `axis`.
    public func softmax(alongAxis axis: Int = -1) -> Tensor { softmaxFamily(axis: axis, op: .softmax) }
    /// x − logsumexp(x) along `axis`.
    public func logSoftmax(alongAxis axis: Int = -1) -> Tensor { softmaxFamily(axis: axis, op: .logSoftmax) }
    /// log Σ exp(x) along `axis` (stable).
    public func logSumExp(alongAxis axis: Int = -1, keepDim: Bool = false) -> Tensor {
        let a = normalizedAxis(axis, rank: rank, op: "logSumExp", shape: shape)
        let r = softmaxFamily(axis: a, op: .logSumExp)
        if keepDim { return r }
        var s = shape
        s.remove(at: a)
        return r.reshaped(s)
    }

    /// Runs `row(start, step, x, y, g, dx)` for every row of a softmax-family backward, in
    /// parallel for large tensors; x is the input, y the saved output, g the output gradient.
    private static func rowBackward(
        _ node: Node, _ g: [Float],
        _ row: (
            Int, Int, UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>,
            UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>
        ) -> Void
    ) -> InputGradients {
        let p = node.payload(as: SoftmaxPayload.self)
        let x = node.inputs[0].storage
        var dx = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { px in
            p.output.withUnsafeBufferPointer { py in
                g.withUnsafeBufferPointer { pg in
                    dx.withUnsafeMutableBufferPointer { pd in
                        let px = px
                        let py = py
                        let pg = pg
                        let pd = pd
                        forEachRow(p.layout) { start, step in row(start, step, px, py, pg, pd) }
                    }
                }
            }
        }
        return [dx]
    }

    /// dx = y · (g − Σ g·y)
    static let softmaxBackward: BackwardRule = { node, g in
        let n = node.payload(as: SoftmaxPayload.self).layout.n
        return rowBackward(node, g) { start, step, _, y, g, dx in
            var dot: Float = 0
            for j in 0..<n { dot += g[start + j * step] * y[start + j * step] }
            for j in 0..<n {
                let k = start + j * step
                dx[k] = y[k] * (g[k] - dot)
            }
        }
    }

    /// dx = g − softmax · Σ g, with softmax = exp(log-softmax)
    static let logSoftmaxBackward: BackwardRule = { node, g in
        let n = node.payload(as: SoftmaxPayload.self).layout.n
        return rowBackward(node, g) { start, step, _, y, g, dx in
            var total: Float = 0
            for j in 0..<n { total += g[start + j * step] }
            for j in 0..<n {
                let k = start + j * step
                dx[k] = g[k] - elementExp(y[k]) * total
            }
        }
    }

    /// dx = g · softmax(x) = g · exp(x − lse); y and g are (outer, inner) here.
    static let logSumExpBackward: BackwardRule = { node, g in
        let l = node.payload(as: SoftmaxPayload.self).layout
        return rowBackward(node, g) { start, step, x, lse, g, dx in
            let o = start / (l.n * l.inner)
            let i = start % l.inner
            let r = o * l.inner + i
            for j in 0..<l.n {
                let k = start + j * step
                dx[k] = g[r] * elementExp(x[k] - lse[r])
            }
        }
    }
}

extension Reference {
    /// Naive softmax / log-softmax along `axis` in Double (no max subtraction: inputs are small).
    package static func softmax(_ x: [Double], _ shape: [Int], axis: Int, log: Bool) -> [Double] {
        let l = AxisLayout(shape, axis: axis)
        var out = x
        for o in 0..<l.outer {
            for i in 0..<l.inner {
                let idx = (0..<l.n).map { (o * l.n + $0) * l.inner + i }
                let z = idx.map { elementExp(x[$0]) }.reduce(0, +)
                for k in idx { out[k] = log ? x[k] - elementLog(z) : elementExp(x[k]) / z }
            }
        }
        return out
    }

    /// Naive logsumexp along `axis` in Double (keepDim layout).
    package static func logSumExp(_ x: [Double], _ shape: [Int], axis: Int) -> [Double] {
        let l = AxisLayout(shape, axis: axis)
        var out: [Double] = []
        for o in 0..<l.outer {
            for i in 0..<l.inner {
                out.append(elementLog((0..<l.n).map { elementExp(x[(o * l.n + $0) * l.inner + i]) }.reduce(0, +)))
            }
        }
        return out
    }
}
