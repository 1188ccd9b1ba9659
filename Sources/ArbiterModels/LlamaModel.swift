// LlamaModel: the Llama-family decoder (SmolLM2, Llama 2/3, TinyLlama): token embedding, N blocks
// of pre-RMSNorm GQA attention with interleaved RoPE and a SwiGLU FFN, final RMSNorm, LM head
// (tied to the embedding when the file has no `output.weight`). Weights are fp32 Tensors held in
// `parameters` under their GGUF names, so the forward built from Tensor ops is differentiable.
// Q/K rows are in GGUF (llama.cpp-permuted) order, which is why RoPE rotates ADJACENT pairs.
// Not here: loading (LlamaModel+Loading.swift), the KV cache (KVCache.swift), sampling,
// generation and scoring (their own files). Decode steps of a GGUF-loaded model may use the
// file's quantised matrices instead (LlamaModel+QuantizedDecode.swift), fused into one pass
// over buffers (LlamaModel+DecodeStep.swift).
import ArbiterTensor

/// A Llama-family decoder-only transformer with fp32 weights.
public final class LlamaModel {
    /// Hyper-parameters.
    public let configuration: LlamaConfiguration
    /// Every weight, named as in the GGUF file (`token_embd.weight`, `blk.0.attn_q.weight`, …).
    public let parameters: Parameters
    /// True when the LM head is the token-embedding table.
    public let tiedEmbeddings: Bool

    struct Block {
        let attentionNorm: Tensor  // (C)
        let query: Linear  // (Hq·D, C)
        let key: Linear  // (Hkv·D, C)
        let value: Linear  // (Hkv·D, C)
        let output: Linear  // (C, Hq·D)
        let ffnNorm: Tensor  // (C)
        let gate: Linear  // (F, C)
        let up: Linear  // (F, C)
        let down: Linear  // (C, F)

        /// The block's matrices under their GGUF role names (`attn_q`, …, `ffn_down`).
        var linears: [(role: String, layer: Linear)] {
            [
                ("attn_q", query), ("attn_k", key), ("attn_v", value), ("attn_output", output), ("ffn_gate", gate),
                ("ffn_up", up), ("ffn_down", down),
            ]
        }
    }

    let tokenEmbedding: Tensor  // (V, C)
    let blocks: [Block]
    let outputNorm: Tensor  // (C)
    /// (V, C): its weight is `tokenEmbedding` when tied.
    let head: Linear
    /// True when the model holds quantised weights (a quantised GGUF file). Fixed at init: read on
    /// every forward, so not recomputed over the 200-odd layers each time.
    public let hasQuantizedWeights: Bool
    /// Whether decode steps (≤ `quantizedDecodeMaxRows` rows, no gradient recording) use the
    /// quantised matrices when the model has them (`arithmetic` sets it with the next one).
    var usesQuantizedDecode = false
    /// Whether products of more than `quantizedDecodeMaxRows` rows (a prompt's prefill) use the
    /// quantised matrices too, through the matrix-matrix kernels (QuantizedMatrix+Panels.swift),
    /// when no gradient is recorded.
    var usesQuantizedPrefill = false
    /// Whether quantised decode steps run fused on buffers (LlamaModel+DecodeStep.swift) rather
    /// than as Tensor ops; both give the same logits (off only to compare them).
    var usesFusedDecodeStep = true

    /// Assembles a model from named weights (GGUF names). Throws naming the first missing or
    /// mis-shaped tensor.
    public convenience init(configuration: LlamaConfiguration, parameters: Parameters, source: String = "parameters")
        throws
    {
        try self.init(configuration: configuration, parameters: parameters, source: source, quantized: nil)
    }

