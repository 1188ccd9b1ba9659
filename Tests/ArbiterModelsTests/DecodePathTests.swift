import ArbiterCore
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Synchronization
import Testing

// DecodePathTests: the pieces of the fast decode path. (1) The AVX2 block kernels (CArbiterKernels)
// against the portable Swift kernels on random blocks of every type: both compute exact integer
// block sums, so they differ only by float summation order (≤ 1e-5·Σ|w·x̂|); the eight-row
// repacked kernels (row counts that are not multiples of 8 included) and the row-at-a-time ones
// that Q4_0 falls back to when a scale cannot be repacked, each checked; (2) one fused job
// over several matrices equals one product per matrix; (3) the WorkerPool pool runs every part
// exactly once, also with callers racing for it; (4) the preallocated KV cache, grown past its
// first capacity, gives the logits of a full uncached run, on the inference and the recorded path.
@testable import ArbiterModels

@Suite struct DecodePathTests {
    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0])
    func avx2KernelsMatchSwiftKernels(type: GGMLType) throws {
        try #require(QuantizedKernels.avx2Available, "this CPU has no AVX2; the Swift kernels are the only path")
        var rng = SplitMix64(seed: 0xA5_F2 &+ UInt64(type.rawValue))
        for (rows, columns, n) in [(7, 96, 1), (1, 32, 1), (13, 256, 3), (8, 64, 8), (4, 576, 2), (1003, 64, 1)] {
            let bytes = QuantizedMatrixTests.randomBlocks(type, blocks: rows * columns / 32, &rng)
            let matrix = try QuantizedMatrix(type: type, rows: rows, columns: columns, bytes: bytes)
            #expect(matrix.packed != nil, "\(type): realistic scales are repacked for the eight-row kernels")
            try Self.expectKernelsAgree(matrix, bytes: bytes, n: n, &rng)
        }
    }

    /// Q4_0 blocks whose scale is subnormal or near the f16 limit cannot be stored as Q4_1
    /// (m = −8·d would round or overflow): such a matrix keeps the row-at-a-time AVX2 kernel.
    @Test(arguments: [UInt16(0x0001), 0x7A00, 0x7C00])
    func q4_0ScalesThatCannotBeRepackedUseRowKernel(scale: UInt16) throws {
        try #require(QuantizedKernels.avx2Available, "this CPU has no AVX2; the Swift kernels are the only path")
        var rng = SplitMix64(seed: UInt64(scale))
        let (rows, columns) = (11, 64)
        var bytes = QuantizedMatrixTests.randomBlocks(.q4_0, blocks: rows * columns / 32, &rng)
        bytes[5 * 18] = UInt8(scale & 0xFF)  // block 5 (row 2)
        bytes[5 * 18 + 1] = UInt8(scale >> 8)
        let matrix = try QuantizedMatrix(type: .q4_0, rows: rows, columns: columns, bytes: bytes)
        #expect(matrix.packed == nil)
        // (an infinite scale has no reference)
        if scale != 0x7C00 { try Self.expectKernelsAgree(matrix, bytes: bytes, n: 2, &rng) }
        bytes[5 * 18 + 1] = 0x18  // a normal scale again: repacked
        #expect(try QuantizedMatrix(type: .q4_0, rows: rows, columns: columns, bytes: bytes).packed != nil)
    }

    /// The AVX2 product of `matrix` against the Swift kernels, within float rounding of Σ|w·x̂|.
    static func expectKernelsAgree(_ matrix: QuantizedMatrix, bytes: [UInt8], n: Int, _ rng: inout SplitMix64) throws {
        let (type, rows, columns) = (matrix.type, matrix.rows, matrix.columns)
        let w = try Dequantizer.dequantize(type: type, bytes: bytes, count: rows * columns)
        let x = QuantizedMatrixTests.randomActivations(n * columns, &rng)
        let xq = x.withUnsafeBufferPointer { QuantizedActivations($0, rows: n, columns: columns) }
        let fast = matrix.multiply(xq, useAVX2: true)
        let portable = matrix.multiply(xq, useAVX2: false)
        for b in 0..<n {
            for r in 0..<rows {
                var scale = 0.0
                for i in 0..<columns {
                    scale += abs(Double(w[r * columns + i]) * Double(xq.dequantized(row: b, column: i)))
                }
                let gap = abs(Double(fast[b * rows + r]) - Double(portable[b * rows + r]))
                #expect(
                    gap <= 1e-5 * max(scale, 1e-30),
                    "\(type) (\(rows), \(columns)) row \(r) batch \(b): \(gap) vs scale \(scale)")
            }
        }
    }

    @Test func fusedJobEqualsSeparateProducts() throws {
        var rng = SplitMix64(seed: 4242)
        let columns = 256
        let shapes = [(type: GGMLType.q4_1, rows: 600), (type: .q4_0, rows: 37), (type: .q8_0, rows: 1100)]
        let matrices = try shapes.map { s in
            try QuantizedMatrix(
                type: s.type, rows: s.rows, columns: columns,
                bytes: QuantizedMatrixTests.randomBlocks(s.type, blocks: s.rows * columns / 32, &rng))
        }
        let x = QuantizedMatrixTests.randomActivations(2 * columns, &rng)
        let xq = x.withUnsafeBufferPointer { QuantizedActivations($0, rows: 2, columns: columns) }
        let fused = QuantizedMatrix.multiply(matrices, xq)
        for (m, y) in zip(matrices, fused) { #expect(y == m.multiply(xq)) }
    }

    /// Hit counts shared with pool parts and tasks.
    final class Tally: Sendable {
        let counts: Mutex<[Int]>
        init(_ n: Int) { counts = Mutex(Array(repeating: 0, count: n)) }
        func hit(_ i: Int) { counts.withLock { $0[i] += 1 } }
        var snapshot: [Int] { counts.withLock { $0 } }
    }

    @Test func workersRunEveryPartOnce() async {
        let pool = WorkerPool.shared
        for parts in [0, 1, 2, 3, 8, 100] {
            let tally = Tally(parts)
            pool.run(parts: parts) { tally.hit($0) }
            #expect(tally.snapshot == Array(repeating: 1, count: parts), "\(parts) parts")
        }
        // Callers on several threads at once: one gets the pool, the others run alone; all finish.
        let total = Tally(1)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    for _ in 0..<50 { pool.run(parts: 16) { _ in total.hit(0) } }
                }
            }
        }
        #expect(total.snapshot == [6 * 50 * 16])
    }

    /// Fused products from several threads at once (one holds the pool, the others run alone)
    /// equal the same products computed on one thread, bit for bit.
    @Test func concurrentProductsAreExact() async throws {
        var rng = SplitMix64(seed: 77)
        let columns = 576
        let matrices = try [(GGMLType.q4_1, 1536), (.q4_1, 576), (.q8_0, 2048)].map { type, rows in
            try QuantizedMatrix(
                type: type, rows: rows, columns: columns,
                bytes: QuantizedMatrixTests.randomBlocks(type, blocks: rows * columns / 32, &rng))
        }
        let inputs = (0..<8).map { _ in QuantizedMatrixTests.randomActivations(columns, &rng) }
        let activations = inputs.map { x in
            x.withUnsafeBufferPointer { QuantizedActivations($0, rows: 1, columns: columns) }
        }
        let expected = activations.map { x in
            matrices.map { m in
                (0..<m.rows).flatMap { r in
                    // Row by row on this thread: no pool, no parallel split.
                    (try? QuantizedMatrix(
                        type: m.type, rows: 1, columns: columns,
                        bytes: Array(UnsafeRawBufferPointer(start: m.base + r * m.rowBytes, count: m.rowBytes))))?
                        .multiply(x) ?? []
                }
            }
        }
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var bad = 0
                    for round in 0..<20 {
                        let i = (task + round) % 8
                        if QuantizedMatrix.multiply(matrices, activations[i]) != expected[i] { bad += 1 }
                    }
                    return bad
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }

    /// 3 prompt tokens then 70 cached steps (the cache starts with room for 3 + 64 columns and grows)
    /// equal one uncached 73-token run, with and without gradient recording.
    @Test func growingCacheMatchesFullRun() throws {
        let model = try LlamaLoadingTests.model()
        var rng = SplitMix64(seed: 7)
        let tokens = (0..<73).map { _ in rng.below(LlamaLoadingTests.vocab) }
        let full = Tensor.noGrad { model.logits(tokens: [tokens]) }.scalars  // (1, 73, V)
        for recorded in [false, true] {
            let cache = KVCache(for: model)
            func step(_ t: [Int]) -> [Float] {
                recorded
                    ? model.logits(tokens: [t], cache: cache).scalars
                    : Tensor.noGrad { model.logits(tokens: [t], cache: cache) }.scalars
            }
            var steps = step(Array(tokens[0..<3]))
            for t in 3..<73 { steps += step([tokens[t]]) }
            #expect(cache.columnCount == 73 && cache.positions == [73])
            #expect(maxAbsDifference(full, steps) <= 1e-5, "recorded: \(recorded)")
        }
    }
}
