// Tensor+Dropout: inverted dropout with a seeded RNG: in training each element is zeroed with
// probability p and survivors are scaled by 1/(1−p); identity (same tensor) when p == 0 or not
// training. Forward, backward (g · mask) and naive reference.
import ArbiterCore

struct DropoutPayload { let mask: [Float] }  // (same shape) 0 or 1/(1−p)

extension Tensor {
    /// Dropout with probability `p` in [0, 1), drawing one uniform per element from `rng`.
    public func dropout(p: Float, training: Bool, rng: inout SeededRNG) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout: p = \(p) must be in [0, 1)")
        if !training || p == 0 { return self }
        let mask = Tensor.dropoutMask(count: count, p: p, rng: &rng)
        var out = storage
        for i in out.indices { out[i] *= mask[i] }
        return Tensor.recorded(out, shape: shape, op: .dropout, inputs: [self], payload: DropoutPayload(mask: mask))
    }

    static let dropoutBackward: BackwardRule = { node, g in
        let mask = node.payload(as: DropoutPayload.self).mask
        return [zip(g, mask).map { $0 * $1 }]
    }
}

extension Tensor {
    /// The dropout mask: element i survives (scaled by 1/(1−p)) when the i-th uniform draw is ≥ p.
    static func dropoutMask(count: Int, p: Float, rng: inout SeededRNG) -> [Float] {
        let scale = 1 / (1 - p)
        return (0..<count).map { _ in rng.nextUnitFloat() >= p ? scale : 0 }
    }
}

extension Reference {
    /// Naive dropout in Double: draws its own uniforms in the same order as the fast path
    /// (one per element) and keeps x / (1 − p) where the draw is ≥ p.
    package static func dropout(_ x: [Double], p: Float, rng: inout SeededRNG) -> [Double] {
        x.map { v in Double(rng.nextUnitFloat()) >= Double(p) ? v / (1 - Double(p)) : 0 }
    }
}
