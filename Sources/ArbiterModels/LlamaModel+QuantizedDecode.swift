// LlamaModel+QuantizedDecode: the weight products of a model loaded from GGUF that read the
// file's quantised blocks (QuantizedMatrix) instead of the fp32 Tensors. A product takes this path
// only when (1) the model holds quantised weights, (2) gradients are not being recorded
// (`Tensor.noGrad`), and (3) either `usesQuantizedDecode` is on and it is a decode step (a forward
// with a KV cache, or the head on a one-position hidden state) of at most `quantizedDecodeMaxRows`
// activation rows, or it has more rows and `usesQuantizedPrefill` is on (opt-in; those products
// use the matrix-matrix kernels, QuantizedMatrix+Panels.swift, for Q4_0/Q4_1/Q8_0 matrices, BLAS
// for others). Everything else, training included, uses the fp32 Tensors in `parameters`. The
// quantised blocks are the file's, so they do not follow edits of `parameters`: code that changes
// the weights (a trainer) must turn both off (`usesQuantizedDecode`, `usesQuantizedPrefill`) or
// load with `LlamaLoadOptions(quantizedDecode: false)` (prefill is off unless asked for).
// Not the kernels (QuantizedMatrix.swift, QuantizedMatVec+Legacy.swift).
import ArbiterTensor
import Foundation

/// How `LlamaModel(gguf:options:)` keeps the weights.
public struct LlamaLoadOptions: Sendable, Equatable {
    /// Keep the file's quantised matrices and use them for decode-step products (inference only;
    /// the fp32 weights are loaded as well, for prefill and training).
    public var quantizedDecode: Bool
    /// Also run prompt prefills (products of more than 8 rows) on the quantised matrices with
    /// 8-bit activations, as llama.cpp does: about twice as fast where the CPU has AVX-512 VNNI,
    /// but next-token log-probabilities move from the fp32 ones by about 0.05 nats on average and
    /// 0.3 at worst, as llama.cpp's do (the judge scores the reference tests pin use fp32). Off
    /// by default.
    public var quantizedPrefill: Bool

    /// On in optimised builds. Off in debug (-Onone) builds, where the SIMD kernels run about
    /// 100× slower than BLAS (a SmolLM2 decode step takes seconds), so debug test runs keep the
    /// fp32 path unless they ask for the quantised one.
    public static let quantizedDecodeByDefault: Bool = {
        #if DEBUG
            return false
        #else
            return true
        #endif
    }()

    public init(quantizedDecode: Bool = LlamaLoadOptions.quantizedDecodeByDefault, quantizedPrefill: Bool = false) {
        self.quantizedDecode = quantizedDecode
        self.quantizedPrefill = quantizedPrefill
    }
}

/// The quantised matrices of one decoder block; nil where the type has no kernel (fp32 is used).
struct QuantizedBlock {
    let query: QuantizedMatrix?  // (Hq·D, C)
    let key: QuantizedMatrix?  // (Hkv·D, C)
    let value: QuantizedMatrix?  // (Hkv·D, C)
    let output: QuantizedMatrix?  // (C, Hq·D)
    let gate: QuantizedMatrix?  // (F, C)
    let up: QuantizedMatrix?  // (F, C)
    let down: QuantizedMatrix?  // (C, F)
}

/// Every quantised matrix a decode step reads.
struct QuantizedDecodeWeights {
    let blocks: [QuantizedBlock]
    let head: QuantizedMatrix?  // (V, C): `output.weight`, or `token_embd.weight` when tied

    /// Makes the repacked copies now, in parallel (else the first product does): with `decode`
    /// the eight-row ones, with `panels` the sixteen-row ones for prefill.
    func prepareKernels(decode: Bool = true, panels: Bool = false) {
        let all =
            blocks.flatMap { [$0.query, $0.key, $0.value, $0.output, $0.gate, $0.up, $0.down] }.compactMap { $0 }
            + [head].compactMap { $0 }
        DispatchQueue.concurrentPerform(iterations: all.count) {
            if decode { _ = all[$0].packed }
            if panels { _ = all[$0].panels }
        }
    }
}

