// GRPO+Advantages: group-relative advantages from per-function rewards, TRL 1.9.0's statements
// (grpo_trainer.py L2679–2750) transcribed: weighted nansum, group mean, Bessel std + 1e-4 outside
// the square root, `scale_rewards` group/batch/none, both `multi_objective_aggregation` modes,
// unscorable rows (every function returned nil) zeroed. Computed in Float as TRL does (its rewards
// tensor is float32) and once more in Double. Not here: the rewards themselves (ArbiterReward),
// RLOO (GRPO+RLOO.swift), the policy loss (PolicyLoss.swift).

/// How group-centred rewards are scaled (TRL's `scale_rewards`).
public enum RewardScaling: String, Sendable, CaseIterable, Codable {
    /// Divide by the group's std (+ 1e-4).
    case group
    /// Subtract the group mean, divide by the whole batch's std (+ 1e-4).
    case batch
    /// Only subtract the group mean (Dr. GRPO).
    case none
}

/// How several reward functions are combined (TRL's `multi_objective_aggregation`).
public enum MultiObjectiveAggregation: String, Sendable, CaseIterable, Codable {
    /// Weighted sum first, then the group advantage of the sum.
    case sumThenNormalize = "sum_then_normalize"
    /// Z-score each function within its group, weighted sum, then z-score over the batch (GDPO).
    case normalizeThenSum = "normalize_then_sum"
}

/// What one batch's rewards give: advantages, summed rewards and TRL's reward metrics.
public struct GroupAdvantages: Sendable {
    /// Per completion, float32 as TRL computes them, after `nan_to_num`.  // (B)
    public var advantages: [Float]
    /// The same statements in Double (Bessel factor still float32, as TRL).  // (B)
    public var advantagesDouble: [Double]
    /// Weighted sums of the functions' rewards (nil counts 0); NaN on unscorable rows.  // (B)
    public var rewards: [Float]
    /// Groups whose reward std is close to 0 (all of them or none when the std is the batch's).
    public var zeroStdGroups: Int
    /// TRL's names: `rewards/<name>/mean`, `rewards/<name>/std`, `reward`, `reward_std`,
    /// `frac_reward_zero_std`.
    public var metrics: [String: Double]
}

extension GRPO {
    /// Group advantages of one generation batch, as TRL 1.9.0's GRPOTrainer computes them.
    ///
    /// - Parameters:
    ///   - rewardsPerFunction: (B)(K) rewards; nil where the function returned None. B = groups ×
    ///     groupSize with the rows of a group adjacent.
    ///   - functionNames: K names, for the metrics.
    ///   - weights: K weights; nil means all ones.
    public static func advantages(
        rewardsPerFunction: [[Double?]], functionNames: [String], weights: [Double]?,
        groupSize: Int, scaling: RewardScaling, aggregation: MultiObjectiveAggregation
    ) -> GroupAdvantages {
        let shape = RewardShape(rewardsPerFunction, functionNames, weights, groupSize)
        let single: (advantages: [Float], isStdZero: [Bool]) = AdvantageSteps.compute(
            shape, scaling: scaling, aggregation: aggregation)
        let double: (advantages: [Double], isStdZero: [Bool]) = AdvantageSteps.compute(
            shape, scaling: scaling, aggregation: aggregation)
        let zero = single.isStdZero.filter { $0 }.count  // rows: TRL repeats a group's std per row
        var metrics = rewardMetrics(shape)
        metrics["frac_reward_zero_std"] = Double(Float(zero) / Float(single.isStdZero.count))
        return GroupAdvantages(
            advantages: single.advantages, advantagesDouble: double.advantages,
            rewards: shape.weightedSums(Float.self), zeroStdGroups: zero / shape.groupSize, metrics: metrics)
    }

