// JudgeReward: any pointwise judge (an LLM judge over a rubric, a trained reward model, a
// verifier) as a reward function. The whole batch goes to the judge in one `judge(_:)` call, so
// LLM judges run their calls concurrently (bounded by their JudgeCallSettings) and trained judges
// score in batched forwards. A failed judgment follows the configured fallback chain (ask the
// same judge again, then another judge); what is still failed becomes nil and is counted, never 0.
import ArbiterJudge

/// What happens to completions whose judgment failed.
public enum RewardFallback: Sendable {
    /// Ask the same judge again for the failed ones (up to `times` more rounds).
    case retry(times: Int)
    /// Ask another judge for the ones still failed.
    case judge(any Judge<JudgeSample>)
}

/// A pointwise judge's score as a reward.
public struct JudgeReward: RewardFunction {
    public let name: String
    public let judge: any Judge<JudgeSample>
    /// The metadata column passed to the judge as the reference answer, if any.
    public var referenceField: String?
    /// For multi-criterion judges: the criterion whose score counts (nil: the mean of all
    /// criteria, which must all succeed).
    public var criterion: String?
    /// Maps a raw score onto [0, 1] linearly from this range (e.g. a 1–5 rubric), clamped; nil
    /// keeps the raw score.
    public var scoreRange: ClosedRange<Double>?
    /// Tried in order for the completions still failed.
    public var fallbacks: [RewardFallback]

    public init(
        name: String, judge: any Judge<JudgeSample>, referenceField: String? = nil, criterion: String? = nil,
        scoreRange: ClosedRange<Double>? = nil, fallbacks: [RewardFallback] = []
    ) {
        self.name = name
        self.judge = judge
        self.referenceField = referenceField
        self.criterion = criterion
        self.scoreRange = scoreRange
        self.fallbacks = fallbacks
    }

    public func score(_ batch: RewardBatch) async throws -> RewardScores {
        let samples = (0..<batch.count).map { i in
            JudgeSample(
                id: "completion-\(i)", prompt: batch.prompts[i], response: batch.completions[i],
                reference: referenceField.flatMap { batch.metadata[i][$0] })
        }
        var values = await scores(of: samples, indices: Array(samples.indices), by: judge)
        var fallbacks = 0
        for fallback in self.fallbacks {
            let rounds: [any Judge<JudgeSample>]
            switch fallback {
            case .retry(let times): rounds = Array(repeating: judge, count: max(times, 0))
            case .judge(let other): rounds = [other]
            }
            for round in rounds {
                let failed = values.indices.filter { values[$0] == nil }
                if failed.isEmpty { break }
                let again = await scores(of: failed.map { samples[$0] }, indices: failed, by: round)
                for (i, value) in again.enumerated() where value != nil {
                    values[failed[i]] = value
                    fallbacks += 1
                }
            }
        }
        let failures = values.reduce(0) { $0 + ($1 == nil ? 1 : 0) }
        return RewardScores(values: values, failures: failures, fallbacks: fallbacks)
    }

    /// One value per sample (nil where the judgment failed), from one `judge(_:)` call.
    private func scores(of samples: [JudgeSample], indices: [Int], by judge: any Judge<JudgeSample>) async
        -> [Double?]
    {
        let judgments = await judge.judge(samples)
        var byID: [String: [Judgment]] = [:]
        for j in judgments { byID[j.id, default: []].append(j) }
        return samples.map { sample in
            var own = byID[sample.id] ?? []
            if let criterion { own = own.filter { $0.criterion == criterion } }
            guard !own.isEmpty, own.allSatisfy({ $0.succeeded && $0.score?.isFinite == true }) else { return nil }
            let raw = own.map { $0.score! }.reduce(0, +) / Double(own.count)
            guard let range = scoreRange, range.upperBound > range.lowerBound else { return raw }
            return min(max((raw - range.lowerBound) / (range.upperBound - range.lowerBound), 0), 1)
        }
    }
}
