// QuantizedActivations: activation rows x (n, columns) quantised once per product to 8-bit
// blocks of 32, the Q8_1 scheme of llama.cpp with float32 scale and sum: per block d = max|x|/127,
// q = round(x/d) (ties to even) ∈ [−127, 127], s = d·Σq. A block's error is at most d/2 per element, so a dot
// product with weights w differs from the float one by at most Σ|w|·d/2 (≈ ‖w‖₁·max|x|/254).
// The codes are stored widened to Int16 so the block kernels multiply without re-widening them
// for every weight row, and in the kernels' lane order within each block (`slot(_:)`: elements
// 0,2,…,14 | 1,3,…,15 | 16,18,…,30 | 17,19,…,31; QuantizedMatVec+Legacy.swift explains why).
// The AVX2 kernels (CArbiterKernels) read a second copy of the codes as Int8 in natural order;
// with `laneCodes: false` (prefill, whose kernels are all C) only that copy is made, by the AVX2
// quantiser where it runs (same codes, scales and sums). Inference only (no gradient). Not a
// weight quantiser.
import ArbiterTensor
import CArbiterKernels

/// 8-bit block quantisation of a few activation rows, shared by the matrices that read them.
package struct QuantizedActivations: Sendable {
    /// Rows of activations (decode batch).
    package let rows: Int
    /// Values per row (a multiple of 32).
    package let columns: Int
    /// Codes, (rows, columns) with each block of 32 in lane order, each in −127...127; empty when
    /// made with `laneCodes: false`.
    private(set) var codes: [Int16]
    /// Per block scale d, (rows, columns / 32).
    private(set) var scales: [Float]
    /// Per block d·Σq, (rows, columns / 32).
    private(set) var sums: [Float]
    /// Per block Σq as a float (exact: |Σq| ≤ 4064), (rows, columns / 32).
    private(set) var codeSums: [Float]
    /// The same codes as Int8 in natural element order, (rows, columns), for the AVX2 kernels.
    private(set) var bytes: [Int8]

    /// Quantises `x`, (rows, columns) row-major; `columns` must be a multiple of 32. Without
    /// `laneCodes` only the natural-order Int8 codes are kept (enough for the C kernels).
    package init(_ x: UnsafeBufferPointer<Float>, rows: Int, columns: Int, laneCodes: Bool = true) {
        precondition(
            columns > 0 && columns % 32 == 0, "QuantizedActivations: \(columns) columns are not whole blocks of 32")
        precondition(x.count == rows * columns, "QuantizedActivations: \(x.count) values are not (\(rows), \(columns))")
        self.rows = rows
        self.columns = columns
        let blocks = rows * columns / 32
        if !laneCodes, AVX2Kernels.enabled, let x0 = x.baseAddress {
            var natural = [Int8](unsafeUninitializedCapacity: rows * columns) { _, count in count = rows * columns }
            var scales = [Float](repeating: 0, count: blocks)
            var sums = scales
            var codeSums = scales
            natural.withUnsafeMutableBufferPointer { q in
                scales.withUnsafeMutableBufferPointer { d in
                    sums.withUnsafeMutableBufferPointer { s in
                        codeSums.withUnsafeMutableBufferPointer { c in
                            arbiter_quantize_q8_avx2(
                                x0, blocks, q.baseAddress, d.baseAddress, s.baseAddress, c.baseAddress)
                        }
                    }
                }
            }
            (codes, bytes, self.scales, self.sums, self.codeSums) = ([], natural, scales, sums, codeSums)
            return
        }
        var codes = [Int16](repeating: 0, count: rows * columns)
        var scales = [Float](repeating: 0, count: blocks)
        var sums = [Float](repeating: 0, count: blocks)
        var codeSums = [Float](repeating: 0, count: blocks)
        var bytes = [Int8](repeating: 0, count: rows * columns)
        let magic = SIMD8<Float>(repeating: 12_582_912)  // 1.5·2²³: x + magic rounds x to an integer (ties to even)
        let magicBits = unsafeBitCast(magic, to: SIMD8<Int32>.self)
        bytes.withUnsafeMutableBufferPointer { natural in
            codes.withUnsafeMutableBufferPointer { q in
                scales.withUnsafeMutableBufferPointer { d in
                    sums.withUnsafeMutableBufferPointer { s in
                        codeSums.withUnsafeMutableBufferPointer { c in
                            guard let x0 = x.baseAddress else { return }
                            for k in 0..<blocks {
                                let block = UnsafeRawPointer(x0 + k * 32)
                                var lanes = SIMD8<Float>.zero
                                for part in 0..<4 {
                                    let v = block.loadUnaligned(fromByteOffset: part * 32, as: SIMD8<Float>.self)
                                    let magnitude = v.replacing(with: -v, where: v .< 0)
                                    lanes.replace(with: magnitude, where: magnitude .> lanes)
                                }
                                let scale = lanes.max() / 127
                                let inverse: Float = scale == 0 ? 0 : 1 / scale
                                var total: Int32 = 0
                                for part in 0..<4 {
                                    let v =
                                        block.loadUnaligned(fromByteOffset: part * 32, as: SIMD8<Float>.self) * inverse
                                    // round(v), |v| ≤ 127
                                    let integers = unsafeBitCast(v + magic, to: SIMD8<Int32>.self) &- magicBits
                                    total &+= integers.wrappedSum()
                                    for lane in 0..<8 {
                                        let j = part * 8 + lane
                                        q[k * 32 + Self.slot(j)] = Int16(truncatingIfNeeded: integers[lane])
                                        natural[k * 32 + j] = Int8(truncatingIfNeeded: integers[lane])
                                    }
                                }
                                d[k] = scale
                                s[k] = scale * Float(total)
                                c[k] = Float(total)
                            }
                        }
                    }
                }
            }
        }
        self.codes = codes
        self.scales = scales
        self.sums = sums
        self.codeSums = codeSums
        self.bytes = bytes
    }

    /// Where element j (0..<32) of a block is stored: even elements of each half first.
    @inline(__always)
    static func slot(_ j: Int) -> Int { (j & 16) | (j & 1) << 3 | (j & 15) >> 1 }

    /// The value x[row, column] after quantisation (d·q), for tests and error bounds.
    package func dequantized(row: Int, column: Int) -> Float {
        let i = row * columns + column
        return scales[i / 32] * Float(bytes[i])
    }

    /// The natural-order codes, per-block scales, sums d·Σq and code sums Σq (for tests).
    package var blockValues: (codes: [Int8], scales: [Float], sums: [Float], codeSums: [Float]) {
        (bytes, scales, sums, codeSums)
    }

    /// Calls `body` with base pointers of the natural-order Int8 codes, scales, sums and code sums.
    func withByteBuffers<R>(
        _ body: (UnsafePointer<Int8>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) -> R
    ) -> R {
        withPointers(bytes, body)
    }

    /// Calls `body` with base pointers of codes, scales, sums and code sums.
    func withBuffers<R>(
        _ body: (UnsafePointer<Int16>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) -> R
    ) -> R {
        withPointers(codes, body)
    }

    /// `body` with base pointers of `codes` (one of the two code copies) and the per-block arrays.
    private func withPointers<Code, R>(
        _ codes: [Code],
        _ body: (UnsafePointer<Code>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) -> R
    ) -> R {
        codes.withUnsafeBufferPointer { q in
            scales.withUnsafeBufferPointer { d in
                sums.withUnsafeBufferPointer { s in
                    codeSums.withUnsafeBufferPointer { c in
                        guard let q = q.baseAddress, let d = d.baseAddress, let s = s.baseAddress, let c = c.baseAddress
                        else {
                            preconditionFailure("QuantizedActivations: no rows to multiply")
                        }
                        return body(q, d, s, c)
                    }
                }
            }
        }
    }
}
