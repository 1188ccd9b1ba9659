// LlamaModel+GroupSampling: G sampled completions per prompt for group-relative RL (GRPO). Each
// prompt is prefilled once; its KV cache is then repeated for its G completions, which decode
// together as one batch of P·G rows. Each new token's log-probability under the sampling
// temperature (log softmax(logits / T), no top-k/top-p filter: what the policy-gradient
// forward computes) is recorded, with the entropy of that distribution (Sampler+Statistics.swift; rows
// draw in parallel). Runs without recording gradients. Not the user-facing
// `generate` (Generation.swift), whose samplers it shares.
import ArbiterTensor
import Foundation

/// The completions of one group-sampling call, row g·… = prompt p's completion g at p·G + g.
package struct GroupSamples: Sendable {
    /// New token ids per completion (a final stop token included).
    package var tokens: [[Int]]
    /// Why each completion ended.
    package var finishReasons: [FinishReason]
    /// log softmax(logits / T)[token] of each new token (aligned with `tokens`).
    package var logProbs: [[Float]]
    /// The entropy of softmax(logits / T) at each new token (aligned with `tokens`).
    package var entropies: [[Float]]
}

extension KVCache {
    /// A cache of B·times rows: row b·times + k holds a copy of row b (keys, values, validity and
    /// position). The copies are independent of this cache.
    package func repeatingRows(_ times: Int) -> KVCache {
        precondition(times >= 1, "KVCache.repeatingRows: times ≥ 1")
        let out = KVCache(layerCount: layerCount, batchSize: batchSize * times)
        for (l, layer) in layers.enumerated() {
            guard let layer else { continue }
            let (keys, values) = layer.contiguous()  // (B, Hkv, Tc, D)
            let unit = layer.heads * layer.columns * layer.dimension  // one row's floats
            var k: [Float] = []
            var v: [Float] = []
            k.reserveCapacity(keys.count * times)
            v.reserveCapacity(values.count * times)
            for b in 0..<batchSize {
                for _ in 0..<times {
                    k += keys[(b * unit)..<((b + 1) * unit)]
                    v += values[(b * unit)..<((b + 1) * unit)]
                }
            }
            let storage = out.storage(
                layer: l, batch: batchSize * times, heads: layer.heads, columns: layer.columns,
                dimension: layer.dimension)
            storage.append(keys: k, values: v, columns: layer.columns)
        }
        out.valid = valid.flatMap { Array(repeating: $0, count: times) }
        out.positions = positions.flatMap { Array(repeating: $0, count: times) }
        return out
    }
}

extension LlamaModel {
    /// The LM head's weight (V, C) (the token embedding when tied), for fused log-prob heads.
    package var outputWeight: Tensor { head.weight }

    /// Runs `body` with every LoRA adapter switched off (the base weights alone: GRPO's reference
    /// policy under LoRA), and switches them back on afterwards. Merged adapters stay merged.
    package func withoutAdapters<R>(_ body: () throws -> R) rethrows -> R {
        let layers = linears
        let saved = layers.map(\.lora)
        for layer in layers where layer.lora?.isMerged == false { layer.lora = nil }
        defer { for (layer, lora) in zip(layers, saved) { layer.lora = lora } }
        return try body()
    }