    /// As above, with the file's quantised blocks of the matrices for the fast arithmetic (which
    /// it turns on when there are any).
    convenience init(
        configuration: LlamaConfiguration, parameters: Parameters, source: String, quantized: QuantizedDecodeWeights?
    )
        throws
    {
        let c = configuration.hiddenSize
        let f = configuration.feedForwardSize
        let kv = configuration.keyValueHeadCount * configuration.headDimension
        func weight(_ name: String, _ shape: [Int]) throws -> Tensor {
            guard let t = parameters[name] else { throw LlamaError.missingTensor(path: source, tensor: name) }
            guard t.shape == shape else {
                throw LlamaError.shapeMismatch(path: source, tensor: name, expected: shape, found: t.shape)
            }
            return t
        }
        let tokenEmbedding = try weight("token_embd.weight", [configuration.vocabularySize, c])
        let blocks = try (0..<configuration.layerCount).map { l in
            let p = "blk.\(l)."
            let q = quantized?.blocks[l]
            func linear(_ role: String, _ shape: [Int], _ blocks: QuantizedMatrix?) throws -> Linear {
                Linear(weight: try weight(p + role + ".weight", shape), bias: nil, quantized: blocks)
            }
            return Block(
                attentionNorm: try weight(p + "attn_norm.weight", [c]), query: try linear("attn_q", [c, c], q?.query),
                key: try linear("attn_k", [kv, c], q?.key), value: try linear("attn_v", [kv, c], q?.value),
                output: try linear("attn_output", [c, c], q?.output), ffnNorm: try weight(p + "ffn_norm.weight", [c]),
                gate: try linear("ffn_gate", [f, c], q?.gate), up: try linear("ffn_up", [f, c], q?.up),
                down: try linear("ffn_down", [c, f], q?.down))
        }
        let outputNorm = try weight("output_norm.weight", [c])
        let tied = parameters["output.weight"] == nil
        let headWeight = tied ? tokenEmbedding : try weight("output.weight", [configuration.vocabularySize, c])
        self.init(
            configuration: configuration, parameters: parameters, tokenEmbedding: tokenEmbedding, blocks: blocks,
            outputNorm: outputNorm, head: Linear(weight: headWeight, bias: nil, quantized: quantized?.head))
        arithmetic = .fast
    }

    /// A model over existing layers (shared with whoever else holds them).
    init(
        configuration: LlamaConfiguration, parameters: Parameters, tokenEmbedding: Tensor, blocks: [Block],
        outputNorm: Tensor, head: Linear
    ) {
        self.configuration = configuration
        self.parameters = parameters
        self.tokenEmbedding = tokenEmbedding
        self.blocks = blocks
        self.outputNorm = outputNorm
        self.head = head
        tiedEmbeddings = head.weight === tokenEmbedding
        hasQuantizedWeights = (blocks.flatMap { $0.linears.map(\.layer) } + [head]).contains { $0.quantized != nil }
    }

    /// Next-token logits (B, T, V) for a right-padded batch: `tokens` holds B rows of equal length
    /// T; row b's real tokens are its first `lengths[b]` (default: all T). Padded positions get
    /// finite but meaningless logits. With `cache`, the rows continue the cached sequences (their
    /// positions follow each row's cached length) and the new keys/values are appended to it.
    /// Gradients flow to `parameters` unless called under `Tensor.noGrad`.
    public func logits(tokens: [[Int]], lengths: [Int]? = nil, cache: KVCache? = nil) -> Tensor {
        let h = hiddenStates(tokens: tokens, lengths: lengths, cache: cache)  // (B, T, C)
        let fast = usesQuantizedProducts(rows: h.count / configuration.hiddenSize, decodeStep: cache != nil)
        return project(h, [head], useQuantized: fast)[0]  // (B, T, V)
    }

    /// Logits (V) at one position per row: (B, V) for rows' `positions` of a (B, T, C) hidden state.
    /// A one-position (T = 1) hidden state is a decode step: the head may use its quantised copy.
    func logits(hidden h: Tensor, positions: [Int]) -> Tensor {
        let (b, t, c) = (h.shape[0], h.shape[1], h.shape[2])
        // (B, C)
        let rows = h.reshaped([b * t, c]).embedding(positions.enumerated().map { $0.offset * t + $0.element })
        let fast = usesQuantizedProducts(rows: b, decodeStep: t == 1)
        return project(rows, [head], useQuantized: fast)[0]  // (B, V)
    }

