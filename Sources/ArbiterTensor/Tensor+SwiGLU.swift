// Tensor+SwiGLU: silu(gate) ⊙ up, the gated activation of Llama-family MLPs. When the result
// would be recorded it is the composite `gate.silu() * up` (differentiable through both ops);
// otherwise one fused pass with the vector exp writes the product without the intermediate
// silu tensor. Shapes: gate and up (..., F), equal → (..., F).
extension Tensor {
    /// silu(self) ⊙ up for two tensors of the same shape.
    public func siluGated(by up: Tensor) -> Tensor {
        precondition(shape == up.shape, "siluGated: shapes \(shape.shapeString) and \(up.shape.shapeString) differ")
        if GradMode.isEnabled && (tracksGrad || up.tracksGrad) { return silu() * up }
        let n = count
        var out = [Float](repeating: 0, count: n)
        storage.withUnsafeBufferPointer { pg in
            up.storage.withUnsafeBufferPointer { pu in
                out.withUnsafeMutableBufferPointer { po in
                    guard let g = pg.baseAddress, let u = pu.baseAddress, let o = po.baseAddress else { return }
                    TensorParallel.forEachChunk(n, costPerItem: 4) { range in Self.siluGated(g, u, o, range) }
                }
            }
        }
        return Tensor(out, shape: shape)
    }

    /// o[i] = silu(g[i])·u[i] for i in `range`, the arithmetic `siluGated(by:)` uses (also the
    /// fused decode step's).
    package static func siluGated(
        _ g: UnsafePointer<Float>, _ u: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ range: Range<Int>
    ) {
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let x = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
            let y = UnsafeRawPointer(u + i).loadUnaligned(as: SIMD8<Float>.self)
            let r = x / (1 + simdExp(-x)) * y  // x·σ(x)·y; exp clamps, so large |x| stays finite
            UnsafeMutableRawPointer(o + i).storeBytes(of: r, as: SIMD8<Float>.self)
            i += 8
        }
        while i < range.upperBound {
            o[i] = g[i] / (1 + simdExp(-g[i])) * u[i]
            i += 1
        }
    }
}
