import ArbiterCore
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

// QuantizedPrefillTests: the quantised prefill of the default `.fast` arithmetic. The p16
// matrix-matrix kernels (Q4_0, Q4_1, Q8_0; VNNI, AVX2, portable C) are bit-identical to a naive Swift loop doing the
// same integer block dots and float FMAs, and within the activation-quantisation bound of the
// fp32 product with the Dequantizer's weights; the AVX2 activation quantiser equals the Swift
// one; on SmolLM2 the logits stay as close to the transformers fp32 reference as llama.cpp's own
// 8-bit-activation logits are (Tests/Fixtures/smollm2/llamacpp_crosscheck.json). Inference only:
// no gradient, so no finite-difference check.
@testable import ArbiterModels

@Suite struct QuantizedPrefillTests {
    /// y[b, r] by the kernels' recipe, one lane at a time: per block the exact Σ q_w·q_x, then
    /// acc = fma(dot, d_w·d_x, acc) and, for Q4 types, acc = fma(m_w, s_x, acc) (Q4_0: m_w = −8·d_w).
    static func naive(_ type: GGMLType, _ bytes: [UInt8], rows: Int, columns: Int, _ x: QuantizedActivations) -> [Float]
    {
        let blocks = columns / 32
        let size = type.typeSize
        let (codes, scales, sums, _) = x.blockValues
        var y = [Float](repeating: 0, count: x.rows * rows)
        func half(_ i: Int) -> Float { Float(Float16(bitPattern: UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)) }
        for b in 0..<x.rows {
            for r in 0..<rows {
                var acc: Float = 0
                for k in 0..<blocks {
                    let start = (r * blocks + k) * size
                    let d = half(start)
                    let m = type == .q4_1 ? half(start + 2) : -8 * d
                    let quants = start + (type == .q4_1 ? 4 : 2)
                    var dot: Int32 = 0
                    if type == .q8_0 {
                        for j in 0..<32 {
                            dot += Int32(Int8(bitPattern: bytes[quants + j])) * Int32(codes[(b * blocks + k) * 32 + j])
                        }
                        acc = acc.addingProduct(Float(dot), d * scales[b * blocks + k])
                        continue
                    }
                    for j in 0..<16 {
                        let byte = bytes[quants + j]
                        dot += Int32(byte & 0x0F) * Int32(codes[(b * blocks + k) * 32 + j])
                        dot += Int32(byte >> 4) * Int32(codes[(b * blocks + k) * 32 + 16 + j])
                    }
                    acc = acc.addingProduct(Float(dot), d * scales[b * blocks + k])
                    acc = acc.addingProduct(m, sums[b * blocks + k])
                }
                y[b * rows + r] = acc
            }
        }
        return y
    }

