import ArbiterCore
import ArbiterTestSupport
import Foundation
import Testing

// LinearLogProbsTests: the fused `linearTokenLogProbsAndEntropy` against its naive Double
// reference (chunk sizes below, equal to, above and not dividing N; products small enough for our
// own loop and large enough for BLAS), finite differences for hidden and weight with both output
// columns weighted, equality with the unfused matmul + tokenLogProbs path (values and gradients),
// a frozen weight, and that nothing is recorded under `Tensor.noGrad`.
@testable import ArbiterTensor

@Suite struct LinearLogProbsTests {
    struct Shape: Sendable, CustomTestStringConvertible {
        let n: Int, c: Int, v: Int, chunkRows: Int
        var scale: Float = 1
        var testDescription: String { "N \(n), C \(c), V \(v), chunk \(chunkRows), scale \(scale)" }
    }

    /// hidden (N, C), weight (V, C) with N(0, scale²) / N(0, 1) entries and targets in 0..<V.
    static func inputs(_ s: Shape, seed: UInt64 = 7) -> (hidden: [Float], weight: [Float], targets: [Int]) {
        var rng = SeededRNG(seed: seed)
        let hidden = (0..<(s.n * s.c)).map { _ in rng.nextNormal() * s.scale }
        let weight = (0..<(s.v * s.c)).map { _ in rng.nextNormal() }
        let targets = (0..<s.n).map { _ in Int(rng.next() % UInt64(s.v)) }
        return (hidden, weight, targets)
    }

    @Test(arguments: [
        Shape(n: 5, c: 4, v: 7, chunkRows: 2),  // chunk does not divide N
        Shape(n: 5, c: 4, v: 7, chunkRows: 5),
        Shape(n: 5, c: 4, v: 7, chunkRows: 256),  // one chunk, buffer cut to N rows
        Shape(n: 6, c: 3, v: 13, chunkRows: 1),  // SIMD lanes plus a tail of 5
        Shape(n: 23, c: 40, v: 100, chunkRows: 10),  // BLAS chunks, last chunk in our own loop
        Shape(n: 9, c: 16, v: 33, chunkRows: 4, scale: 3),  // peaked rows: entropy near 0
    ])
    func forwardMatchesNaiveReference(_ s: Shape) {
        let (h, w, targets) = Self.inputs(s)
        let out = Tensor(h, shape: [s.n, s.c]).linearTokenLogProbsAndEntropy(
            weight: Tensor(w, shape: [s.v, s.c]), targets: targets, chunkRows: s.chunkRows)
        let reference = Reference.linearTokenLogProbsAndEntropy(
            h.map(Double.init), w.map(Double.init), columns: s.c, targets: targets)
        #expect(out.shape == [s.n, 2])
        for (i, (a, r)) in zip(out.scalars, reference).enumerated() {
            #expect(abs(Double(a) - r) <= 2e-5 * max(1, abs(r)), "\(s.testDescription): element \(i): \(a) vs \(r)")
        }
        // The reference itself: entropy within [0, log V], log-probabilities ≤ 0.
        for n in 0..<s.n {
            #expect(reference[2 * n] <= 0)
            #expect(reference[2 * n + 1] >= -1e-12 && reference[2 * n + 1] <= log(Double(s.v)) + 1e-12)
        }
    }

    @Test func uniformLogitsGiveLogVAndMinusLogV() {
        let out = Tensor.ones([3, 4]).linearTokenLogProbsAndEntropy(
            weight: Tensor.zeros([10, 4]), targets: [0, 9, 4], chunkRows: 2)
        for n in 0..<3 {
            #expect(abs(out.scalars[2 * n] + Float(log(10.0))) <= 1e-6)
            #expect(abs(out.scalars[2 * n + 1] - Float(log(10.0))) <= 1e-6)
        }
    }

    @Test(arguments: [
        Shape(n: 5, c: 4, v: 7, chunkRows: 2), Shape(n: 5, c: 3, v: 11, chunkRows: 1),
        Shape(n: 4, c: 3, v: 9, chunkRows: 8),
    ])
    func gradientMatchesFiniteDifferences(_ s: Shape) {
        let (h, w, targets) = Self.inputs(s)
        let report = GradientCheck.check(
            inputs: [(h, [s.n, s.c]), (w, [s.v, s.c])],
            forward: { $0[0].linearTokenLogProbsAndEntropy(weight: $0[1], targets: targets, chunkRows: s.chunkRows) },
            reference: { Reference.linearTokenLogProbsAndEntropy($0[0], $0[1], columns: s.c, targets: targets) })
        let ratio = report.gradientErrorRatio(absolute: 1e-4, relative: 1e-3)
        #expect(ratio <= 1, "\(s.testDescription): \(report), error ratio \(ratio)")
        #expect(report.analytic.allSatisfy { $0.contains { $0 != 0 } }, "both inputs get a gradient")
    }

