import ArbiterCore
import ArbiterTestSupport
import CArbiterKernels
import Foundation
import Testing

// AttentionInferenceTests: the forward-only attention kernel `Tensor.attention` runs when nothing
// is recorded (Tensor+AttentionInference.swift) against the naive Double reference and against
// the recorded kernel, over small shapes (our loops), prompt-sized ones (BLAS, causal blocks, tasks
// in parallel), one-token decode steps after a cached prefix, key padding (lengths, bool masks,
// rows with no valid key) and grouped-query heads; the vector exp it uses and the AVX2 row
// softmax against a Double softmax.
@testable import ArbiterTensor

@Suite struct AttentionInferenceTests {
    struct Shape: CustomStringConvertible, Sendable {
        let b: Int, hq: Int, hkv: Int, tq: Int, tk: Int, d: Int, dv: Int
        let causal: Bool
        let padding: KeyPadding
        var description: String { "b\(b) hq\(hq) hkv\(hkv) tq\(tq) tk\(tk) d\(d) dv\(dv) causal \(causal) \(padding)" }
    }

    static let shapes: [Shape] = [
        Shape(b: 2, hq: 4, hkv: 2, tq: 5, tk: 5, d: 8, dv: 8, causal: true, padding: .none),  // our loops
        Shape(b: 2, hq: 3, hkv: 1, tq: 1, tk: 37, d: 16, dv: 16, causal: true, padding: .none),  // a decode step
        Shape(
            b: 2, hq: 2, hkv: 1, tq: 3, tk: 9, d: 8, dv: 4, causal: true,
            padding: .mask((0..<18).map { $0 % 9 != 2 && $0 != 10 })),  // cached prefix with padded columns
        // an empty row
        Shape(b: 2, hq: 2, hkv: 2, tq: 4, tk: 6, d: 8, dv: 8, causal: false, padding: .lengths([6, 0])),
        // BLAS, 3 row blocks
        Shape(b: 1, hq: 9, hkv: 3, tq: 150, tk: 150, d: 64, dv: 64, causal: true, padding: .none),
        Shape(b: 2, hq: 4, hkv: 2, tq: 70, tk: 130, d: 32, dv: 32, causal: true, padding: .lengths([130, 101])),
        Shape(b: 1, hq: 2, hkv: 1, tq: 96, tk: 96, d: 64, dv: 48, causal: false, padding: .none),
    ]

    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededRNG(seed: seed)
        return Tensor.randomNormal(shape, using: &rng, requiresGrad: true)
    }

    @Test(arguments: shapes)
    func forwardOnlyMatchesReferenceAndRecordedKernel(_ s: Shape) throws {
        let q = Self.random([s.b, s.hq, s.tq, s.d], seed: 11)
        let k = Self.random([s.b, s.hkv, s.tk, s.d], seed: 12)
        let v = Self.random([s.b, s.hkv, s.tk, s.dv], seed: 13)
        let fast = Tensor.noGrad { Tensor.attention(query: q, key: k, value: v, causal: s.causal, padding: s.padding) }
        #expect(fast.node == nil)
        #expect(fast.shape == [s.b, s.hq, s.tq, s.dv])
        let recorded = Tensor.attention(query: q, key: k, value: v, causal: s.causal, padding: s.padding)
        #expect(recorded.node != nil)
        let reference = Reference.attention(
            q: q.scalars.map(Double.init), k: k.scalars.map(Double.init), v: v.scalars.map(Double.init),
            b: s.b, hq: s.hq, hkv: s.hkv, tq: s.tq, tk: s.tk, d: s.d, dv: s.dv, causal: s.causal, padding: s.padding,
            scale: 1 / Double(s.d).squareRoot())
        // Float sums over ≤ 150 keys of O(1) values (scores up to ~|8|, so exp's relative 2e-7 error matters little).
        #expect(maxAbsDifference(fast.scalars, reference) < 2e-5, "\(s)")
        #expect(maxAbsDifference(fast.scalars, recorded.scalars) < 2e-5, "\(s)")
        #expect(fast.scalars.allSatisfy { $0.isFinite })
    }

    /// The portable Swift loops (used where the CPU has no AVX2: few-row dots and the masked
    /// softmax of prompt-sized blocks) against the reference.
    @Test(arguments: shapes.filter { $0.d == $0.dv })
    func swiftLoopsMatchReference(_ s: Shape) {
        let q = Self.random([s.b, s.hq, s.tq, s.d], seed: 21)
        let k = Self.random([s.b, s.hkv, s.tk, s.d], seed: 22)
        let v = Self.random([s.b, s.hkv, s.tk, s.dv], seed: 23)
        let payload = AttentionPayload(
            b: s.b, hq: s.hq, hkv: s.hkv, tq: s.tq, tk: s.tk, d: s.d, dv: s.dv, scale: 1 / Float(s.d).squareRoot(),
            causal: s.causal, padding: s.padding, lse: [])
        var out = [Float](repeating: .nan, count: s.b * s.hq * s.tq * s.dv)
        q.scalars.withUnsafeBufferPointer { pq in
            k.scalars.withUnsafeBufferPointer { pk in
                v.scalars.withUnsafeBufferPointer { pv in
                    out.withUnsafeMutableBufferPointer { po in
                        payload.inferenceForward(
                            q: pq.baseAddress!, k: pk.baseAddress!, v: pv.baseAddress!, out: po.baseAddress!,
                            allowCKernels: false)
                    }
                }
            }
        }
        let reference = Reference.attention(
            q: q.scalars.map(Double.init), k: k.scalars.map(Double.init), v: v.scalars.map(Double.init),
            b: s.b, hq: s.hq, hkv: s.hkv, tq: s.tq, tk: s.tk, d: s.d, dv: s.dv, causal: s.causal, padding: s.padding,
            scale: 1 / Double(s.d).squareRoot())
        #expect(maxAbsDifference(out, reference) < 2e-5, "\(s)")
    }

    /// CArbiterKernels' row softmax against a Double softmax of the same floats: every length 1…40
    /// with every visible prefix, −∞ entries (masked keys) inside and at the ends, rows with
    /// nothing visible, and large scores (up to about ±100).
    @Test func avx2RowSoftmaxMatchesDoubleSoftmax() {
        guard AVX2Kernels.available else { return }
        var rng = SeededRNG(seed: 77)
        var worst = 0.0
        for count in 1...40 {
            for limit in 0...count {
                var row = (0..<count).map { _ in rng.nextNormal() * (count % 3 == 0 ? 30 : 3) }
                if count % 4 == 1 { for j in stride(from: 0, to: count, by: 3) { row[j] = -.infinity } }
                let input = row
                row.withUnsafeMutableBufferPointer { arbiter_softmax_row_avx2($0.baseAddress!, limit, count) }
                let visible = input[..<limit].filter { $0 != -.infinity }.map(Double.init)
                let m = visible.max() ?? 0
                let total = visible.reduce(0) { $0 + Foundation.exp($1 - m) }
                for j in 0..<count {
                    let expected =
                        j < limit && input[j] != -.infinity ? Foundation.exp(Double(input[j]) - m) / total : 0
                    worst = max(worst, abs(Double(row[j]) - expected))
                    // Relative 4e-6, plus the rounding of x − max in float (half an ulp of |x − max|).
                    let gap = j < limit && input[j].isFinite ? abs(Double(input[j]) - m) : 0
                    #expect(
                        abs(Double(row[j]) - expected) <= expected * (4e-6 + 6e-8 * gap) + 1e-30,
                        "count \(count) limit \(limit) j \(j)")
                }
            }
        }
        print("AVX2 row softmax: max |Δ| vs Double \(worst)")
    }

    @Test func emptyRowsAreZero() {
        let q = Self.random([2, 2, 4, 8], seed: 1)
        let k = Self.random([2, 2, 6, 8], seed: 2)
        let v = Self.random([2, 2, 6, 8], seed: 3)
        let out = Tensor.noGrad {
            Tensor.attention(query: q, key: k, value: v, causal: false, padding: .lengths([6, 0]))
        }
        #expect(out.scalars[(2 * 4 * 8)...].allSatisfy { $0 == 0 })
        #expect(out.scalars[..<(2 * 4 * 8)].contains { $0 != 0 })
    }

    @Test func vectorExpIsCloseToLibm() {
        var worst = 0.0
        var x: Float = -87
        while x < 88 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 1e-3 })
            let e = simdExp(lanes)
            for i in 0..<8 {
                let exact = Foundation.exp(Double(lanes[i]))
                worst = max(worst, abs(Double(e[i]) - exact) / exact)
            }
            x += 0.0173
        }
        #expect(worst < 3e-7)
        #expect(simdExp(-Float.infinity) == simdExp(-88.0))  // clamped: ≈ 1.2e-38, never NaN
        #expect(simdExp(-Float.infinity) < 1e-37)
        #expect(simdExp(Float.nan).isNaN)
        #expect(simdExp(Float(0)) == 1)
    }
}
