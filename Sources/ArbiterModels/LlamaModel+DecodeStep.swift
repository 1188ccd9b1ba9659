// LlamaModel+DecodeStep: one decode step (one new token per row, T = 1) of a model with quantised
// weights, on buffers allocated once per step instead of ~20 Tensor ops per block: RMSNorm,
// quantised q/k/v, RoPE in place, keys/values written straight into the KV cache, attention over
// the cache, output projection and residual, RMSNorm, gate/up, SwiGLU, down and residual. Every
// step uses the arithmetic of the Tensor op it replaces (shared functions in ArbiterTensor), so
// the logits are bit-identical to the Tensor path (QuantizedDecodeTests, fusedDecodeStepEquals-
// TensorOps); only the bookkeeping goes.
// Taken by `hiddenStates` for inference decode steps without a probe; everything else (prompts,
// recorded steps, fp32 weights) runs the Tensor path in LlamaModel.swift.
import ArbiterTensor

extension LlamaModel {
    /// The quantised matrices of every block when a fused decode step can run for `rows` rows of
    /// T new tokens (nil: use the Tensor path).
    func fusedDecodeWeights(rows: Int, t: Int, cache: KVCache?) -> [FusedBlockWeights]? {
        guard usesFusedDecodeStep, t == 1, cache != nil, usesQuantizedProducts(rows: rows, decodeStep: true) else {
            return nil
        }
        var out: [FusedBlockWeights] = []
        out.reserveCapacity(blocks.count)
        let c = configuration.hiddenSize
        let f = configuration.feedForwardSize
        for b in blocks {
            // Every matrix current and quantised, no bias, no unmerged adapter: else the Tensor path.
            guard b.linears.allSatisfy({ $0.layer.bias == nil && ($0.layer.lora?.isMerged ?? true) }),
                let query = b.query.currentQuantized, let key = b.key.currentQuantized,
                let value = b.value.currentQuantized, let output = b.output.currentQuantized,
                let gate = b.gate.currentQuantized, let up = b.up.currentQuantized, let down = b.down.currentQuantized,
                query.columns == c, key.columns == c, value.columns == c, output.columns == query.rows,
                gate.columns == c, up.columns == c, down.columns == f
            else { return nil }
            out.append(
                FusedBlockWeights(query: query, key: key, value: value, output: output, gate: gate, up: up, down: down))
        }
        return out
    }

