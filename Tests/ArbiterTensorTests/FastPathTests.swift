import ArbiterCore
import ArbiterTestSupport
import Foundation
import Testing

// FastPathTests: shapes large enough to take the fast paths (cblas_sgemm, multi-core splitting
// above TensorParallel.minimumWork) checked against the naive references, plus cross-checks between
// equivalent formulations (RoPE layouts, fused vs composite attention, chunked token log-probs).
@testable import ArbiterTensor

@Suite struct FastPathTests {
    static func normal(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededRNG(seed: seed)
        return Tensor.randomNormal(shape, using: &rng, requiresGrad: true)
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func blasMatmulMatchesReference(_ transposes: (Bool, Bool)) {
        let (ta, tb) = transposes
        let (m, k, n) = (40, 50, 60)  // m·n·k = 120 000 > GEMM.tinyWork: cblas_sgemm path
        let a = Self.normal(ta ? [k, m] : [m, k], seed: 1)
        let b = Self.normal(tb ? [n, k] : [k, n], seed: 2)
        let w = Self.normal([m, n], seed: 3)
        let c = a.matmul(b, transposeA: ta, transposeB: tb)
        (c * w.detached()).sum().backward()
        let ad = a.scalars.map(Double.init)
        let bd = b.scalars.map(Double.init)
        let wd = w.scalars.map(Double.init)
        let ref = Reference.matmul(ad, a.shape, bd, b.shape, transposeA: ta, transposeB: tb)
        // K = 50 products of N(0,1) values: |c| ~ 7, Float32 accumulation error ~ √50·6e-8·7 ≈ 3e-6.
        #expect(maxAbsDifference(c.scalars, ref) < 1e-4)
        // dA = W·op(B)ᵀ (laid out like A), dB = op(A)ᵀ·W (laid out like B), in Double.
        let dOpA = Reference.matmul(wd, [m, n], bd, b.shape, transposeA: false, transposeB: !tb)  // (m, k)
        let dA = ta ? Reference.permute(dOpA, [m, k], axes: [1, 0]) : dOpA
        let dOpB = Reference.matmul(ad, a.shape, wd, [m, n], transposeA: !ta, transposeB: false)  // (k, n)
        let dB = tb ? Reference.permute(dOpB, [k, n], axes: [1, 0]) : dOpB
        #expect(maxAbsDifference(a.grad?.scalars ?? [], dA) < 1e-4)
        #expect(maxAbsDifference(b.grad?.scalars ?? [], dB) < 1e-4)
    }

    @Test func flattenedLinearLayerMatchesPerBatchProducts() {
        // x (2, 30, 40) · Wᵀ with W (50, 40): one (60, 40) × (40, 50) sgemm instead of two.
        let x = Self.normal([2, 30, 40], seed: 30)
        let w = Self.normal([50, 40], seed: 31)
        let g = Self.normal([2, 30, 50], seed: 32).detached()
        let fused = x.matmul(w, transposeB: true)
        (fused * g).sum().backward()
        let (dx, dw) = (x.grad?.scalars ?? [], w.grad?.scalars ?? [])
        x.zeroGrad()
        w.zeroGrad()
        let perBatch = Tensor.concat(
            (0..<2).map { x.slice(alongAxis: 0, $0..<($0 + 1)).reshaped([30, 40]).matmul(w, transposeB: true) },
            alongAxis: 0)
        (perBatch.reshaped([2, 30, 50]) * g).sum().backward()
        // Same products, different BLAS blocking: K = 40 (forward) / 60 (dW) sums of O(1) terms.
        #expect(maxAbsDifference(fused.scalars, perBatch.scalars) < 1e-4)
        #expect(maxAbsDifference(dx, x.grad?.scalars ?? []) < 1e-4)
        #expect(maxAbsDifference(dw, w.grad?.scalars ?? []) < 1e-4)
    }

    @Test func parallelElementwiseAndReductionsMatchReference() {
        let x = Self.normal([300, 256], seed: 4)  // 76 800 elements > TensorParallel.minimumWork
        let xd = x.scalars.map(Double.init)
        // Single transcendental per element: ≤ 2 ulp of values ≤ e^5.
        #expect(maxAbsDifference(x.exp().scalars, Reference.unary(.exp, xd)) < 1e-4)
        #expect(maxAbsDifference((x * x).scalars, xd.map { $0 * $0 }) < 1e-5)
        #expect(maxAbsDifference(x.softmax().scalars, Reference.softmax(xd, [300, 256], axis: 1, log: false)) < 1e-6)
        // Row sums of 256 N(0,1) values: |sum| ~ 16, Float32 error ≤ 256·6e-8·16.
        #expect(
            maxAbsDifference(x.sum(alongAxis: 1).scalars, Reference.reduce(xd, [300, 256], axes: [1], initial: 0, +))
                < 1e-3)
        let w = Self.normal([256], seed: 5)
        #expect(
            maxAbsDifference(
                x.rmsNorm(weight: w).scalars,
                Reference.norm(
                    xd, channels: 256, weight: w.scalars.map(Double.init), bias: nil, eps: 1e-6, center: false)) < 1e-5)
    }

    @Test func ropeLayoutsAgreeAfterDeinterleaving() {
        let x = Self.normal([2, 3, 5, 8], seed: 6)
        // Interleaved pairs (2i, 2i+1) become half-split pairs (i, i + 4) under this permutation.
        let toHalf = [0, 2, 4, 6, 1, 3, 5, 7]
        func gatherLast(_ t: Tensor, _ order: [Int]) -> [Float] {
            stride(from: 0, to: t.count, by: 8).flatMap { base in order.map { t.scalars[base + $0] } }
        }
        let a = x.rope(layout: .interleaved, theta: 10_000, positionOffset: 7)
        let xHalf = Tensor(gatherLast(x, toHalf), shape: x.shape)
        let b = xHalf.rope(layout: .halfSplit, theta: 10_000, positionOffset: 7)
        #expect(maxAbsDifference(gatherLast(a, toHalf), b.scalars) < 1e-6)
        // Position 0 is the identity; rotation preserves each pair's norm.
        let first = x.slice(alongAxis: 2, 0..<1).rope(layout: .halfSplit)
        #expect(first.scalars == x.slice(alongAxis: 2, 0..<1).scalars)
        let n0 = x.scalars.map { Double($0 * $0) }.reduce(0, +)
        let n1 = a.scalars.map { Double($0 * $0) }.reduce(0, +)
        #expect(abs(n0 - n1) / n0 < 1e-5)
    }

    @Test func fusedAttentionMatchesCompositeOnTheParallelPath() {
        let (b, h, t, d) = (2, 4, 32, 16)  // 8 units × 32·32·32 work > TensorParallel.minimumWork
        let q = Self.normal([b, h, t, d], seed: 7)
        let k = Self.normal([b, h, t, d], seed: 8)
        let v = Self.normal([b, h, t, d], seed: 9)
        let w = Self.normal([b, h, t, d], seed: 10).detached()
        let fused = Tensor.attention(query: q, key: k, value: v)
        // Only the (B, H, T) row statistics are saved; probabilities are recomputed in backward.
        #expect(fused.node.map { $0.payload(as: AttentionPayload.self).lse.count } == b * h * t)
        (fused * w).sum().backward()
        let fusedGrads = [q, k, v].map { $0.grad?.scalars ?? [] }
        [q, k, v].forEach { $0.zeroGrad() }

        var maskValues = [Float](repeating: 0, count: t * t)
        for i in 0..<t { for j in (i + 1)..<t where j < t { maskValues[i * t + j] = -.infinity } }
        let mask = Tensor(maskValues, shape: [t, t])
        let scores = q.matmul(k, transposeB: true) * (1 / Float(d).squareRoot()) + mask
        let composite = scores.softmax().matmul(v)
        (composite * w).sum().backward()
        // Same math in a different order: T = 32 term sums of O(1) values.
        #expect(maxAbsDifference(fused.scalars, composite.scalars) < 1e-5)
        for (f, c) in zip(fusedGrads, [q, k, v].map { $0.grad?.scalars ?? [] }) {
            #expect(maxAbsDifference(f, c) < 1e-4)
        }
    }

    @Test func tokenLogProbsKeepsOnlyRowStatisticsAndMatchesReference() throws {
        let (n, vocab) = (64, 2048)  // 131 072 logits: parallel row chunks
        let logits = Self.normal([n, vocab], seed: 12)
        var rng = SeededRNG(seed: 13)
        let targets = (0..<n).map { _ in Int(rng.next() % UInt64(vocab)) }
        let lp = logits.tokenLogProbs(targets: targets)
        let node = try #require(lp.node)
        let payload = node.payload(as: TokenLogProbPayload.self)
        #expect(payload.lse.count == n)  // (N) statistics only; no (N, V) tensor saved
        let xd = logits.scalars.map(Double.init)
        #expect(maxAbsDifference(lp.scalars, Reference.tokenLogProbs(xd, columns: vocab, targets: targets)) < 1e-5)
        let g = (0..<n).map { Float($0 % 5) - 2 }
        (lp * Tensor(g, shape: [n])).sum().backward()
        var expected = [Double](repeating: 0, count: n * vocab)
        for r in 0..<n {
            let row = xd[(r * vocab)..<((r + 1) * vocab)]
            let m = row.max() ?? 0
            let z = row.map { Foundation.exp($0 - m) }.reduce(0, +)
            for j in 0..<vocab {
                expected[r * vocab + j] =
                    Double(g[r]) * ((j == targets[r] ? 1 : 0) - Foundation.exp(xd[r * vocab + j] - m) / z)
            }
        }
        #expect(maxAbsDifference(logits.grad?.scalars ?? [], expected) < 1e-6)
    }

    @Test func crossEntropyEqualsMeanNegativeTokenLogProb() {
        let logits = Self.normal([6, 7], seed: 14)
        let targets = [1, 6, -100, 0, 3, -100]
        let ce = logits.crossEntropy(targets: targets).item()
        let kept = [0, 1, 3, 4]
        let lp = logits.tokenLogProbs(targets: targets.map { max($0, 0) }).scalars
        let expected = -kept.map { lp[$0] }.reduce(0, +) / 4
        #expect(abs(ce - expected) < 1e-6)
        #expect(logits.crossEntropy(targets: [Int](repeating: -100, count: 6)).item() == 0)
    }
}

