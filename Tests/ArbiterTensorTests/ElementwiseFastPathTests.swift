import ArbiterCore
import ArbiterTestSupport
import Foundation
import Testing

// ElementwiseFastPathTests: the vector erf behind GELU's forward pass against double-precision erf,
// binary ops whose operands repeat along leading axes (computed without expanding them) against a
// naive loop over broadcast indices, and permutes that keep the last axis (copied in runs) against
// the naive permute, element for element, with their gradients.
@testable import ArbiterTensor

@Suite struct ElementwiseFastPathTests {
    @Test func vectorErfIsCloseToDoubleErf() {
        var worst = 0.0
        var x: Float = -7
        while x < 7 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 1e-4 })
            let e = simdErf(lanes)
            for i in 0..<8 { worst = max(worst, abs(Double(e[i]) - Foundation.erf(Double(lanes[i])))) }
            x += 0.00071
        }
        #expect(worst < 5e-7, "max |simdErf − erf| = \(worst)")
        #expect(simdErf(Float(0)) == 0)
        #expect(simdErf(Float.infinity) == simdErf(Float(4)) && abs(simdErf(Float(4)) - 1) < 1e-6)
        #expect(simdErf(-Float.infinity) == -simdErf(Float.infinity))
        #expect(simdErf(Float.nan).isNaN)
        // Small arguments keep their relative accuracy (erf(x) ≈ 2x/√π).
        let tiny: Float = 1e-6
        #expect(abs(Double(simdErf(tiny)) / Foundation.erf(Double(tiny)) - 1) < 1e-6)
    }

    @Test func geluErfForwardMatchesDoubleReferenceAndTail() {
        // 8·k + 5 elements: the vector body and the one-lane tail both run.
        let n = 8 * 40_000 + 5
        var rng = SeededRNG(seed: 7)
        let x = Tensor.randomNormal([n], using: &rng).multiplyingScalar(3)
        let y = Tensor.noGrad { x.geluErf() }
        let reference = x.scalars.map { v -> Double in
            let d = Double(v)
            return 0.5 * d * (1 + Foundation.erf(d / 2.0.squareRoot()))
        }
        #expect(maxAbsDifference(y.scalars, reference) < 5e-6)
    }

    /// out[i] for operands broadcast to `shape`, indexing each operand through its own strides.
    static func naive(_ a: Tensor, _ b: Tensor, _ shape: [Int], _ f: (Float, Float) -> Float) -> [Float] {
        func value(_ t: Tensor, _ index: [Int]) -> Float {
            let dims = t.shape
            let offset = shape.count - dims.count
            var flat = 0
            for (axis, size) in dims.enumerated() { flat = flat * size + (size == 1 ? 0 : index[offset + axis]) }
            return t.scalars[flat]
        }
        let n = shape.reduce(1, *)
        return (0..<n).map { i in
            var rest = i
            var index = [Int](repeating: 0, count: shape.count)
            for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                index[axis] = rest % shape[axis]
                rest /= shape[axis]
            }
            return f(value(a, index), value(b, index))
        }
    }

    @Test(arguments: [
        ([3, 5, 16], [16]), ([16], [3, 5, 16]), ([7, 24], [1, 24]), ([4, 6, 8], [6, 8]), ([40, 33], [40, 33]),
        ([2, 3, 9], [1, 1, 9]), ([2, 3, 4], [3, 1]), ([5, 12], [1]), ([32, 50, 64], [64]),
        ([32, 50, 64], [32, 50, 64]),
    ])
    func binaryWithLeadingBroadcastMatchesNaive(_ shapes: ([Int], [Int])) {
        var rng = SeededRNG(seed: UInt64(shapes.0.reduce(1, *) * 31 + shapes.1.reduce(1, *)))
        let a = Tensor.randomNormal(shapes.0, using: &rng, requiresGrad: true)
        let b = Tensor.randomNormal(shapes.1, using: &rng, requiresGrad: true).addingScalar(3).detached()
        let bg = Tensor(b.scalars, shape: b.shape, requiresGrad: true)  // away from 0, for division
        for (name, op, f) in [
            ("add", { (x: Tensor, y: Tensor) in x + y }, { (x: Float, y: Float) in x + y }),
            ("sub", { $0 - $1 }, { $0 - $1 }), ("mul", { $0 * $1 }, { $0 * $1 }), ("div", { $0 / $1 }, { $0 / $1 }),
        ] as [(String, (Tensor, Tensor) -> Tensor, (Float, Float) -> Float)] {
            let out = op(a, bg)
            let expected = Self.naive(a, bg, out.shape, f)
            #expect(out.scalars == expected, "\(name) \(shapes.0) ∘ \(shapes.1)")
            // Gradients still reduce over the broadcast axes: d(sum)/db for add is the repeat count.
            out.sum().backward()
            #expect(a.grad?.shape == a.shape && bg.grad?.shape == bg.shape, "\(name) gradient shapes")
            a.zeroGrad()
            bg.zeroGrad()
        }
        let sum = (a + bg).sum()
        sum.backward()
        let repeats = Float((a + bg).count / bg.count)
        #expect(bg.grad?.scalars.allSatisfy { $0 == repeats } == true)
    }

    @Test(arguments: [
        ([2, 3, 4, 5], [0, 2, 1, 3]), ([4, 96, 12, 32], [0, 2, 1, 3]), ([3, 4, 5], [1, 0, 2]), ([5, 1, 7], [1, 0, 2]),
        ([2, 3, 4], [2, 1, 0]), ([6, 1], [1, 0]),
    ])
    func permuteMatchesNaive(_ c: ([Int], [Int])) {
        let (shape, axes) = c
        var rng = SeededRNG(seed: UInt64(shape.reduce(1, *)))
        let x = Tensor.randomNormal(shape, using: &rng, requiresGrad: true)
        let y = x.permuted(axes)
        #expect(y.shape == axes.map { shape[$0] })
        #expect(y.scalars.map(Double.init) == Reference.permute(x.scalars.map(Double.init), shape, axes: axes))
        // The gradient is the inverse permute of the upstream gradient.
        let g = Tensor.randomNormal(y.shape, using: &rng)
        (y * g).sum().backward()
        var inverse = [Int](repeating: 0, count: axes.count)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        #expect(
            x.grad?.scalars.map(Double.init) == Reference.permute(g.scalars.map(Double.init), y.shape, axes: inverse))
    }
}