    /// TRL's reward metrics (float32): per-function nanmean/nanstd, and those of the weighted sum.
    static func rewardMetrics(_ shape: RewardShape) -> [String: Double] {
        var metrics: [String: Double] = [:]
        let values: [[Float]] = shape.values(Float.self)  // (B, K)
        for (k, name) in shape.names.enumerated() {
            let column = values.map { $0[k] }  // (B)
            let strided = shape.names.count > 1  // rewards_per_func[:, i] is a strided view
            metrics["rewards/\(name)/mean"] = Double(Stats.nanMean(column, strided: strided))
            metrics["rewards/\(name)/std"] = Double(Stats.nanStd(column, strided: strided))
        }
        let sums = shape.weightedSums(Float.self)
        metrics["reward"] = Double(Stats.nanMean(sums))
        metrics["reward_std"] = Double(Stats.nanStd(sums))
        return metrics
    }
}

/// The validated input of the advantage functions: B rows × K functions, groups of G adjacent rows.
struct RewardShape {
    let rows: [[Double?]]  // (B, K)
    let names: [String]  // (K)
    let weights: [Double]  // (K)
    let groupSize: Int

    init(_ rows: [[Double?]], _ names: [String], _ weights: [Double]?, _ groupSize: Int) {
        precondition(groupSize >= 1, "groupSize must be at least 1")
        precondition(rows.count % groupSize == 0, "\(rows.count) rows are not whole groups of \(groupSize)")
        precondition(!names.isEmpty, "at least one reward function")
        precondition(rows.allSatisfy { $0.count == names.count }, "every row needs \(names.count) rewards")
        precondition(weights == nil || weights!.count == names.count, "one weight per reward function")
        self.rows = rows
        self.names = names
        self.weights = weights ?? Array(repeating: 1, count: names.count)
        self.groupSize = groupSize
    }

    var count: Int { rows.count }
    var groups: Int { rows.count / groupSize }

    /// Rewards with nil → NaN, in F (TRL: `torch.tensor(..., dtype=float32)`).  // (B, K)
    func values<F: BinaryFloatingPoint>(_: F.Type) -> [[F]] {
        rows.map { row in row.map { $0.map { F($0) } ?? F.nan } }
    }

    /// Rows where every function returned nil.  // (B)
    var unscorable: [Bool] { rows.map { row in row.allSatisfy { $0 == nil } } }

    /// Weighted `nansum` over the functions, NaN on unscorable rows.  // (B)
    func weightedSums<F: BinaryFloatingPoint>(_: F.Type) -> [F] {
        weightedSums(values(F.self))
    }

    /// Weighted `nansum` of (B, K) values, NaN on unscorable rows.  // (B)
    func weightedSums<F: BinaryFloatingPoint>(_ values: [[F]]) -> [F] {
        let w = weights.map { F($0) }
        let unscorable = self.unscorable
        return values.indices.map { i in
            if unscorable[i] { return F.nan }
            return Stats.nanSum(values[i].indices.map { values[i][$0] * w[$0] })
        }
    }
}

/// TRL's advantage statements, generic over the floating-point type.
enum AdvantageSteps {
    /// The statements of grpo_trainer.py L2679–2730, in F.
    static func compute<F: BinaryFloatingPoint>(
        _ shape: RewardShape, scaling: RewardScaling, aggregation: MultiObjectiveAggregation
    ) -> (advantages: [F], isStdZero: [Bool]) {
        let g = shape.groupSize
        let epsilon = F(1e-4)
        var advantages: [F]  // (B)
        var std: [F]  // (B)
        switch aggregation {
        case .sumThenNormalize:
            let rewards = shape.weightedSums(F.self)  // (B)
            let groups = stride(from: 0, to: rewards.count, by: g).map { Array(rewards[$0..<$0 + g]) }
            let means = groups.flatMap { Array(repeating: Stats.nanMean($0), count: g) }  // (B)
            switch scaling {
            case .group, .none:
                std =
                    g > 1
                    ? groups.flatMap { Array(repeating: Stats.nanStd($0), count: g) }
                    : Array(repeating: 0, count: rewards.count)
            case .batch:
                std = Array(repeating: rewards.count > 1 ? Stats.nanStd(rewards) : 0, count: rewards.count)
            }
            advantages = zip(rewards, means).map { $0 - $1 }
            if scaling != .none {
                advantages = zip(advantages, std).map { $0 / ($1 + epsilon) }
            }
        case .normalizeThenSum:
            var values: [[F]] = shape.values(F.self)  // (B, K), becomes the per-function z-scores
            for k in shape.names.indices {
                for start in stride(from: 0, to: values.count, by: g) {
                    let column = (start..<start + g).map { values[$0][k] }  // (G)
                    let strided = shape.names.count > 1  // (groups, G, K) reduced over G
                    let mean = Stats.nanMean(column, strided: strided)
                    let deviation = g > 1 ? Stats.nanStd(column, strided: strided) : 0
                    for i in start..<start + g { values[i][k] = (values[i][k] - mean) / (deviation + epsilon) }
                }
            }
            let rewards = shape.weightedSums(values)  // (B)
            let batchStd: F = rewards.count > 1 ? Stats.nanStd(rewards) : 0
            let mean = Stats.nanMean(rewards)
            std = Array(repeating: batchStd, count: rewards.count)
            advantages = rewards.map { ($0 - mean) / (batchStd + epsilon) }
        }
        let isStdZero = std.map { Stats.isCloseToZero($0) }
        return (advantages.map { $0.isNaN ? 0 : $0 }, isStdZero)
    }
}