    /// Column 0 equals `hidden · weightᵀ` then `tokenLogProbs`, and so do its gradients.
    @Test(arguments: [Shape(n: 5, c: 4, v: 7, chunkRows: 2), Shape(n: 23, c: 40, v: 100, chunkRows: 10)])
    func logProbColumnMatchesUnfusedPath(_ s: Shape) throws {
        let (h, w, targets) = Self.inputs(s)
        var rng = SeededRNG(seed: 99)
        let upstream = (0..<s.n).map { _ in rng.nextNormal() }
        let fusedHidden = Tensor(h, shape: [s.n, s.c], requiresGrad: true)
        let fusedWeight = Tensor(w, shape: [s.v, s.c], requiresGrad: true)
        let fused = fusedHidden.linearTokenLogProbsAndEntropy(
            weight: fusedWeight, targets: targets, chunkRows: s.chunkRows)
        fused.multiplying(Tensor(upstream.flatMap { [$0, 0] }, shape: [s.n, 2])).sum().backward()

        let hidden = Tensor(h, shape: [s.n, s.c], requiresGrad: true)
        let weight = Tensor(w, shape: [s.v, s.c], requiresGrad: true)
        let unfused = hidden.matmul(weight, transposeB: true).tokenLogProbs(targets: targets)
        unfused.multiplying(Tensor(upstream, shape: [s.n])).sum().backward()

        let fusedLogp = (0..<s.n).map { fused.scalars[2 * $0] }
        #expect(maxAbsDifference(fusedLogp, unfused.scalars) <= 1e-5)
        let dh = try #require(fusedHidden.grad?.scalars)
        let dw = try #require(fusedWeight.grad?.scalars)
        #expect(dh.count == s.n * s.c && dw.count == s.v * s.c)
        #expect(maxAbsDifference(dh, try #require(hidden.grad?.scalars)) <= 1e-5)
        #expect(maxAbsDifference(dw, try #require(weight.grad?.scalars)) <= 1e-5)
    }

    /// A frozen weight (tied embeddings under LoRA) gets no gradient; hidden's is unchanged.
    @Test func frozenWeightGetsNoGradient() {
        let s = Shape(n: 6, c: 5, v: 9, chunkRows: 4)
        let (h, w, targets) = Self.inputs(s)
        let upstream = Tensor((0..<(2 * s.n)).map { Float($0 % 5) - 2 }, shape: [s.n, 2])
        func run(weightTracks: Bool) -> (hidden: Tensor, weight: Tensor) {
            let hidden = Tensor(h, shape: [s.n, s.c], requiresGrad: true)
            let weight = Tensor(w, shape: [s.v, s.c], requiresGrad: weightTracks)
            hidden.linearTokenLogProbsAndEntropy(weight: weight, targets: targets, chunkRows: s.chunkRows)
                .multiplying(upstream).sum().backward()
            return (hidden, weight)
        }
        let frozen = run(weightTracks: false)
        let trained = run(weightTracks: true)
        #expect(frozen.weight.grad == nil)
        #expect(trained.weight.grad != nil)
        #expect(frozen.hidden.grad?.scalars == trained.hidden.grad?.scalars)
    }

    /// Rollout-time log-probabilities: nothing on the tape, whatever the inputs track.
    @Test func noGradRecordsNothing() {
        let hidden = Tensor.ones([3, 4], requiresGrad: true)
        let weight = Tensor.ones([5, 4], requiresGrad: true)
        let inside = Tensor.noGrad {
            hidden.linearTokenLogProbsAndEntropy(weight: weight, targets: [0, 1, 4], chunkRows: 2)
        }
        #expect(inside.node == nil)
        #expect(!inside.tracksGrad)
        let untracked = Tensor.ones([3, 4]).linearTokenLogProbsAndEntropy(
            weight: Tensor.ones([5, 4]), targets: [0, 1, 4])
        #expect(untracked.node == nil)
        // Recorded, the node keeps per-row values only (N each), never (N, V) logits.
        let recorded = hidden.linearTokenLogProbsAndEntropy(weight: weight, targets: [0, 1, 4], chunkRows: 2)
        let payload = recorded.node?.payload(as: LinearLogProbsPayload.self)
        #expect(recorded.node?.op == .linearTokenLogProbs)
        #expect(payload?.lse.count == 3 && payload?.entropy.count == 3 && payload?.targets == [0, 1, 4])
        #expect(inside.scalars == recorded.scalars)
    }

    @Test func targetOutOfRangeStops() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).linearTokenLogProbsAndEntropy(weight: Tensor.zeros([4, 3]), targets: [1, 4])
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("target 4 out of range for vocabulary 4"), "\(message)")
    }
}