    /// Samples `groupSize` completions of each prompt (P prompts of ≥ 1 token, each leaving room
    /// for one new token). `samplers[p·G + g]` picks completion g of prompt p; `temperature` is
    /// the T of the recorded log-probabilities (the samplers' own). A completion ends at a stop
    /// token, after `maxNewTokens`, or at the context length.
    package func sampleGroups(
        prompts: [[Int]], groupSize g: Int, maxNewTokens: Int, samplers: inout [Sampler], temperature: Float,
        stopTokenIDs: Set<Int>
    ) throws(GenerationError) -> GroupSamples {
        precondition(!prompts.isEmpty && prompts.allSatisfy { !$0.isEmpty }, "sampleGroups: empty prompt")
        precondition(g >= 1 && samplers.count == prompts.count * g, "sampleGroups: one sampler per completion")
        precondition(temperature > 0, "sampleGroups: temperature > 0")
        let p = prompts.count
        let b = p * g
        let v = configuration.vocabularySize
        let context = configuration.contextLength
        var outputs = Array(repeating: [Int](), count: b)
        var logProbs = Array(repeating: [Float](), count: b)
        var entropies = logProbs
        var reasons = [FinishReason?](repeating: nil, count: b)
        for row in 0..<b where maxNewTokens == 0 { reasons[row] = .maxTokens }
        for row in 0..<b where prompts[row / g].count >= context { reasons[row] = .contextLength }
        let pad = prompts[0][0]
        var nonFinite = false
        Tensor.noGrad {
            let prefill = KVCache(for: self, batchSize: p)
            let t = prompts.map(\.count).max()!
            let padded = prompts.map { $0 + Array(repeating: pad, count: t - $0.count) }
            let hidden = hiddenStates(tokens: padded, lengths: prompts.map(\.count), cache: prefill)  // (P, T, C)
            let first = logits(hidden: hidden, positions: prompts.map { $0.count - 1 }).scalars  // (P·V)
            let cache = prefill.repeatingRows(g)
            var current = (0..<b).flatMap { row in first[((row / g) * v)..<((row / g + 1) * v)] }  // (B·V)
            var drawn = [(token: Int, logProb: Float, entropy: Float)?](repeating: nil, count: b)
            let parts = min(b, WorkerPool.shared.workerCount + 1)
            while reasons.contains(where: { $0 == nil }) {
                // Rows draw in parallel (each has its own sampler); stop checks follow in row order.
                let open = reasons.map { $0 == nil }
                current.withUnsafeBufferPointer { logits in
                    samplers.withUnsafeMutableBufferPointer { samplers in
                        drawn.withUnsafeMutableBufferPointer { drawn in
                            WorkerPool.shared.run(parts: parts) { part in
                                var scratch: [Float] = []
                                for row in stride(from: part, to: b, by: parts) where open[row] {
                                    let rowLogits = UnsafeBufferPointer(rebasing: logits[(row * v)..<((row + 1) * v)])
                                    if (try? checkFiniteLogits(rowLogits)) == nil {
                                        drawn[row] = nil
                                        continue
                                    }
                                    drawn[row] = samplers[row].nextWithStatistics(
                                        rowLogits, temperature: temperature, scratch: &scratch)
                                }
                            }
                        }
                    }
                }
                for row in 0..<b where open[row] {
                    guard let draw = drawn[row] else {
                        nonFinite = true
                        reasons = reasons.map { $0 ?? .maxTokens }
                        break
                    }
                    let token = draw.token
                    outputs[row].append(token)
                    logProbs[row].append(draw.logProb)
                    entropies[row].append(draw.entropy)
                    if stopTokenIDs.contains(token) {
                        reasons[row] = .stopToken
                    } else if outputs[row].count >= maxNewTokens {
                        reasons[row] = .maxTokens
                    } else if prompts[row / g].count + outputs[row].count >= context {
                        reasons[row] = .contextLength
                    }
                }
                guard reasons.contains(where: { $0 == nil }) else { break }
                let feed = (0..<b).map { reasons[$0] == nil ? [outputs[$0].last!] : [pad] }
                let lengths = (0..<b).map { reasons[$0] == nil ? 1 : 0 }
                let h = hiddenStates(tokens: feed, lengths: lengths, cache: cache)  // (B, 1, C)
                current = logits(hidden: h, positions: Array(repeating: 0, count: b)).scalars  // (B·V)
            }
        }
        if nonFinite { throw .nonFiniteLogits }
        return GroupSamples(
            tokens: outputs, finishReasons: reasons.map { $0 ?? .maxTokens }, logProbs: logProbs, entropies: entropies)
    }

    /// The naive reference of `Sampler.nextWithStatistics`' numbers (tests): log softmax(z)[token]
    /// and the entropy −Σ p log p of softmax(z), z = logits / T, accumulated in Double: with w = exp(z − max z), log p(token) = z_token − max − log Σw and the entropy is
    /// log Σw − Σ w (z − max) / Σw.
    package static func temperatureStatistics(_ logits: [Float], token: Int, temperature: Float)
        -> (logProb: Float, entropy: Float)
    {
        let t = Double(temperature)
        var m = -Double.infinity
        for x in logits { m = Swift.max(m, Double(x) / t) }
        var s = 0.0
        var weighted = 0.0
        for x in logits {
            let z = Double(x) / t - m
            let w = Foundation.exp(z)
            s += w
            if w > 0 { weighted += w * z }  // a −∞ logit adds nothing (0 · −∞ would be NaN)
        }
        let logS = Foundation.log(s)
        return (Float(Double(logits[token]) / t - m - logS), Float(logS - weighted / s))
    }
}