/// TRL's NaN-aware statistics (trl/trainer/utils.py `nanstd`; torch `nanmean`), with PyTorch's CPU
/// summation order (`cascade_sum`, AVX2) so that float32 results match to the bit on small inputs.
enum Stats {
    /// `torch.nansum` of one reduction row: NaN counts 0. Strided rows and rows shorter than one
    /// 32-byte vector take the scalar path (four interleaved partial sums); longer contiguous rows
    /// are summed lane-wise over vectors, then the lanes in order, then the tail.
    static func nanSum<F: BinaryFloatingPoint>(_ values: [F], strided: Bool = false) -> F {
        let x = values.map { $0.isNaN ? 0 : $0 }
        let lanes = 32 / MemoryLayout<F>.stride
        if strided || x.count < lanes {
            let rows = x.count / 4
            var partial = [F](repeating: 0, count: 4)
            for j in 0..<4 {
                for i in 0..<rows { partial[j] += x[i * 4 + j] }
            }
            for i in rows * 4..<x.count { partial[0] += x[i] }
            return partial[0] + partial[1] + partial[2] + partial[3]
        }
        let vectors = x.count / lanes
        let rows = vectors / 4
        var partial = [[F]](repeating: [F](repeating: 0, count: lanes), count: 4)
        func add(_ k: Int, vector v: Int) {
            for lane in 0..<lanes { partial[k][lane] += x[v * lanes + lane] }
        }
        for j in 0..<4 {
            for i in 0..<rows { add(j, vector: i * 4 + j) }
        }
        for v in rows * 4..<vectors { add(0, vector: v) }
        for k in 1..<4 {
            for lane in 0..<lanes { partial[0][lane] += partial[k][lane] }
        }
        var sum: F = 0
        for lane in 0..<lanes { sum += partial[0][lane] }
        for i in vectors * lanes..<x.count { sum += x[i] }
        return sum
    }

    /// Sum of the non-NaN values over their count; NaN when there are none.
    static func nanMean<F: BinaryFloatingPoint>(_ values: [F], strided: Bool = false) -> F {
        nanSum(values, strided: strided) / F(values.filter { !$0.isNaN }.count)
    }

    /// Bessel-corrected std of the non-NaN values; NaN with fewer than two. As in TRL the factor
    /// count/(count − 1) is computed in float32 from integer counts, whatever F is.
    static func nanStd<F: BinaryFloatingPoint>(_ values: [F], strided: Bool = false) -> F {
        let mean = nanMean(values, strided: strided)
        let squares = values.map { ($0 - mean) * ($0 - mean) }
        let count = values.filter { !$0.isNaN }.count
        guard count > 1 else { return F.nan }
        // (x − mean)² is a new, contiguous tensor whatever the input's layout
        let variance = nanMean(squares) * F(Float(count) / Float(count - 1))
        return variance.squareRoot()
    }

    /// `torch.isclose(x, 0)`: |x| ≤ atol 1e-8 (NaN is not close).
    static func isCloseToZero<F: BinaryFloatingPoint>(_ value: F) -> Bool {
        abs(value) <= F(1e-8)
    }
}
