// PolicyLoss+Masks: the two constant masks TRL 1.9.0 multiplies into the per-token loss: the
// off-policy sequence mask (DeepSeek-V3.2, `get_off_policy_mask`) and the high-entropy token mask
// (`get_high_entropy_mask`, a float32 `torch.quantile` threshold). Neither carries a gradient.
// Not here: the objective they multiply (PolicyLoss+Variants.swift).

extension LossBatch {
    /// 1 keeps a sequence, 0 drops it: keep when A ≥ 0 or the masked mean of (old − current)
    /// log-probs is at most the threshold. (TRL prefers the sampler's log-probs; without vLLM they
    /// are the old ones.)  // (B)
    func offPolicyMask(threshold: Double) -> [Double] {
        (0..<rows).map { row in
            var sum = 0.0
            for col in 0..<columns {
                let i = row * columns + col
                sum += (old[i] - logProbs[i]) * mask[i]
            }
            let meanKL = sum / max(lengths[row], 1)
            return advantages[row] >= 0 || meanKL <= threshold ? 1 : 0
        }
    }

    /// Tokens whose entropy is at least the (1 − quantile) quantile of the valid tokens' entropies;
    /// nil when `quantile` ≥ 1 (no mask).  // (B·T)
    func highEntropyMask(keeping quantile: Double) -> [Bool]? {
        guard quantile < 1 else { return nil }
        guard let entropies else { preconditionFailure("entropies are needed when topEntropyQuantile < 1") }
        let valid = mask.indices.filter { mask[$0] > 0 }.map { Float(entropies[$0]) }  // float32, as TRL
        guard !valid.isEmpty else { return Array(repeating: false, count: mask.count) }
        let threshold = Double(Self.quantile(valid, Float(1 - quantile)))
        return mask.indices.map { mask[$0] > 0 && entropies[$0] * mask[$0] >= threshold }
    }

    /// `torch.quantile(values, q)` with linear interpolation, in float32.
    static func quantile(_ values: [Float], _ q: Float) -> Float {
        let sorted = values.sorted()
        let rank = q * Float(sorted.count - 1)
        let below = Int(rank)
        let above = Int(rank.rounded(.up))
        let weight = rank - Float(below)
        let start = sorted[below]
        let end = sorted[above]
        // torch.lerp: start + w·(end − start) for w < 0.5, else end − (end − start)·(1 − w)
        return weight < 0.5 ? start + weight * (end - start) : end - (end - start) * (1 - weight)
    }
}