    /// The residual stream after the final RMSNorm, (B, 1, C), for one new token per row
    /// (`flat[b]`, real when lengths[b] is 1, padding when 0), continuing `cache` (which must have
    /// the model's layer count and B rows).
    func fusedDecodeStep(
        tokens flat: [Int], lengths: [Int], weights: [FusedBlockWeights], cache: KVCache, padding: KeyPadding
    ) -> Tensor {
        let config = configuration
        let b = flat.count
        let c = config.hiddenSize
        let f = config.feedForwardSize
        let d = config.headDimension
        let hq = config.headCount
        let hkv = config.keyValueHeadCount
        let eps = config.rmsNormEpsilon
        let offsets = cache.positions
        var x = tokenEmbedding.embedding(flat, indexShape: [b, 1]).scalars  // (B, C) residual stream
        var h = [Float](repeating: 0, count: b * c)  // (B, C) normalised input of a sublayer
        var q = [Float](repeating: 0, count: b * hq * d)  // (B, Hq, D), then the attention output's input
        var k = [Float](repeating: 0, count: b * hkv * d)  // (B, Hkv, D)
        var v = [Float](repeating: 0, count: b * hkv * d)  // (B, Hkv, D)
        var attended = [Float](repeating: 0, count: b * hq * d)  // (B, Hq, D)
        var projected = [Float](repeating: 0, count: b * c)  // (B, C) a sublayer's output
        var gate = [Float](repeating: 0, count: b * f)  // (B, F), then silu(gate)·up
        var up = [Float](repeating: 0, count: b * f)  // (B, F)
        x.withUnsafeMutableBufferPointer { x in
            h.withUnsafeMutableBufferPointer { h in
                q.withUnsafeMutableBufferPointer { q in
                    k.withUnsafeMutableBufferPointer { k in
                        v.withUnsafeMutableBufferPointer { v in
                            attended.withUnsafeMutableBufferPointer { attended in
                                projected.withUnsafeMutableBufferPointer { projected in
                                    gate.withUnsafeMutableBufferPointer { gate in
                                        up.withUnsafeMutableBufferPointer { up in
                                            let (x, h, q, k, v) = (
                                                x.baseAddress!, h.baseAddress!, q.baseAddress!, k.baseAddress!,
                                                v.baseAddress!
                                            )
                                            let (attended, projected, gate, up) = (
                                                attended.baseAddress!, projected.baseAddress!, gate.baseAddress!,
                                                up.baseAddress!
                                            )
                                            func normalise(_ weight: Tensor) {
                                                let w = weight.scalars
                                                for row in 0..<b {
                                                    _ = Tensor.rmsNormRow(
                                                        x + row * c, w, eps: eps, count: c, into: h + row * c)
                                                }
                                            }
                                            func quantised(_ input: UnsafeMutablePointer<Float>, columns: Int)
                                                -> QuantizedActivations
                                            {
                                                QuantizedActivations(
                                                    UnsafeBufferPointer(start: input, count: b * columns), rows: b,
                                                    columns: columns)
                                            }
                                            func addResidual() {
                                                for i in 0..<(b * c) { x[i] = x[i] + projected[i] }
                                            }
                                            for (l, (block, w)) in zip(blocks, weights).enumerated() {
                                                normalise(block.attentionNorm)
                                                QuantizedMatrix.multiply(
                                                    [w.query, w.key, w.value], quantised(h, columns: c),
                                                    into: [q, k, v])
                                                for row in 0..<b {
                                                    Tensor.rope(
                                                        q + row * hq * d, rows: hq, d: d, layout: .interleaved,
                                                        theta: config.ropeTheta, position: offsets[row])
                                                    Tensor.rope(
                                                        k + row * hkv * d, rows: hkv, d: d, layout: .interleaved,
                                                        theta: config.ropeTheta, position: offsets[row])
                                                }
                                                let stored = cache.storage(
                                                    layer: l, batch: b, heads: hkv, columns: 1, dimension: d)
                                                stored.append(keys: k, values: v, columns: 1)
                                                Tensor.attention(
                                                    query: q, shape: (b, hq, 1, d), keys: stored.keys,
                                                    values: stored.values, keyValueHeads: hkv,
                                                    keyCount: stored.columns, headStride: stored.headStride,
                                                    causal: true, padding: padding, into: attended)
                                                QuantizedMatrix.multiply(
                                                    [w.output], quantised(attended, columns: hq * d), into: [projected])
                                                addResidual()
                                                normalise(block.ffnNorm)
                                                QuantizedMatrix.multiply(
                                                    [w.gate, w.up], quantised(h, columns: c), into: [gate, up])
                                                Tensor.siluGated(gate, up, gate, 0..<(b * f))
                                                QuantizedMatrix.multiply(
                                                    [w.down], quantised(gate, columns: f), into: [projected])
                                                addResidual()
                                            }
                                            normalise(outputNorm)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        cache.commit(lengths: lengths, newColumns: 1)
        return Tensor(h, shape: [b, 1, c])
    }
}

/// One block's quantised matrices, all present (the fused step's precondition).
struct FusedBlockWeights {
    let query: QuantizedMatrix  // (Hq·D, C)
    let key: QuantizedMatrix  // (Hkv·D, C)
    let value: QuantizedMatrix  // (Hkv·D, C)
    let output: QuantizedMatrix  // (C, Hq·D)
    let gate: QuantizedMatrix  // (F, C)
    let up: QuantizedMatrix  // (F, C)
    let down: QuantizedMatrix  // (C, F)
}
