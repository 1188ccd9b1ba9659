import ArbiterCore
import ArbiterTestSupport
import Foundation
import Testing

// QuantizedMatrixTests: the quantised matrix-vector kernels (Q4_0, Q4_1, Q8_0) against a naive
// reference: the weights dequantised with the bit-exact Dequantizer, then a Double dot product.
// Two checks per output: (1) against the dot with the 8-bit quantised activations the kernel
// actually uses, within float rounding (1e-5·Σ|w||x̂|: the integer block sums are exact, only
// the per-block float scaling rounds); (2) against the float activations, within the error the
// activation quantisation can cause, Σ_i |w_i|·d_block/2 (d = block max|x|/127), and within
// 1e-2·‖w‖‖x‖. Measured (seeded data below): error vs the float dot ≤ 3.4e-3·‖w‖‖x‖ on random
// blocks, ≤ 1.3e-3·‖w‖‖x‖ on real SmolLM2 rows; vs the dot on the codes ≤ 4.5e-8·Σ|w x̂|. Random blocks, real rows of the shipped model,
// odd shapes and typed errors. A quantised product is inference-only: no gradient, so no
// finite-difference check.
@testable import ArbiterModels

@Suite struct QuantizedMatrixTests {
    /// Little-endian IEEE half bits 2^(e−15)·(1 + mantissa/1024) with a random mantissa.
    static func half(_ rng: inout SplitMix64, exponent: ClosedRange<Int>, negative: Bool = false) -> [UInt8] {
        let bits =
            UInt16(negative ? 0x8000 : 0) | UInt16(exponent.lowerBound + rng.below(exponent.count)) << 10
            | UInt16(rng.below(1024))
        return [UInt8(bits & 0xFF), UInt8(bits >> 8)]
    }

    /// `blocks` random blocks of `type` with scales of realistic size (2^−10…2^−5).
    static func randomBlocks(_ type: GGMLType, blocks: Int, _ rng: inout SplitMix64) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<blocks {
            out += half(&rng, exponent: 5...10)
            if type == .q4_1 { out += half(&rng, exponent: 5...12, negative: rng.below(2) == 0) }
            out += (0..<(type.typeSize - (type == .q4_1 ? 4 : 2))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        }
        return out
    }

