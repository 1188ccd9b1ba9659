// LlamaModel+QuantizedDecode: the arithmetic choice (`ModelArithmetic`, `LlamaLoadOptions`) and the
// weight products of a model loaded from GGUF that read the file's quantised blocks
// (QuantizedMatrix) instead of the fp32 Tensors. A product takes this path only when (1) the model
// holds quantised weights, (2) gradients are not being recorded (`Tensor.noGrad`), (3) the fp32
// weights still hold the values the quantised blocks were made from (`Tensor.version`: after an
// optimizer step or any other write the fp32 path is taken, never the stale blocks), and (4)
// either `usesQuantizedDecode` is on and it is a decode step (a forward with a KV cache, or the
// head on a one-position hidden state) of at most `quantizedDecodeMaxRows` activation rows, or it
// has more rows and `usesQuantizedPrefill` is on (those products use the matrix-matrix kernels,
// QuantizedMatrix+Panels.swift, for Q4_0/Q4_1/Q8_0 matrices, BLAS for others). `.fast` turns both
// on, `.exact` both off. Everything else, training included, uses the fp32 Tensors in
// `parameters`. Not the kernels (QuantizedMatrix.swift, QuantizedMatVec+Legacy.swift).
import ArbiterTensor
import Foundation

/// How a model loaded from a quantised GGUF file multiplies by its weights. One choice for prefill
/// and decode alike, the same in every build.
public enum ModelArithmetic: String, Sendable, CaseIterable, Codable {
    /// llama.cpp's arithmetic (the default): the file's Q4_0/Q4_1/Q8_0 weight blocks times 8-bit
    /// activation blocks, exact integer block dots and one float scale per block, for prompt
    /// prefills and decode steps alike. Several times faster than fp32 on a CPU, and its integer
    /// kernels give the same bits on AVX-512, AVX2 and portable C; next-token log-probabilities
    /// sit about as far from the fp32 ones as llama.cpp's (≈ 0.05 nats on average).
    case fast
    /// fp32 throughout: the weights dequantised once, products on OpenBLAS. Reproduces the
    /// transformers fp32 references (its sums depend on the BLAS kernel in the last bits).
    case exact
}

/// How `LlamaModel(gguf:options:)` keeps and uses the weights.
public struct LlamaLoadOptions: Sendable, Equatable {
    /// Fast (quantised, the default) or exact (fp32) products.
    public var arithmetic: ModelArithmetic

    /// `arithmetic` defaults to `.fast` in every build.
    public init(arithmetic: ModelArithmetic = .fast) {
        self.arithmetic = arithmetic
    }

    /// fp32 throughout (reproduces the fp32 references).
    public static let exact = LlamaLoadOptions(arithmetic: .exact)
    /// llama.cpp's quantised arithmetic (the default).
    public static let fast = LlamaLoadOptions(arithmetic: .fast)
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

    /// True when the model holds quantised weights (a quantised GGUF file).
    public var hasQuantizedWeights: Bool { quantized != nil }

    /// The arithmetic of this model's products. Setting `.fast` on a model without quantised
    /// weights (fp32 files, models built from `Parameters`) changes nothing: it reads `.exact`.
    public var arithmetic: ModelArithmetic {
        get { usesQuantizedDecode || usesQuantizedPrefill ? .fast : .exact }
        set {
            usesQuantizedDecode = newValue == .fast && quantized != nil
            usesQuantizedPrefill = usesQuantizedDecode
        }
    }

    /// True while the quantised blocks still match the fp32 weights: no parameter was written
    /// since they were made (`Tensor.version`). False after an optimizer step, a checkpoint
    /// restore or any in-place edit; the quantised paths are then skipped, so a product never
    /// reads stale weights.
    public var quantizedWeightsAreCurrent: Bool {
        quantized != nil && Self.versionSum(parameters) == quantizedVersion
    }

    /// The sum of every parameter's write counter (wrapping): any write changes it.
    static func versionSum(_ parameters: Parameters) -> UInt64 {
        parameters.reduce(0) { $0 &+ $1.tensor.version }
    }

    /// A model over the same weights (shared Parameters and quantised blocks) with `arithmetic`.
    public func sharingWeights(arithmetic: ModelArithmetic) throws -> LlamaModel {
        try sharingWeights(quantizedDecode: arithmetic == .fast, quantizedPrefill: arithmetic == .fast)
    }

    /// A model over the same weights whose `usesQuantizedDecode` is `enabled` and
    /// `usesQuantizedPrefill` is `prefill` (where it holds quantised weights).
    func sharingWeights(quantizedDecode enabled: Bool, quantizedPrefill prefill: Bool = false) throws -> LlamaModel {
        let model = try LlamaModel(
            configuration: configuration, parameters: parameters, source: "parameters", quantized: quantized)
        model.quantizedVersion = quantizedVersion
        model.usesQuantizedDecode = enabled && quantized != nil
        model.usesQuantizedPrefill = prefill && quantized != nil
        return model
    }

    /// The quantised matrices to use for a product of `rows` activation rows, or nil for fp32.
    func quantizedWeights(rows: Int, decodeStep: Bool) -> QuantizedDecodeWeights? {
        guard let quantized, !Tensor.isGradEnabled, quantizedWeightsAreCurrent else { return nil }
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
