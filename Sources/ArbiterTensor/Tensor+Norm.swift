// Tensor+Norm: RMSNorm and LayerNorm over the last axis, each with optional weight (and bias for
// LayerNorm) and eps: forward, backward and naive reference. Statistics accumulate in Float with
// one pass per row; the per-row reciprocal std is kept for backward.

struct NormPayload {
    let channels: Int  // C, the normalised (last) axis
    let rstd: [Float]  // (rows) 1 / sqrt(mean + eps)
    let mean: [Float]  // (rows) row means for LayerNorm; empty for RMSNorm
    let hasWeight: Bool, hasBias: Bool
}

extension Tensor {
    private func normalize(weight: Tensor?, bias: Tensor?, eps: Float, center: Bool, op: Op) -> Tensor {
        precondition(rank >= 1, "\(op): input needs rank ≥ 1, got \(shape.shapeString)")
        let c = shape[rank - 1]
        if let weight {
            precondition(
                weight.shape == [c],
                "\(op): weight \(weight.shape.shapeString) does not match last axis of \(shape.shapeString)")
        }
        if let bias {
            precondition(
                bias.shape == [c],
                "\(op): bias \(bias.shape.shapeString) does not match last axis of \(shape.shapeString)")
        }
        let rows = c == 0 ? 0 : count / c
        var out = [Float](repeating: 0, count: count)
        var rstd = [Float](repeating: 0, count: rows)
        var means = [Float](repeating: 0, count: center ? rows : 0)
        let w = weight?.storage
        let b = bias?.storage
        storage.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                rstd.withUnsafeMutableBufferPointer { pr in
                    means.withUnsafeMutableBufferPointer { pm in
                        let px = px
                        let po = po
                        let pr = pr
                        let pm = pm
                        TensorParallel.forEachChunk(rows, costPerItem: c * 4) { range in
                            for row in range {
                                let base = row * c
                                if !center {  // RMSNorm (never a bias)
                                    pr[row] = Self.rmsNormRow(
                                        px.baseAddress! + base, w, eps: eps, count: c, into: po.baseAddress! + base)
                                    continue
                                }
                                var mu: Float = 0
                                for i in 0..<c { mu += px[base + i] }
                                mu /= Float(c)
                                pm[row] = mu
                                var ss: Float = 0
                                for i in 0..<c {
                                    let d = px[base + i] - mu
                                    ss += d * d
                                }
                                let r = 1 / (ss / Float(c) + eps).squareRoot()
                                pr[row] = r
                                for i in 0..<c {
                                    var y = (px[base + i] - mu) * r
                                    if let w { y *= w[i] }
                                    if let b { y += b[i] }
                                    po[base + i] = y
                                }
                            }
                        }
                    }
                }
            }
        }
        let inputs = [self] + (weight.map { [$0] } ?? []) + (bias.map { [$0] } ?? [])
        let p = NormPayload(channels: c, rstd: rstd, mean: means, hasWeight: weight != nil, hasBias: bias != nil)
        return Tensor.recorded(out, shape: shape, op: op, inputs: inputs, payload: p)
    }

    /// One RMSNorm row of `count` floats into `out` (weight optional); returns 1/sqrt(mean(x²) + eps).
    /// The arithmetic of `rmsNorm(weight:eps:)` (also the fused decode step's).
    @inline(__always)
    package static func rmsNormRow(
        _ x: UnsafePointer<Float>, _ weight: [Float]?, eps: Float, count c: Int, into out: UnsafeMutablePointer<Float>
    ) -> Float {
        var ss: Float = 0
        for i in 0..<c { ss += x[i] * x[i] }
        let r = 1 / (ss / Float(c) + eps).squareRoot()
        if let weight {
            weight.withUnsafeBufferPointer { w in
                for i in 0..<c { out[i] = x[i] * r * w[i] }
            }
        } else {
            for i in 0..<c { out[i] = x[i] * r }
        }
        return r
    }

    /// RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · weight. x (..., C), weight (C).
    public func rmsNorm(weight: Tensor?, eps: Float = 1e-6) -> Tensor {
        normalize(weight: weight, bias: nil, eps: eps, center: false, op: .rmsNorm)
    }

    /// LayerNorm over the last axis: (x − mean) / sqrt(var + eps) · weight + bias. x (..., C).
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        normalize(weight: weight, bias: bias, eps: eps, center: true, op: .layerNorm)
    }

    /// x̂ = (x − μ)·r; dx̂ = g·w; dx = r·(dx̂ − [mean(dx̂)] − x̂·mean(dx̂·x̂)); dw = Σ g·x̂; db = Σ g.
    static func normBackward(_ node: Node, _ g: [Float], center: Bool) -> InputGradients {
        let p = node.payload(as: NormPayload.self)
        let x = node.inputs[0].storage
        let c = p.channels
        let w: [Float]? = p.hasWeight ? node.inputs[1].storage : nil
        var dx = [Float](repeating: 0, count: x.count)
        var dw = [Float](repeating: 0, count: p.hasWeight ? c : 0)
        var db = [Float](repeating: 0, count: p.hasBias ? c : 0)
        var xhat = [Float](repeating: 0, count: c)
        var dxhat = [Float](repeating: 0, count: c)
        for row in 0..<p.rstd.count {
            let base = row * c
            let r = p.rstd[row]
            let mu = center ? p.mean[row] : 0
            var meanD: Float = 0
            var meanDX: Float = 0
            for i in 0..<c {
                xhat[i] = (x[base + i] - mu) * r
                dxhat[i] = g[base + i] * (w?[i] ?? 1)
                meanD += dxhat[i]
                meanDX += dxhat[i] * xhat[i]
                if p.hasWeight { dw[i] += g[base + i] * xhat[i] }
                if p.hasBias { db[i] += g[base + i] }
            }
            meanD /= Float(c)
            meanDX /= Float(c)
            if !center { meanD = 0 }
            for i in 0..<c { dx[base + i] = r * (dxhat[i] - meanD - xhat[i] * meanDX) }
        }
        var grads: InputGradients = [dx]
        if p.hasWeight { grads.append(dw) }
        if p.hasBias { grads.append(db) }
        return grads
    }

    static let rmsNormBackward: BackwardRule = { normBackward($0, $1, center: false) }
    static let layerNormBackward: BackwardRule = { normBackward($0, $1, center: true) }
}

extension Reference {
    /// Naive RMSNorm / LayerNorm over the last axis in Double (two-pass statistics).
    package static func norm(
        _ x: [Double], channels c: Int, weight: [Double]?, bias: [Double]?, eps: Double, center: Bool
    ) -> [Double] {
        var out = x
        for row in 0..<(x.count / c) {
            let v = Array(x[(row * c)..<((row + 1) * c)])
            let mu = center ? v.reduce(0, +) / Double(c) : 0
            let variance = v.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(c)
            for i in 0..<c {
                out[row * c + i] = (v[i] - mu) / (variance + eps).squareRoot() * (weight?[i] ?? 1) + (bias?[i] ?? 0)
            }
        }
        return out
    }
}