    /// The residual stream after the final RMSNorm, (B, T, C). `probe`, when given, sees the
    /// embedding output and each block's output (names as in the reference's hidden probes).
    func hiddenStates(
        tokens: [[Int]], lengths: [Int]? = nil, cache: KVCache? = nil, probe: ((String, Tensor) -> Void)? = nil
    ) -> Tensor {
        let config = configuration
        let b = tokens.count
        let t = tokens.first?.count ?? 0
        precondition(b > 0 && t > 0, "LlamaModel: need at least one row of at least one token")
        precondition(
            tokens.allSatisfy { $0.count == t }, "LlamaModel: rows have different lengths; right-pad them to T = \(t)")
        let lengths = lengths ?? Array(repeating: t, count: b)
        precondition(
            lengths.count == b && lengths.allSatisfy { $0 >= 0 && $0 <= t },
            "LlamaModel: lengths \(lengths) do not fit (B, T) = (\(b), \(t))")
        let flat = tokens.flatMap { $0 }
        precondition(
            flat.allSatisfy { $0 >= 0 && $0 < config.vocabularySize },
            "LlamaModel: token id outside 0..<\(config.vocabularySize)")
        if let cache {
            precondition(
                cache.batchSize == b && cache.layerCount == config.layerCount,
                "LlamaModel: cache shape does not match the batch")
        }

        let offsets = cache?.positions ?? Array(repeating: 0, count: b)  // RoPE position of each row's first new token
        let padding: KeyPadding
        if let cache {
            padding = .mask(cache.maskAfterAppending(lengths: lengths, newColumns: t))
        } else {
            padding = lengths.allSatisfy { $0 == t } ? .none : .lengths(lengths)
        }
        if probe == nil, let cache, let fused = fusedDecodeWeights(rows: b, t: t, cache: cache) {
            return fusedDecodeStep(tokens: flat, lengths: lengths, weights: fused, cache: cache, padding: padding)
        }
        var x = tokenEmbedding.embedding(flat, indexShape: [b, t])  // (B, T, C)
        probe?("embed_tokens", x)
        let fast = usesQuantizedProducts(rows: b * t, decodeStep: cache != nil)
        for (l, block) in blocks.enumerated() {
            x =
                x
                + attention(
                    block, fast, x.rmsNorm(weight: block.attentionNorm, eps: config.rmsNormEpsilon), layer: l,
                    offsets: offsets, padding: padding, cache: cache)
            let h = x.rmsNorm(weight: block.ffnNorm, eps: config.rmsNormEpsilon)  // (B, T, C)
            // 2 × (B, T, F)
            let gateUp = project(h, [block.gate, block.up], useQuantized: fast)
            let gated = gateUp[0].siluGated(by: gateUp[1])  // (B, T, F)
            x = x + project(gated, [block.down], useQuantized: fast)[0]
            probe?(String(format: "layer_%02d_out", l), x)
        }
        cache?.commit(lengths: lengths, newColumns: t)
        let out = x.rmsNorm(weight: outputNorm, eps: config.rmsNormEpsilon)
        probe?("final_norm_out", out)
        return out
    }

    /// Causal GQA self-attention of one block on normalised input h (B, T, C) → (B, T, C).
    /// `fast`: the products may read the matrices' current quantised blocks.
    private func attention(
        _ block: Block, _ fast: Bool, _ h: Tensor, layer: Int, offsets: [Int], padding: KeyPadding,
        cache: KVCache?
    ) -> Tensor {
        let config = configuration
        let b = h.shape[0]
        let t = h.shape[1]
        let d = config.headDimension
        let hq = config.headCount
        let hkv = config.keyValueHeadCount
        // (B, T, Hq·D), (B, T, Hkv·D), (B, T, Hkv·D)
        let qkv = project(h, [block.query, block.key, block.value], useQuantized: fast)
        func heads(_ projected: Tensor, _ n: Int) -> Tensor {
            projected.reshaped([b, t, n, d]).permuted([0, 2, 1, 3])  // (B, n, T, D)
        }
        let q = rope(heads(qkv[0], hq), offsets: offsets)  // (B, Hq, T, D)
        var k = rope(heads(qkv[1], hkv), offsets: offsets)  // (B, Hkv, T, D)
        var v = heads(qkv[2], hkv)  // (B, Hkv, T, D)
        let o: Tensor  // (B, Hq, T, D)
        if let cache, !(Tensor.isGradEnabled && [q, k, v].contains(where: \.tracksGrad)) {
            // Inference: attend over the cache storage in place (no copy of the earlier columns).
            let stored = cache.store(layer: layer, keys: k, values: v)  // (B, Hkv, capacity, D)
            o = Tensor.attention(
                query: q, keys: stored.keys, values: stored.values, keyValueHeads: hkv, keyCount: stored.columns,
                headStride: stored.headStride, causal: true, padding: padding)
        } else {
            if let cache { (k, v) = cache.append(layer: layer, keys: k, values: v) }  // (B, Hkv, Tc + T, D)
            o = Tensor.attention(query: q, key: k, value: v, causal: true, padding: padding)
        }
        let merged = o.permuted([0, 2, 1, 3]).reshaped([b, t, hq * d])  // (B, T, Hq·D)
        return project(merged, [block.output], useQuantized: fast)[0]  // (B, T, C)
    }

    /// Interleaved (adjacent-pair) RoPE on x (B, H, T, D), row b starting at position offsets[b].
    private func rope(_ x: Tensor, offsets: [Int]) -> Tensor {
        let theta = configuration.ropeTheta
        if let first = offsets.first, offsets.allSatisfy({ $0 == first }) {
            return x.rope(layout: .interleaved, theta: theta, positionOffset: first)
        }
        let rows = offsets.enumerated().map { b, offset in
            x.slice(alongAxis: 0, b..<(b + 1)).rope(layout: .interleaved, theta: theta, positionOffset: offset)
        }
        return Tensor.concat(rows, alongAxis: 0)
    }
}
