import ArbiterCore
import ArbiterTestSupport
import Testing

// AttentionBLASPathTests: the large-head attention path (each (batch, kv head) unit's g query
// heads stacked into one GEMM on BLAS, softmax rows split over cores) against the composite
// formulation (matmul + mask + softmax + matmul, kv heads repeated for GQA), forward and backward.
@testable import ArbiterTensor

@Suite struct AttentionBLASPathTests {
    static func normal(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededRNG(seed: seed)
        return Tensor.randomNormal(shape, using: &rng, requiresGrad: true)
    }

    /// Repeats each kv head g times along axis 1: (B, Hkv, T, D) → (B, Hkv·g, T, D).
    static func repeatHeads(_ x: Tensor, _ g: Int) -> Tensor {
        let heads = (0..<x.shape[1]).flatMap { h in Array(repeating: x.slice(alongAxis: 1, h..<(h + 1)), count: g) }
        return Tensor.concat(heads, alongAxis: 1)
    }

    @Test(arguments: [(128, 128), (112, 192)])
    func stackedGroupBLASPathMatchesComposite(tq: Int, tk: Int) throws {
        let (b, hq, hkv, d) = (1, 4, 2, 32)
        let q = Self.normal([b, hq, tq, d], seed: 1)
        let k = Self.normal([b, hkv, tk, d], seed: 2)
        let v = Self.normal([b, hkv, tk, d], seed: 3)
        let w = Self.normal([b, hq, tq, d], seed: 4).detached()
        let fused = Tensor.attention(query: q, key: k, value: v, causal: true)
        let payload = try #require(fused.node).payload(as: AttentionPayload.self)
        #expect(payload.usesBLAS)
        (fused * w).sum().backward()
        let fusedGrads = [q, k, v].map { $0.grad?.scalars ?? [] }
        [q, k, v].forEach { $0.zeroGrad() }

        var maskValues = [Float](repeating: 0, count: tq * tk)  // query i sees keys j ≤ tk − tq + i
        for i in 0..<tq { for j in 0..<tk where j > tk - tq + i { maskValues[i * tk + j] = -.infinity } }
        let mask = Tensor(maskValues, shape: [tq, tk])
        let kr = Self.repeatHeads(k, hq / hkv)
        let vr = Self.repeatHeads(v, hq / hkv)
        let scores = q.matmul(kr, transposeB: true) * (1 / Float(d).squareRoot()) + mask
        let composite = scores.softmax().matmul(vr)
        (composite * w).sum().backward()
        // Same math in another summation order over ≤ 160 terms of O(1) values.
        #expect(maxAbsDifference(fused.scalars, composite.scalars) < 1e-5)
        for (f, c) in zip(fusedGrads, [q, k, v].map { $0.grad?.scalars ?? [] }) {
            #expect(maxAbsDifference(f, c) < 1e-4)
        }
    }
}