extension LlamaModel {
    /// Products with at most this many activation rows (B·T) use the quantised kernels.
    static let quantizedDecodeMaxRows = 8

    /// True when the model holds quantised weights for decode steps.
    public var hasQuantizedWeights: Bool { quantized != nil }

    /// A model over the same weights (shared Parameters and quantised blocks) whose
    /// `usesQuantizedDecode` is `enabled` and `usesQuantizedPrefill` is `prefill` (where it holds
    /// quantised weights).
    public func sharingWeights(quantizedDecode enabled: Bool, quantizedPrefill prefill: Bool = false) throws
        -> LlamaModel
    {
        let model = try LlamaModel(
            configuration: configuration, parameters: parameters, source: "parameters", quantized: quantized)
        model.usesQuantizedDecode = enabled && quantized != nil
        model.usesQuantizedPrefill = prefill && quantized != nil
        return model
    }

    /// The quantised matrices to use for a product of `rows` activation rows, or nil for fp32.
    func quantizedWeights(rows: Int, decodeStep: Bool) -> QuantizedDecodeWeights? {
        guard let quantized, !Tensor.isGradEnabled else { return nil }
        if rows > Self.quantizedDecodeMaxRows { return usesQuantizedPrefill ? quantized : nil }
        return usesQuantizedDecode && decodeStep ? quantized : nil
    }

    /// h (…, C) times each weight's transpose, (…, C) → (…, out_i). Matrices with a quantised
    /// copy (and, above `quantizedDecodeMaxRows` rows, a matrix-matrix kernel) share one 8-bit
    /// quantisation of h; the others (or all, off the quantised path) use the fp32 Tensor and BLAS.
    func project(_ h: Tensor, _ weights: [(dense: Tensor, quantized: QuantizedMatrix?)], useQuantized: Bool) -> [Tensor]
    {
        let c = h.shape[h.shape.count - 1]
        let n = h.count / max(c, 1)
        let lead = Array(h.shape.dropLast())
        let manyRows = n > Self.quantizedDecodeMaxRows
        func usable(_ q: QuantizedMatrix?) -> QuantizedMatrix? {
            guard useQuantized, n > 0, let q, q.columns == c, !manyRows || q.hasPanelKernel else { return nil }
            return q
        }
        let quantized = weights.compactMap { usable($0.quantized) }
        var products: [[Float]] = []
        if !quantized.isEmpty {
            // One 8-bit quantisation of h and one parallel job for every quantised matrix.
            let x = h.scalars.withUnsafeBufferPointer {
                QuantizedActivations($0, rows: n, columns: c, laneCodes: !manyRows)
            }
            products = manyRows ? QuantizedMatrix.multiplyPanels(quantized, x) : QuantizedMatrix.multiply(quantized, x)
        }
        var next = 0
        return weights.map { dense, q in
            guard let q = usable(q) else { return h.matmul(dense, transposeB: true) }
            defer { next += 1 }
            return Tensor(products[next], shape: lead + [q.rows])
        }
    }

    /// Quantised copies of every matrix of `file` this model reads (nil entries: no kernel for
    /// that type, or not a whole number of blocks per row).
    static func quantizedWeights(file: GGUFFile, configuration: LlamaConfiguration, tied: Bool)
        -> QuantizedDecodeWeights
    {
        func matrix(_ name: String) -> QuantizedMatrix? {
            guard let info = file.tensor(named: name) else { return nil }
            return try? QuantizedMatrix(file: file, info: info)
        }
        let blocks = (0..<configuration.layerCount).map { l in
            let p = "blk.\(l)."
            return QuantizedBlock(
                query: matrix(p + "attn_q.weight"), key: matrix(p + "attn_k.weight"),
                value: matrix(p + "attn_v.weight"),
                output: matrix(p + "attn_output.weight"), gate: matrix(p + "ffn_gate.weight"),
                up: matrix(p + "ffn_up.weight"),
                down: matrix(p + "ffn_down.weight"))
        }
        return QuantizedDecodeWeights(blocks: blocks, head: matrix(tied ? "token_embd.weight" : "output.weight"))
    }
}