    /// Activation rows with a few large outliers, as real hidden states have.
    static func randomActivations(_ count: Int, _ rng: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1...1, using: &rng) * (rng.below(16) == 0 ? 8 : 1) }
    }

    struct Deviation {
        var quantised = 0.0
        var relative = 0.0
    }

    /// Checks every output of W·x against both references; returns the worst deviations.
    static func check(_ matrix: QuantizedMatrix, weights w: [Float], x: [Float]) -> Deviation {
        let rows = matrix.rows
        let columns = matrix.columns
        let n = x.count / columns
        let y = matrix.multiply(x)
        let xq = x.withUnsafeBufferPointer { QuantizedActivations($0, rows: n, columns: columns) }
        var worst = Deviation()
        for b in 0..<n {
            for r in 0..<rows {
                var exact = 0.0
                var onCodes = 0.0
                var absCodes = 0.0
                var bound = 0.0
                var wNorm = 0.0
                var xNorm = 0.0
                for i in 0..<columns {
                    let wi = Double(w[r * columns + i])
                    let xi = Double(x[b * columns + i])
                    let xhat = Double(xq.dequantized(row: b, column: i))
                    exact += wi * xi
                    onCodes += wi * xhat
                    absCodes += abs(wi * xhat)
                    bound += abs(wi) * Double(xq.scales[(b * columns + i) / 32]) / 2
                    wNorm += wi * wi
                    xNorm += xi * xi
                }
                let got = Double(y[b * rows + r])
                #expect(
                    abs(got - onCodes) <= 1e-5 * absCodes + 1e-6,
                    "row \(r) of \(matrix.name): \(got) vs \(onCodes) on the codes")
                #expect(
                    abs(got - exact) <= bound * 1.001 + 1e-5 * absCodes + 1e-6,
                    "row \(r): \(got) vs \(exact), bound \(bound)")
                let scale = (wNorm * xNorm).squareRoot()
                #expect(abs(got - exact) <= 1e-2 * scale + 1e-6)
                worst.quantised = max(worst.quantised, abs(got - onCodes) / max(absCodes, 1e-30))
                worst.relative = max(worst.relative, abs(got - exact) / max(scale, 1e-30))
            }
        }
        return worst
    }

    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0])
    func randomBlocksMatchReference(type: GGMLType) throws {
        var rng = SplitMix64(seed: 0x51_4D_41_54 &+ UInt64(type.rawValue))
        for (rows, columns, n) in [(7, 96, 1), (1, 32, 1), (5, 256, 3), (2, 64, 8)] {
            let bytes = Self.randomBlocks(type, blocks: rows * columns / 32, &rng)
            let matrix = try QuantizedMatrix(type: type, rows: rows, columns: columns, bytes: bytes)
            let w = try Dequantizer.dequantize(type: type, bytes: bytes, count: rows * columns)
            let worst = Self.check(matrix, weights: w, x: Self.randomActivations(n * columns, &rng))
            #expect(worst.relative <= 5e-3)
        }
    }

    /// Enough rows (≥ 2^18 weights) to take the multi-core path; results equal the one-core path
    /// row by row because each output is one worker's sequential sum.
    @Test func parallelRowsEqualSerialRows() throws {
        var rng = SplitMix64(seed: 99)
        let rows = 1024
        let columns = 256
        let bytes = Self.randomBlocks(.q4_1, blocks: rows * columns / 32, &rng)
        let whole = try QuantizedMatrix(type: .q4_1, rows: rows, columns: columns, bytes: bytes)
        let x = Self.randomActivations(columns, &rng)
        let y = whole.multiply(x)
        let rowBytes = columns / 32 * 20
        for r in [0, 1, 511, 512, 1023] {
            let one = try QuantizedMatrix(
                type: .q4_1, rows: 1, columns: columns, bytes: Array(bytes[(r * rowBytes)..<((r + 1) * rowBytes)]))
            #expect(one.multiply(x) == [y[r]])
        }
    }

    /// Real rows of the shipped SmolLM2 file: Q4_1 attention/FFN matrices and the Q8_0 embedding
    /// (the tied LM head), 48 rows each, read from the file's bytes.
    @Test func realModelRowsMatchReference() throws {
        let file = try GGUFFile(contentsOf: TestModels.smolLM2GGUF())
        var rng = SplitMix64(seed: 7)
        for name in ["blk.0.attn_q.weight", "blk.3.ffn_down.weight", "token_embd.weight"] {
            let info = try #require(file.tensor(named: name))
            let columns = info.rowMajorShape[1]
            let rows = 48
            let rowBytes = columns / info.type.blockSize * info.type.typeSize
            let bytes = try file.withTensorBytes(info) { Array($0.prefix(rows * rowBytes)) }
            let matrix = try QuantizedMatrix(name: name, type: info.type, rows: rows, columns: columns, bytes: bytes)
            let w = try file.dequantize(info, rows: 0..<rows)
            let worst = Self.check(matrix, weights: w, x: Self.randomActivations(2 * columns, &rng))
            #expect(worst.relative <= 5e-3, "\(name)")
            // The whole tensor read in place from the mapping gives the same first rows.
            if info.elementCount <= 1 << 20 {
                let mapped = try QuantizedMatrix(file: file, info: info)
                #expect(mapped.rows == info.rowMajorShape[0] && mapped.type == info.type)
                let x = Self.randomActivations(columns, &rng)
                #expect(Array(mapped.multiply(x).prefix(rows)) == matrix.multiply(x))
            }
        }
    }

    @Test func typedErrorsForUnsupportedInput() throws {
        var rng = SplitMix64(seed: 3)
        #expect(throws: QuantizedMatrixError.unsupportedType(tensor: "<bytes>", type: .q6_K)) {
            try QuantizedMatrix(type: .q6_K, rows: 1, columns: 256, bytes: Self.randomBlocks(.q8_0, blocks: 1, &rng))
        }
        #expect(throws: QuantizedMatrixError.badShape(tensor: "<bytes>", shape: [2, 40], blockSize: 32)) {
            try QuantizedMatrix(type: .q4_1, rows: 2, columns: 40, bytes: [UInt8](repeating: 0, count: 40))
        }
        #expect(throws: QuantizedMatrixError.badShape(tensor: "<bytes>", shape: [0, 32], blockSize: 32)) {
            try QuantizedMatrix(type: .q8_0, rows: 0, columns: 32, bytes: [])
        }
        #expect(throws: QuantizedMatrixError.byteCountMismatch(tensor: "<bytes>", expected: 40, actual: 39)) {
            try QuantizedMatrix(type: .q4_1, rows: 2, columns: 32, bytes: [UInt8](repeating: 0, count: 39))
        }
        let file = try GGUFFile(contentsOf: TestModels.smolLM2GGUF())
        let norm = try #require(file.tensor(named: "blk.0.attn_norm.weight"))
        #expect(throws: QuantizedMatrixError.badShape(tensor: norm.name, shape: [576], blockSize: 1)) {
            try QuantizedMatrix(file: file, info: norm)
        }
        let message = QuantizedMatrixError.unsupportedType(tensor: "w", type: .q6_K).errorDescription ?? ""
        #expect(message.contains("'w'") && message.contains("Q6_K") && message.contains("fp32"))
    }

    /// Zero activations (a zero block scale) give exact zeros, and a one-row matrix works.
    @Test func zeroActivationsAndSingleRow() throws {
        var rng = SplitMix64(seed: 11)
        for type in QuantizedMatrix.supportedTypes {
            let matrix = try QuantizedMatrix(
                type: type, rows: 1, columns: 64, bytes: Self.randomBlocks(type, blocks: 2, &rng))
            #expect(matrix.multiply([Float](repeating: 0, count: 64)) == [0])
            #expect(matrix.multiply([Float](repeating: 0, count: 0)).isEmpty)
        }
    }
}