@Suite struct StabilityTests {
    @Test func softmaxFamilyIsStableForLargeLogits() {
        let x = Tensor([1000, 1001, 1002, -1000, -1001, -1002], shape: [2, 3])
        let shifted = [0.0, 1, 2, 0, -1, -2]
        // Same values as the reference on shifted inputs: softmax is shift-invariant.
        #expect(maxAbsDifference(x.softmax().scalars, Reference.softmax(shifted, [2, 3], axis: 1, log: false)) < 1e-6)
        #expect(
            maxAbsDifference(x.logSoftmax().scalars, Reference.softmax(shifted, [2, 3], axis: 1, log: true)) < 1e-5)
        let lse = x.logSumExp().scalars
        #expect(abs(lse[0] - 1002.4076) < 1e-3 && abs(lse[1] + 999.5924) < 1e-3)
        let ce = x.crossEntropy(targets: [2, 0]).item()
        #expect(ce.isFinite && abs(ce - 0.4076) < 1e-3)
        #expect(x.tokenLogProbs(targets: [0, 2]).scalars.allSatisfy { $0.isFinite })
    }

    @Test func maskedInfinitiesDoNotPoisonSoftmax() {
        let x = Tensor([0, -.infinity, 1, -.infinity, -.infinity, -.infinity], shape: [2, 3], requiresGrad: true)
        let y = x.softmax()
        #expect(y.scalars[1] == 0 && y.scalars[0].isFinite)
        (y.slice(alongAxis: 0, 0..<1) * Tensor([1, 2, 3], shape: [3])).sum().backward()
        #expect(x.grad?.scalars.prefix(3).allSatisfy { $0.isFinite } == true)
    }

    @Test func largeReductionsSplitOverCoresMatchReference() {
        var rng = SeededRNG(seed: 21)
        let x = Tensor.randomNormal([2, 150, 230], using: &rng)  // 69 000 elements > TensorParallel.minimumWork
        let xd = x.scalars.map(Double.init)
        for axis in 0..<3 {
            // Sums of ≤ 230 N(0,1) values: |sum| ≲ 50, Float32 error ≤ 230·6e-8·50 ≈ 7e-4 worst case.
            #expect(
                maxAbsDifference(
                    x.sum(alongAxis: axis).scalars, Reference.reduce(xd, [2, 150, 230], axes: [axis], initial: 0, +))
                    < 2e-3)
            #expect(
                x.max(alongAxis: axis).scalars
                    == Reference.reduce(xd, [2, 150, 230], axes: [axis], initial: -.infinity, Swift.max).map(Float.init)
            )
        }
    }
}
