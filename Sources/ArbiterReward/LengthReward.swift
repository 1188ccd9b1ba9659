// LengthReward: rewards on a completion's token count. `SoftOverlongPunishment` is DAPO's
// (Yu et al. 2025; TRL's `get_soft_overlong_punishment`): 0 up to L_max − L_cache tokens, then
// falling linearly to −1 at L_max, −1 beyond. `LengthPenalty` is a plain −rate per token over a
// budget. Both read `completionTokenIDs`, so they need the trainer's token ids.

/// DAPO's soft overlong punishment.
public struct SoftOverlongPunishment: RewardFunction {
    public let name: String
    /// L_max: the completion budget in tokens.
    public let maxCompletionLength: Int
    /// L_cache: the soft zone before L_max.
    public let softCacheLength: Int

    public init(name: String = "overlong", maxCompletionLength: Int, softCacheLength: Int) {
        precondition(maxCompletionLength > 0 && softCacheLength >= 0 && softCacheLength < maxCompletionLength)
        self.name = name
        self.maxCompletionLength = maxCompletionLength
        self.softCacheLength = softCacheLength
    }

    /// The punishment for a completion of `length` tokens.
    public func value(length: Int) -> Double {
        let expected = maxCompletionLength - softCacheLength
        if length <= expected { return 0 }
        if length <= maxCompletionLength { return Double(expected - length) / Double(max(softCacheLength, 1)) }
        return -1
    }

    public func score(_ batch: RewardBatch) async throws -> RewardScores {
        RewardScores(values: batch.completionTokenIDs.map { value(length: $0.count) })
    }
}

/// −rate · max(0, tokens − budget).
public struct LengthPenalty: RewardFunction {
    public let name: String
    public let budget: Int
    public let rate: Double

    public init(name: String = "length", budget: Int, rate: Double) {
        self.name = name
        self.budget = budget
        self.rate = rate
    }

    public func score(_ batch: RewardBatch) async throws -> RewardScores {
        RewardScores(values: batch.completionTokenIDs.map { -rate * Double(max(0, $0.count - budget)) })
    }
}
