// LlamaModel+QuantizedDecode: the decode-time weight products of a model loaded from GGUF, read
// from the file's quantised blocks (QuantizedMatrix) instead of the fp32 Tensors. A product takes
// this path only when (1) the model holds quantised weights and `usesQuantizedDecode` is on,
// (2) gradients are not being recorded (`Tensor.noGrad`), (3) it is a decode step (a forward
// with a KV cache, or the head on a one-position hidden state), and (4) it has at most
// `quantizedDecodeMaxRows` activation rows (long prompts still run through BLAS sgemm).
// Everything else, training included, uses the fp32 Tensors in `parameters`. The quantised blocks
// are the file's, so they do not follow edits of `parameters`: code that changes the weights (a
// trainer) must set `usesQuantizedDecode = false` or load with `LlamaLoadOptions(quantizedDecode: false)`.
// Not the kernels (QuantizedMatrix.swift, QuantizedMatVec+Legacy.swift).
import ArbiterTensor
import Foundation

/// How `LlamaModel(gguf:options:)` keeps the weights.
public struct LlamaLoadOptions: Sendable, Equatable {
    /// Keep the file's quantised matrices and use them for decode-step products (inference only;
    /// the fp32 weights are loaded as well, for prefill and training).
    public var quantizedDecode: Bool

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

    public init(quantizedDecode: Bool = LlamaLoadOptions.quantizedDecodeByDefault) {
        self.quantizedDecode = quantizedDecode
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

    /// Makes every matrix's repacked copy now, in parallel (else the first decode step does).
    func prepareKernels() {
        let all = blocks.flatMap { [$0.query, $0.key, $0.value, $0.output, $0.gate, $0.up, $0.down] }.compactMap { $0 } + [head].compactMap { $0 }
        DispatchQueue.concurrentPerform(iterations: all.count) { _ = all[$0].packed }
    }
}

extension LlamaModel {
    /// Products with at most this many activation rows (B·T) use the quantised kernels.
    static let quantizedDecodeMaxRows = 8

    /// True when the model holds quantised weights for decode steps.
    public var hasQuantizedWeights: Bool { quantized != nil }

    /// A model over the same weights (shared Parameters and quantised blocks) whose
    /// `usesQuantizedDecode` is `enabled` (where it holds quantised weights).
    public func sharingWeights(quantizedDecode enabled: Bool) throws -> LlamaModel {
        let model = try LlamaModel(configuration: configuration, parameters: parameters, source: "parameters", quantized: quantized)
        model.usesQuantizedDecode = enabled && quantized != nil
        return model
    }

    /// The quantised matrices to use for a product of `rows` activation rows, or nil for fp32.
    func quantizedWeights(rows: Int, decodeStep: Bool) -> QuantizedDecodeWeights? {
        guard usesQuantizedDecode, decodeStep, rows <= Self.quantizedDecodeMaxRows, !Tensor.isGradEnabled else { return nil }
        return quantized
    }

    /// h (…, C) times each weight's transpose, (…, C) → (…, out_i). Matrices with a quantised
    /// copy share one 8-bit quantisation of h; the others (or all, off the decode path) use
    /// the fp32 Tensor and BLAS.
    func project(_ h: Tensor, _ weights: [(dense: Tensor, quantized: QuantizedMatrix?)], useQuantized: Bool) -> [Tensor] {
        let c = h.shape[h.shape.count - 1], n = h.count / max(c, 1)
        let lead = Array(h.shape.dropLast())
        let quantized = weights.compactMap { useQuantized && n > 0 && $0.quantized?.columns == c ? $0.quantized : nil }
        var products: [[Float]] = []
        if !quantized.isEmpty {
            // One 8-bit quantisation of h and one parallel job for every quantised matrix.
            let x = h.scalars.withUnsafeBufferPointer { QuantizedActivations($0, rows: n, columns: c) }
            products = QuantizedMatrix.multiply(quantized, x)
        }
        var next = 0
        return weights.map { dense, q in
            guard useQuantized, let q, q.columns == c, n > 0 else { return h.matmul(dense, transposeB: true) }
            defer { next += 1 }
            return Tensor(products[next], shape: lead + [q.rows])
        }
    }

    /// Quantised copies of every matrix of `file` this model reads (nil entries: no kernel for
    /// that type, or not a whole number of blocks per row).
    static func quantizedWeights(file: GGUFFile, configuration: LlamaConfiguration, tied: Bool) -> QuantizedDecodeWeights {
        func matrix(_ name: String) -> QuantizedMatrix? {
            guard let info = file.tensor(named: name) else { return nil }
            return try? QuantizedMatrix(file: file, info: info)
        }
        let blocks = (0..<configuration.layerCount).map { l in
            let p = "blk.\(l)."
            return QuantizedBlock(
                query: matrix(p + "attn_q.weight"), key: matrix(p + "attn_k.weight"), value: matrix(p + "attn_v.weight"),
                output: matrix(p + "attn_output.weight"), gate: matrix(p + "ffn_gate.weight"), up: matrix(p + "ffn_up.weight"),
                down: matrix(p + "ffn_down.weight"))
        }
        return QuantizedDecodeWeights(blocks: blocks, head: matrix(tied ? "token_embd.weight" : "output.weight"))
    }
}