    /// Odd shapes: rows not a multiple of 16 (padding lanes), activation rows that leave tails
    /// after the 8-row (VNNI) and 4-row (AVX2) tiles, enough work for the multi-core split.
    @Test(arguments: [GGMLType.q4_1, .q4_0, .q8_0])
    func panelKernelsMatchNaiveLoop(type: GGMLType) throws {
        var rng = SplitMix64(seed: 0x50_31_36 &+ UInt64(type.rawValue))
        let kernels = PanelKernel.allCases.filter(\.isAvailable)
        #expect(kernels.contains(.portable))
        for (rows, columns, n) in [(37, 96, 13), (16, 32, 1), (5, 64, 9), (300, 256, 21)] {
            let bytes = QuantizedMatrixTests.randomBlocks(type, blocks: rows * columns / 32, &rng)
            let matrix = try QuantizedMatrix(type: type, rows: rows, columns: columns, bytes: bytes)
            let x = QuantizedMatrixTests.randomActivations(n * columns, &rng)
            let xq = x.withUnsafeBufferPointer { QuantizedActivations($0, rows: n, columns: columns) }
            let expected = Self.naive(type, bytes, rows: rows, columns: columns, xq)
            for kernel in kernels {
                let y = QuantizedMatrix.multiplyPanels([matrix], xq, kernel: kernel)[0]
                let mismatches = zip(y, expected).filter { $0.0.bitPattern != $0.1.bitPattern }.count
                #expect(
                    mismatches == 0,
                    "\(kernel) on (\(rows), \(columns)) × \(n): \(mismatches) outputs differ from the naive loop")
            }
            // Against the fp32 product with the independently dequantised weights: within the
            // error the 8-bit activations can cause (Σ|w|·d_x/2 per block) plus float rounding.
            let w = try Dequantizer.dequantize(type: type, bytes: bytes, count: rows * columns)
            for b in 0..<n {
                for r in 0..<rows {
                    var exact = 0.0
                    var bound = 0.0
                    var magnitude = 0.0
                    for i in 0..<columns {
                        let wi = Double(w[r * columns + i])
                        exact += wi * Double(x[b * columns + i])
                        bound += abs(wi) * Double(xq.scales[(b * columns + i) / 32]) / 2
                        magnitude += abs(wi * Double(xq.dequantized(row: b, column: i)))
                    }
                    #expect(abs(Double(expected[b * rows + r]) - exact) <= bound * 1.001 + 1e-5 * magnitude + 1e-6)
                }
            }
        }
    }

    /// Several matrices in one job (q, k, v) give what each gives alone.
    @Test func fusedProductsEqualSingleProducts() throws {
        var rng = SplitMix64(seed: 41)
        let shapes = [(48, 64), (17, 64), (17, 64)]
        let matrices = try shapes.map { rows, columns in
            try QuantizedMatrix(
                type: .q4_1, rows: rows, columns: columns,
                bytes: QuantizedMatrixTests.randomBlocks(.q4_1, blocks: rows * columns / 32, &rng))
        }
        let x = QuantizedMatrixTests.randomActivations(11 * 64, &rng)
        let xq = x.withUnsafeBufferPointer { QuantizedActivations($0, rows: 11, columns: 64) }
        let together = QuantizedMatrix.multiplyPanels(matrices, xq)
        for (i, m) in matrices.enumerated() { #expect(together[i] == QuantizedMatrix.multiplyPanels([m], xq)[0]) }
    }

    /// The AVX2 quantiser (laneCodes: false) makes the Swift one's codes, scales and sums: random
    /// rows, a zero block, exact ties x = (q + ½)·d (rounded to even), a block of equal values.
    @Test func vectorQuantiserEqualsSwiftQuantiser() throws {
        guard AVX2Kernels.enabled else { return }
        var rng = SplitMix64(seed: 5)
        var x = QuantizedMatrixTests.randomActivations(6 * 64, &rng)
        for i in 0..<32 { x[64 + i] = 0 }  // row 1, block 0
        x[128] = 127  // row 2, block 0: d = 1, so x = q + ½ is a tie
        for i in 1..<32 { x[128 + i] = Float(i % 9 - 4) + 0.5 }
        for i in 0..<32 { x[192 + i] = -3.25 }
        let swift = x.withUnsafeBufferPointer { QuantizedActivations($0, rows: 6, columns: 64) }
        let vector = x.withUnsafeBufferPointer { QuantizedActivations($0, rows: 6, columns: 64, laneCodes: false) }
        let (a, b) = (swift.blockValues, vector.blockValues)
        #expect(a.codes == b.codes)
        #expect(a.scales.map(\.bitPattern) == b.scales.map(\.bitPattern))
        #expect(a.sums.map(\.bitPattern) == b.sums.map(\.bitPattern))
        #expect(a.codeSums == b.codeSums)
        // −2.5 → −2, 0.5 → 0, 1.5 → 2 (ties to even)
        #expect(a.codes[129] == -2 && a.codes[132] == 0 && a.codes[133] == 2)
    }

    @Test func onlyInFastArithmeticAndNeverUnderGradients() throws {
        let lm = try SmolLM2Shared.model()
        #expect(lm.model.arithmetic == .exact && !lm.model.usesQuantizedPrefill)
        #expect(try lm.model.sharingWeights(arithmetic: .fast).usesQuantizedPrefill)
        let rows = LlamaModel.quantizedDecodeMaxRows + 1
        #expect(Tensor.noGrad { lm.model.usesQuantizedProducts(rows: rows, decodeStep: false) } == false)
        let model = try lm.model.sharingWeights(quantizedDecode: false, quantizedPrefill: true)
        #expect(model.usesQuantizedPrefill)
        #expect(Tensor.noGrad { model.usesQuantizedProducts(rows: rows, decodeStep: false) } == true)
        // decode is off
        #expect(Tensor.noGrad { model.usesQuantizedProducts(rows: rows - 1, decodeStep: true) } == false)
        #expect(model.usesQuantizedProducts(rows: rows, decodeStep: false) == false)  // recording gradients: fp32
    }

    /// SmolLM2 on the three reference prompts with quantised prefill, measured the way
    /// llama.cpp was (06_llamacpp_crosscheck.py): argmax agreement over positions, the next
    /// token's log-probability and the last position's full logit vector against the fp32
    /// reference. Bounds from llama.cpp's figures (same 8-bit activation arithmetic): argmax
    /// agreement at least llama.cpp's minus one position per prompt; mean |Δ log-prob| over all
    /// positions of the three prompts at most 1.1× llama.cpp's; the worst single log-prob at most
    /// 2× llama.cpp's worst, the worst last-position logit at most 1.25× (single positions
    /// scatter). Measured with every matrix quantised, the Q8_0 head included (as llama.cpp
    /// runs): mean 0.045 vs llama.cpp 0.046, worst 0.25 vs 0.19, last logits 0.83 vs 0.92; with
    /// an fp32 head 0.041, 0.32 (one p2_chat position whose reference log-prob is −6.9), 0.89.
    /// The logits must also differ from fp32 (> 1e-3), so the quantised path really ran.
    @Test func logitsStayAsCloseAsLlamaCpp() throws {
        let lm = try SmolLM2Shared.model()
        let model = try lm.model.sharingWeights(quantizedDecode: false, quantizedPrefill: true)
        let ref = try SmolLM2Shared.json("logits.json")
        let cross = try #require(try SmolLM2Shared.json("llamacpp_crosscheck.json")["logits"] as? [[String: Any]])
        let prompts = try #require(ref["prompts"] as? [[String: Any]])
        let v = model.configuration.vocabularySize
        var ours = (total: 0.0, count: 0, worst: 0.0, last: 0.0)
        var peers = (total: 0.0, worst: 0.0, last: 0.0)
        for prompt in prompts {
            let name = try #require(prompt["name"] as? String)
            let peer = try #require(cross.first { $0["name"] as? String == name })
            let ids = try #require(prompt["input_ids"] as? [Int])
            let positions = try #require(prompt["positions"] as? [[String: Any]])
            let values = Tensor.noGrad { model.logits(tokens: [ids]) }.scalars  // (1, T, V)
            var agree = 0
            var worst = 0.0
            var total = 0.0
            for (t, position) in positions.enumerated() {
                let row = values[(t * v)..<((t + 1) * v)]
                let argmax = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }.map { $0 - t * v }
                if argmax == position["argmax"] as? Int { agree += 1 }
                guard t + 1 < ids.count else { continue }
                let m = Double(row.max() ?? 0)
                let lse = m + Foundation.log(row.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) })
                let diff = abs(
                    Double(row[t * v + ids[t + 1]]) - lse - (try #require(position["next_logprob"] as? Double)))
                worst = max(worst, diff)
                total += diff
            }
            let last = try Fixtures.float32("smollm2/\(try #require(prompt["last_logits_file"] as? String))")
            let lastDiff = maxAbsDifference(values[((ids.count - 1) * v)...], last)
            let agreement = Double(agree) / Double(positions.count)
            let peerAgreement = try #require(peer["argmax_agreement"] as? Double)
            let peerMean = try #require(peer["mean_abs_next_logprob_diff"] as? Double)
            let peerWorst = try #require(peer["max_abs_next_logprob_diff"] as? Double)
            let peerLast = try #require(peer["last_pos_max_abs_logit_diff"] as? Double)
            print(
                String(
                    format:
                        "QuantizedPrefillTests %@: argmax agreement %.3f, next log-prob |Δ| max %.4f mean %.4f, last logits |Δ| %.3f (llama.cpp: %.3f, %.4f, %.4f, %.3f)",
                    name, agreement, worst, total / Double(ids.count - 1), lastDiff, peerAgreement, peerWorst, peerMean,
                    peerLast))
            #expect(agreement >= peerAgreement - 1 / Double(positions.count) - 1e-9, "\(name)")
            #expect(lastDiff > 1e-3, "\(name): the logits equal fp32's; was the quantised path taken?")
            ours = (ours.total + total, ours.count + ids.count - 1, max(ours.worst, worst), max(ours.last, lastDiff))
            peers = (
                peers.total + peerMean * Double(ids.count - 1), max(peers.worst, peerWorst), max(peers.last, peerLast)
            )
        }
        #expect(
            ours.total <= 1.1 * peers.total,
            "mean |Δ log-prob| \(ours.total / Double(ours.count)) vs llama.cpp \(peers.total / Double(ours.count))")
        #expect(ours.worst <= 2 * peers.worst)
        #expect(ours.last <= 1.25 * peers.last)
    }
}
