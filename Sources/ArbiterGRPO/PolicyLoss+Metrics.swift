// PolicyLoss+Metrics: the metrics TRL 1.9.0's `_compute_loss` logs, under its names: masked means
// of the entropy and KL (Double), the clip ratios (float32, as TRL's `bool.float()` makes them:
// token means over the mask, or sequence means at sequence level; min/max over per-sequence means),
// `cispo_clip_ratio` and `vespo/phi_seq_mean`. Not here: `policy_loss`/`entropy_coef` (PolicyLoss).

extension LossBatch {
    /// `entropy` and, with β ≠ 0, `kl`: global masked means.
    func lossMetrics(kl: [Double]?) -> [String: Double] {
        var metrics: [String: Double] = [:]
        let count = max(lengths.reduce(0, +), 1)
        if let entropies {
            metrics["entropy"] = zip(entropies, mask).reduce(0.0) { $0 + $1.0 * $1.1 } / count
        }
        if let kl {
            metrics["kl"] = zip(kl, mask).reduce(0.0) { $0 + $1.0 * $1.1 } / count
        }
        return metrics
    }

    /// The ratio metrics of the loss type; `ratio` is the one TRL compares (after delta's cap).
    func ratioMetrics(ratio: [Double], _ kind: RatioMetricKind, _ config: PolicyLossConfiguration)
        -> [String: Double]
    {
        let sequenceLevel = config.importanceSamplingLevel == .sequence
        let low = 1 - config.epsilon
        let high = 1 + config.effectiveEpsilonHigh
        func flags(_ test: (Double, Double) -> Bool) -> [Bool] {  // (B·T)
            ratio.indices.map { test(ratio[$0], advantages[$0 / columns]) }
        }
        switch kind {
        case .clip:
            let lowFlags = flags { r, a in r < low && a < 0 }
            let highFlags = flags { r, a in r > high && a > 0 }
            let region = zip(lowFlags, highFlags).map { $0 || $1 }
            let lowRows = rowMeans(lowFlags, sequenceLevel: sequenceLevel).filter { !$0.isNaN }
            let highRows = rowMeans(highFlags, sequenceLevel: sequenceLevel).filter { !$0.isNaN }
            return [
                "clip_ratio/low_mean": Double(flagMean(lowFlags, sequenceLevel: sequenceLevel)),
                "clip_ratio/high_mean": Double(flagMean(highFlags, sequenceLevel: sequenceLevel)),
                "clip_ratio/region_mean": Double(flagMean(region, sequenceLevel: sequenceLevel)),
                "clip_ratio/low_min": Double(lowRows.min() ?? .nan),
                "clip_ratio/high_max": Double(highRows.max() ?? .nan),
            ]
        case .cispo:
            let clipped = flags { r, a in r > config.effectiveEpsilonHigh && a > 0 }
            return ["cispo_clip_ratio": Double(flagMean(clipped, sequenceLevel: sequenceLevel))]
        case .vespo(let phi):
            return ["vespo/phi_seq_mean": phi.reduce(0, +) / Double(rows)]
        case .none:
            return [:]
        }
    }

    /// Float32 mean of 0/1 flags: over the mask's tokens, or over sequences at sequence level.
    func flagMean(_ flags: [Bool], sequenceLevel: Bool) -> Float {
        if sequenceLevel {
            let count = (0..<rows).filter { flags[$0 * columns] }.count
            return Float(count) / Float(rows)
        }
        let count = flags.indices.filter { flags[$0] && mask[$0] > 0 }.count
        return Float(count) / Float(max(lengths.reduce(0, +), 1))
    }

    /// Float32 per-sequence means of 0/1 flags (NaN for an empty row at token level).  // (B)
    func rowMeans(_ flags: [Bool], sequenceLevel: Bool) -> [Float] {
        (0..<rows).map { row in
            if sequenceLevel { return flags[row * columns] ? 1 : 0 }
            let count = (0..<columns).filter { flags[row * columns + $0] && mask[row * columns + $0] > 0 }.count
            return Float(count) / Float(lengths[row])
        }
    }
}
