// CombinedReward: rewards built from other rewards. `WeightedSumReward` adds weighted parts with
// TRL's nansum rule (an unscored part counts 0, a row every part left unscored stays nil);
// `GatedReward` lets a judge's score count only where a verifier passed (a wrong or malformed
// answer cannot buy reward from a lenient judge); `ShapedReward` clips and rescales one reward.
// Parts are scored concurrently; their failure and fallback counts add up.

/// Σ weight·part over the parts that scored the row; nil when none did.
public struct WeightedSumReward: RewardFunction {
    public let name: String
    public let parts: [(reward: any RewardFunction, weight: Double)]

    public init(name: String, parts: [(reward: any RewardFunction, weight: Double)]) {
        precondition(!parts.isEmpty, "WeightedSumReward: at least one part")
        self.name = name
        self.parts = parts
    }

    public func score(_ batch: RewardBatch) async throws -> RewardScores {
        let scored = try await scoreConcurrently(parts.map(\.reward), batch)
        var failures = 0
        var fallbacks = 0
        var values = [Double?](repeating: nil, count: batch.count)
        for (scores, part) in zip(scored, parts) {
            failures += scores.failures
            fallbacks += scores.fallbacks
            for (i, value) in scores.values.enumerated() {
                guard let value else { continue }
                values[i] = (values[i] ?? 0) + part.weight * value
            }
        }
        return RewardScores(values: values, failures: failures, fallbacks: fallbacks)
    }
}

/// `reward` where `gate` scored at least `threshold`, else `failedValue`; nil where the gate is nil.
public struct GatedReward: RewardFunction {
    public let name: String
    public let gate: any RewardFunction
    public let reward: any RewardFunction
    public var threshold: Double
    public var failedValue: Double

    public init(
        name: String, gate: any RewardFunction, reward: any RewardFunction, threshold: Double = 1,
        failedValue: Double = 0
    ) {
        self.name = name
        self.gate = gate
        self.reward = reward
        self.threshold = threshold
        self.failedValue = failedValue
    }

    public func score(_ batch: RewardBatch) async throws -> RewardScores {
        let scored = try await scoreConcurrently([gate, reward], batch)
        let (g, r) = (scored[0], scored[1])
        let values: [Double?] = zip(g.values, r.values).map { gate, reward in
            guard let gate else { return nil }
            return gate >= threshold ? reward : failedValue
        }
        return RewardScores(
            values: values, failures: g.failures + r.failures, fallbacks: g.fallbacks + r.fallbacks)
    }
}

/// One reward clipped to `clip` (when set), then mapped through `scale`·x + `offset`.
public struct ShapedReward: RewardFunction {
    public let name: String
    public let reward: any RewardFunction
    public var clip: ClosedRange<Double>?
    public var scale: Double
    public var offset: Double

    public init(
        name: String, reward: any RewardFunction, clip: ClosedRange<Double>? = nil, scale: Double = 1,
        offset: Double = 0
    ) {
        self.name = name
        self.reward = reward
        self.clip = clip
        self.scale = scale
        self.offset = offset
    }

    public func score(_ batch: RewardBatch) async throws -> RewardScores {
        var scores = try await reward.score(batch)
        scores.values = scores.values.map { value in
            value.map { v in
                let clipped = clip.map { min(max(v, $0.lowerBound), $0.upperBound) } ?? v
                return scale * clipped + offset
            }
        }
        return scores
    }
}

/// Scores every reward on the same batch concurrently; results in the given order, each checked
/// to hold one value per completion.
func scoreConcurrently(_ rewards: [any RewardFunction], _ batch: RewardBatch) async throws -> [RewardScores] {
    try await withThrowingTaskGroup(of: (Int, RewardScores).self) { group in
        for (i, reward) in rewards.enumerated() { group.addTask { (i, try await reward.checkedScore(batch)) } }
        var out = [RewardScores?](repeating: nil, count: rewards.count)
        for try await (i, scores) in group { out[i] = scores }
        return out.map { $0! }
    }
}
