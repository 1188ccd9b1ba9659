// GRPOTrainer+Batch: one step's generation batch: draw prompts, sample G completions each, score
// them with every reward, and turn the rewards into advantages. With dynamic sampling (DAPO),
// groups whose rewards all agree carry no signal: they are dropped and replacement prompts are
// sampled, at most `max_resample_rounds` more times; short of P informative groups, the batch is
// topped up with dropped ones. Monitor rewards (weight 0) are scored and logged, not summed.
import ArbiterModels
import ArbiterReward
import ArbiterTensor
import Foundation

/// What the optimizer and the checkpoint carry from step to step.
struct GRPOState {
    var step: Int
    var optimizer: AdamW
    /// Prompts drawn so far (the dataset's draw position).
    var dataPosition: Int
}

/// One step's completions, ready for the loss.
struct GRPOBatch {
    var promptIDs: [[Int]]  // (B) the prompt of each completion
    var completions: [[Int]]  // (B) completion tokens
    var mask: [[Bool]]  // (B) per completion token
    var advantages: [Float]  // (B)
    /// The rollout's entropy of softmax(logits / T) per completion token (the `entropy` metric of
    /// rows whose forward is skipped).  // (B) per completion token
    var rolloutEntropies: [[Float]]
    var metrics: [String: Double]
    /// The first group as a completions.jsonl line: prompt, completions, rewards, advantages.
    var sample: [String: Any] = [:]
    /// Wall-clock seconds of the rollouts and of the rewards (throughput.jsonl only).
    var timings: [String: Double] = [:]

    func prompts(_ range: Range<Int>) -> [[Int]] { Array(promptIDs[range]) }
    func tokens(_ range: Range<Int>) -> [[Int]] { Array(completions[range]) }
}

/// One prompt's G completions and their rewards.
private struct ScoredGroup {
    var prompt: String
    var texts: [String]
    var promptIDs: [Int]
    var tokens: [[Int]]
    var entropies: [[Float]]
    var finishReasons: [FinishReason]
    var rewards: [[Double?]]  // (G)(K)
    var informative: Bool
}

extension GRPOTrainer {
    func freshState() throws -> GRPOState {
        let c = configuration
        let adam = try AdamW.Configuration(
            learningRate: Float(c.learningRate), beta1: Float(c.adamBeta1), beta2: Float(c.adamBeta2),
            epsilon: Float(c.adamEpsilon), weightDecay: Float(c.weightDecay))
        return GRPOState(step: 0, optimizer: AdamW(configuration: adam), dataPosition: 0)
    }

    func collectBatch(step: Int, state: inout GRPOState) async throws -> GRPOBatch {
        let c = configuration
        let g = c.numGenerations
        var kept: [ScoredGroup] = []
        var dropped: [ScoredGroup] = []
        var counts = RewardCounts(k: rewards.count)
        var round = 0
        var rolloutSeconds = 0.0
        var rewardSeconds = 0.0
        while true {
            let need = c.dynamicSampling ? c.promptsPerStep - kept.count : c.promptsPerStep
            let rows = dataset.indices(from: state.dataPosition, count: need, seed: c.seed)
            state.dataPosition += need
            let promptIDs = try rows.map { try policy.promptIDs(dataset.rows[$0].prompt) }
            let rolloutStart = ContinuousClock.now
            let samples = try policy.sample(prompts: promptIDs, step: step, round: round)
            rolloutSeconds += (ContinuousClock.now - rolloutStart).milliseconds / 1000
            let rewardStart = ContinuousClock.now
            defer { rewardSeconds += (ContinuousClock.now - rewardStart).milliseconds / 1000 }
            let batch = RewardBatch(
                prompts: rows.flatMap { Array(repeating: dataset.rows[$0].prompt, count: g) },
                completions: samples.tokens.map(completionText), completionTokenIDs: samples.tokens,
                groupSize: g, metadata: rows.flatMap { Array(repeating: dataset.rows[$0].metadata, count: g) })
            var perFunction: [[Double?]] = []
            for reward in rewards {
                let scores = try await reward.checkedScore(batch)
                perFunction.append(scores.values)
                counts.add(scores, index: perFunction.count - 1)
            }
            for p in rows.indices {
                let range = (p * g)..<((p + 1) * g)
                let groupRewards = range.map { i in perFunction.map { $0[i] } }
                let group = ScoredGroup(
                    prompt: batch.prompts[p * g], texts: Array(batch.completions[range]), promptIDs: promptIDs[p],
                    tokens: Array(samples.tokens[range]), entropies: Array(samples.entropies[range]),
                    finishReasons: Array(samples.finishReasons[range]), rewards: groupRewards,
                    informative: isInformative(groupRewards))
                if !c.dynamicSampling || group.informative { kept.append(group) } else { dropped.append(group) }
            }
            if !c.dynamicSampling || kept.count >= c.promptsPerStep || round >= c.maxResampleRounds { break }
            round += 1
        }
        let droppedCount = dropped.count
        kept += dropped.prefix(max(0, c.promptsPerStep - kept.count))
        var made = makeBatch(kept, counts: counts, rounds: round + 1, droppedGroups: droppedCount)
        made.timings = ["rollout_seconds": rolloutSeconds, "reward_seconds": rewardSeconds]
        if let first = kept.first {
            made.sample = [
                "step": step, "prompt": first.prompt,
                "completions": first.texts.indices.map { i -> [String: Any] in
                    var rewards: [String: Any] = [:]
                    for (k, spec) in rewardSpecs.enumerated() {
                        rewards[spec.name] = first.rewards[i][k].map { $0 as Any } ?? NSNull()
                    }
                    return [
                        "text": first.texts[i], "tokens": first.tokens[i].count, "rewards": rewards,
                        "advantage": Double(made.advantages[i]),
                    ]
                },
            ]
        }
        return made
    }

