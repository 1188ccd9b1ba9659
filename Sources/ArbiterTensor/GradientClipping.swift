// GradientClipping: global L2 norm of a set of gradient buffers (accumulated in Double) and
// clipping by that norm, as PyTorch's `clip_grad_norm_`: scale = maxNorm / (norm + 1e-6), applied
// only when below 1. A non-finite norm leaves gradients untouched so the caller can skip the step.
// Not an optimizer.

/// Gradient norm and global-norm clipping over flat buffers.
public enum GradientClipping {
    /// √(Σ g²) over all buffers, computed in Double.
    public static func globalNorm(_ gradients: [UnsafeBufferPointer<Float>]) -> Double {
        var sum = 0.0
        for buffer in gradients {
            for g in buffer {
                let x = Double(g)
                sum += x * x
            }
        }
        return sum.squareRoot()
    }

    /// The global norm of the buffers' gradients.
    public static func globalNorm(_ buffers: [ParameterBuffer]) -> Double {
        globalNorm(buffers.map(\.gradient))
    }

    /// Scales all gradients by maxNorm/(norm + 1e-6) when that is below 1; returns the norm
    /// measured before clipping. `maxNorm` must be positive and finite.
    @discardableResult
    public static func clipGlobalNorm(_ gradients: [UnsafeMutableBufferPointer<Float>], maxNorm: Float) -> Double {
        precondition(
            maxNorm.isFinite && maxNorm > 0, "clipGlobalNorm: maxNorm must be positive and finite, got \(maxNorm)")
        let norm = globalNorm(gradients.map { UnsafeBufferPointer($0) })
        guard norm.isFinite else { return norm }
        let scale = Double(maxNorm) / (norm + 1e-6)
        guard scale < 1 else { return norm }
        let factor = Float(scale)
        for buffer in gradients {
            for i in buffer.indices { buffer[i] *= factor }
        }
        return norm
    }

    /// Array convenience: clips `gradients` in place; returns the pre-clip norm.
    @discardableResult
    public static func clipGlobalNorm(_ gradients: inout [[Float]], maxNorm: Float) -> Double {
        var pointers: [UnsafeMutableBufferPointer<Float>] = []
        defer { pointers.forEach { $0.deallocate() } }
        for g in gradients {
            let p = UnsafeMutableBufferPointer<Float>.allocate(capacity: g.count)
            _ = p.initialize(from: g)
            pointers.append(p)
        }
        let norm = clipGlobalNorm(pointers, maxNorm: maxNorm)
        gradients = pointers.map { Array($0) }
        return norm
    }
}
