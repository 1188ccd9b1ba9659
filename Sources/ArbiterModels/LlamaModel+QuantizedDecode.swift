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

/// The file's quantised matrices, as the loader hands them to the model's `Linear` layers.
struct QuantizedDecodeWeights {
    let blocks: [QuantizedBlock]
    let head: QuantizedMatrix?  // (V, C): `output.weight`, or `token_embd.weight` when tied
}

extension LlamaModel {
    /// Products with at most this many activation rows (B·T) use the quantised kernels.
    static let quantizedDecodeMaxRows = 8

    /// Every matrix of the model: each block's seven, then the head.
    var linears: [Linear] { blocks.flatMap { $0.linears.map(\.layer) } + [head] }

    /// The arithmetic of this model's products. Setting `.fast` on a model without quantised
    /// weights (fp32 files, models built from `Parameters`) changes nothing: it reads `.exact`.
    public var arithmetic: ModelArithmetic {
        get { usesQuantizedDecode || usesQuantizedPrefill ? .fast : .exact }
        set {
            usesQuantizedDecode = newValue == .fast && hasQuantizedWeights
            usesQuantizedPrefill = usesQuantizedDecode
        }
    }

    /// True while every quantised block still matches its fp32 weight: no matrix was written
    /// since its blocks were made (`Tensor.version`). False after an optimizer step, a checkpoint
    /// restore, a LoRA merge or any in-place edit; each stale matrix then runs on fp32, so a
    /// product never reads stale weights.
    public var quantizedWeightsAreCurrent: Bool {
        let quantised = linears.filter { $0.quantized != nil }
        return !quantised.isEmpty && quantised.allSatisfy { $0.currentQuantized != nil }
    }

    /// A model over the same weights (shared Parameters, layers, adapters and quantised blocks)
    /// with `arithmetic`.
    public func sharingWeights(arithmetic: ModelArithmetic) throws -> LlamaModel {
        try sharingWeights(quantizedDecode: arithmetic == .fast, quantizedPrefill: arithmetic == .fast)
    }

    /// A model over the same weights whose `usesQuantizedDecode` is `enabled` and
    /// `usesQuantizedPrefill` is `prefill` (where it holds quantised weights).
    func sharingWeights(quantizedDecode enabled: Bool, quantizedPrefill prefill: Bool = false) throws -> LlamaModel {
        let model = LlamaModel(
            configuration: configuration, parameters: parameters, tokenEmbedding: tokenEmbedding, blocks: blocks,
            outputNorm: outputNorm, head: head)
        model.usesQuantizedDecode = enabled && hasQuantizedWeights
        model.usesQuantizedPrefill = prefill && hasQuantizedWeights
        model.usesFusedDecodeStep = usesFusedDecodeStep
        return model
    }

    /// Whether a product of `rows` activation rows may read the quantised blocks (each matrix
    /// still only while its blocks are current).
    func usesQuantizedProducts(rows: Int, decodeStep: Bool) -> Bool {
        guard hasQuantizedWeights, !Tensor.isGradEnabled else { return false }
        if rows > Self.quantizedDecodeMaxRows { return usesQuantizedPrefill }
        return usesQuantizedDecode && decodeStep
    }

    /// h (…, C) through each layer, (…, C) → (…, out_i). With `useQuantized`, layers whose
    /// quantised blocks are current (and, above `quantizedDecodeMaxRows` rows, have a
    /// matrix-matrix kernel) share one 8-bit quantisation of h; the others use the fp32 weight and
    /// BLAS. Biases and unmerged LoRA updates are added in fp32 either way.
    func project(_ h: Tensor, _ layers: [Linear], useQuantized: Bool) -> [Tensor] {
        let c = h.shape[h.shape.count - 1]
        let n = h.count / max(c, 1)
        let lead = Array(h.shape.dropLast())
        let manyRows = n > Self.quantizedDecodeMaxRows
        func usable(_ layer: Linear) -> QuantizedMatrix? {
            guard useQuantized, n > 0, let q = layer.currentQuantized, q.columns == c, !manyRows || q.hasPanelKernel
            else { return nil }
            return q
        }
        let quantized = layers.compactMap(usable)
        var products: [[Float]] = []
        if !quantized.isEmpty {
            // One 8-bit quantisation of h and one parallel job for every quantised matrix.
            let x = h.scalars.withUnsafeBufferPointer {
                QuantizedActivations($0, rows: n, columns: c, laneCodes: !manyRows)
            }
            products = manyRows ? QuantizedMatrix.multiplyPanels(quantized, x) : QuantizedMatrix.multiply(quantized, x)
        }
        var next = 0
        return layers.map { layer in
            guard let q = usable(layer) else { return layer(h) }
            defer { next += 1 }
            return layer.adding(h, to: Tensor(products[next], shape: lead + [q.rows]))
        }
    }

    /// Makes the repacked copies of every current quantised matrix now, in parallel (else the
    /// first product does): with `decode` the eight-row ones, with `panels` the sixteen-row ones.
    func prepareKernels(decode: Bool = true, panels: Bool = false) {
        let all = linears.compactMap(\.currentQuantized)
        DispatchQueue.concurrentPerform(iterations: all.count) {
            if decode { _ = all[$0].packed }
            if panels { _ = all[$0].panels }
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