    /// The completion's text without stop tokens.
    func completionText(_ tokens: [Int]) -> String {
        let stops = policy.language.stopTokenIDs
        return policy.language.tokenizer.decode(tokens.filter { !stops.contains($0) })
    }

    /// Whether the weighted training rewards of a group differ (two scorable rows at least).
    private func isInformative(_ rewards: [[Double?]]) -> Bool {
        let weights = rewardSpecs.map(\.trainingWeight)
        let sums: [Double] = rewards.compactMap { row in
            guard row.contains(where: { $0 != nil }) else { return nil }
            return zip(row, weights).reduce(0) { $0 + ($1.0 ?? 0) * $1.1 }
        }
        guard sums.count >= 2, let first = sums.first else { return false }
        return sums.contains { abs($0 - first) > 1e-9 * max(1, abs(first)) }
    }

    private func makeBatch(_ groups: [ScoredGroup], counts: RewardCounts, rounds: Int, droppedGroups: Int)
        -> GRPOBatch
    {
        let c = configuration
        let g = c.numGenerations
        let rewardRows = groups.flatMap(\.rewards)  // (B)(K)
        let trained = rewardSpecs.indices.filter { !rewardSpecs[$0].monitor }
        let trainedRows = rewardRows.map { row in trained.map { row[$0] } }
        let names = trained.map { rewardSpecs[$0].name }
        let weights = trained.map { rewardSpecs[$0].weight }
        let result: GroupAdvantages
        switch c.advantageEstimator {
        case .grpo:
            result = GRPO.advantages(
                rewardsPerFunction: trainedRows, functionNames: names, weights: weights, groupSize: g,
                scaling: c.scaleRewards, aggregation: c.multiObjectiveAggregation)
        case .rloo:
            result = GRPO.rlooAdvantages(
                rewardsPerFunction: trainedRows, functionNames: names, weights: weights, groupSize: g,
                normalize: c.scaleRewards == .batch, sequenceKL: nil, beta: 0)
        }
        var metrics = result.metrics
        for (k, spec) in rewardSpecs.enumerated() {
            let values = rewardRows.compactMap { $0[k] }
            if spec.monitor {
                let mean = values.isEmpty ? Double.nan : values.reduce(0, +) / Double(values.count)
                let variance =
                    values.count < 2
                    ? Double.nan : values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
                metrics["rewards/\(spec.name)/mean"] = mean
                metrics["rewards/\(spec.name)/std"] = variance.squareRoot()
            }
            metrics["rewards/\(spec.name)/unscored"] = Double(rewardRows.count - values.count)
            metrics["rewards/\(spec.name)/failures"] = Double(counts.failures[k])
            metrics["rewards/\(spec.name)/fallbacks"] = Double(counts.fallbacks[k])
        }
        let tokens = groups.flatMap(\.tokens)
        let reasons = groups.flatMap(\.finishReasons)
        let lengths = tokens.map { Double($0.count) }
        let terminated = zip(lengths, reasons).filter { $0.1 == .stopToken }.map(\.0)
        metrics["completions/mean_length"] = lengths.reduce(0, +) / Double(lengths.count)
        metrics["completions/min_length"] = lengths.min() ?? 0
        metrics["completions/max_length"] = lengths.max() ?? 0
        metrics["completions/clipped_ratio"] = Double(lengths.count - terminated.count) / Double(lengths.count)
        metrics["completions/mean_terminated_length"] =
            terminated.isEmpty ? 0 : terminated.reduce(0, +) / Double(terminated.count)
        if c.dynamicSampling {
            metrics["dynamic_sampling/rounds"] = Double(rounds)
            metrics["dynamic_sampling/dropped_groups"] = Double(droppedGroups)
        }
        let mask = zip(tokens, reasons).map { t, reason in
            Array(repeating: !(c.maskTruncatedCompletions && reason != .stopToken), count: t.count)
        }
        return GRPOBatch(
            promptIDs: groups.flatMap { Array(repeating: $0.promptIDs, count: g) }, completions: tokens, mask: mask,
            advantages: result.advantages, rolloutEntropies: groups.flatMap(\.entropies), metrics: metrics)
    }
}

/// Failure and fallback counts per reward function over a step's rounds.
struct RewardCounts {
    var failures: [Int]
    var fallbacks: [Int]
    init(k: Int) {
        failures = Array(repeating: 0, count: k)
        fallbacks = Array(repeating: 0, count: k)
    }
    mutating func add(_ scores: RewardScores, index: Int) {
        failures[index] += scores.failures
        fallbacks[index] += scores.fallbacks
    }
}
