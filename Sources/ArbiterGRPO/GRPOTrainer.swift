// GRPOTrainer: the GRPO loop on ArbiterTensor. Each step draws `prompts_per_step` prompts, samples
// G completions of each with the current weights, scores them with every reward function, turns
// the rewards into group advantages (GRPO or RLOO, TRL's rules), then runs `num_iterations`
// optimizer updates over the batch in micro-batches: the fused head op gives per-token log-probs
// and entropies, `GRPO.policyLoss` the loss and its gradient, which enters the tape as a
// surrogate (Σ stats · ∂loss/∂stats). Metrics (TRL's names) go to metrics.jsonl one line per step,
// timings to throughput.jsonl (wall-clock is not reproducible, so it is kept out of the metrics),
// a checkpoint every `save_steps`, a report at the end. Checkpoints and resume:
// GRPOTrainer+Checkpoint.swift; hacking monitors: GRPOMonitor.swift.
import ArbiterAgreement
import ArbiterCore
import ArbiterJudge
import ArbiterModels
import ArbiterReward
import ArbiterTensor
import Foundation

/// What the trainer reports after each step (for progress bars and warnings).
public struct GRPOProgress: Sendable {
    public var step: Int
    public var maxSteps: Int
    public var metrics: [String: Double]
    public var seconds: Double
    /// Set when a hacking monitor fired this step.
    public var warning: String?
}

/// A run's outcome.
public struct GRPORunSummary: Sendable {
    /// Steps completed in total (including those of earlier, resumed runs).
    public var steps: Int
    /// Steps this call ran.
    public var stepsRun: Int
    /// True when the hacking monitor stopped the run (`stop_on_hacking`).
    public var stoppedByMonitor: Bool
    public var metricsURL: URL
    public var reportURL: URL
}

/// A trust gate refused a judge reward.
public struct GRPOTrustGateRefusal: Error, LocalizedError {
    public var reward: String
    public var evidence: String
    public var errorDescription: String? {
        "reward \(reward): the judge's audit does not pass its trust gate; train on it anyway with --force\n" + evidence
    }
}

/// The GRPO trainer.
public final class GRPOTrainer {
    public let configuration: GRPOConfiguration
    let policy: GRPOPolicy
    let dataset: PromptDataset
    /// Held-out prompts (`eval_data`), when configured.
    let evalDataset: PromptDataset?
    let rewardSpecs: [GRPORewardSpec]
    let rewards: [any RewardFunction]
    /// Called after every step.
    public var progress: (@Sendable (GRPOProgress) -> Void)?

    /// A trainer over a loaded model (its arithmetic is switched to `.exact`), the prompts and one
    /// reward function per spec (same order).
    public init(
        configuration: GRPOConfiguration, language: LanguageModel, dataset: PromptDataset,
        rewards: [any RewardFunction], evalDataset: PromptDataset? = nil
    ) throws {
        precondition(rewards.count == configuration.rewards.count, "GRPOTrainer: one reward function per spec")
        language.model.arithmetic = .exact
        self.configuration = configuration
        self.policy = try GRPOPolicy(language: language, configuration: configuration)
        self.dataset = dataset
        self.evalDataset = evalDataset
        self.rewardSpecs = configuration.rewards
        self.rewards = rewards
    }

    /// Loads everything a configuration names: the model (fetched when it is a registry name), the
    /// prompts and the rewards; checks every judge reward's trust gate (refusing with the evidence
    /// unless `force`).
    public static func prepare(
        _ configuration: GRPOConfiguration, force: Bool = false, store: ModelStore = ModelStore()
    ) throws -> GRPOTrainer {
        for spec in configuration.rewards {
            if let result = try spec.trustGateResult(), !result.passed, !force {
                throw GRPOTrustGateRefusal(reward: spec.name, evidence: result.summary)
            }
        }
        let dataset = try PromptDataset.load(configuration.trainData, promptField: configuration.promptField)
        let resolved = try store.resolve(configuration.model, fetchIfMissing: true)
        let language = try LanguageModel.load(resolved.url, options: .exact)
        let rewards = try configuration.rewards.map { try $0.makeReward(store: store) }
        let eval = try configuration.evalData.map { try PromptDataset.load($0, promptField: configuration.promptField) }
        return try GRPOTrainer(
            configuration: configuration, language: language, dataset: dataset, rewards: rewards, evalDataset: eval)
    }

    var metricsURL: URL { configuration.outputDir.appendingPathComponent("metrics.jsonl") }
    var throughputURL: URL { configuration.outputDir.appendingPathComponent("throughput.jsonl") }
    var reportURL: URL { configuration.outputDir.appendingPathComponent("report.html") }
    /// One line per step: the first group's prompt, completions, rewards and advantages.
    var completionsURL: URL { configuration.outputDir.appendingPathComponent("completions.jsonl") }

    /// Runs (or resumes) the configured steps.
    public func train() async throws -> GRPORunSummary {
        let c = configuration
        try FileManager.default.createDirectory(at: c.outputDir, withIntermediateDirectories: true)
        let parameters = policy.trainableParameters
        var state = try restoreCheckpoint(parameters: parameters) ?? freshState()
        let metrics = try MetricsLog(url: metricsURL, keepingThrough: state.step)
        let throughput = try MetricsLog(url: throughputURL, keepingThrough: state.step)
        let evalLog = try MetricsLog(url: evalURL, keepingThrough: state.step)
        let samples = try MetricsLog(url: completionsURL, keepingThrough: state.step)
        if state.step == 0, evaluatesAfter(step: 0) { try evalLog.append(try await evaluate(step: 0)) }
        var monitor = GRPOMonitor(specs: rewardSpecs, window: c.monitorWindow, history: MetricsLog.read(metricsURL))
        let firstStep = state.step
        var stopped = false
        while state.step < c.maxSteps {
            let started = ContinuousClock.now
            let step = state.step + 1
            var (values, tokens, sample, timings) = try await runStep(
                step: step, state: &state, parameters: parameters)
            let warning = monitor.observe(step: step, metrics: &values)
            state.step = step
            try metrics.append(values)
            if !sample.isEmpty { try samples.append(object: sample) }
            let seconds = (ContinuousClock.now - started).milliseconds / 1000
            try throughput.append(
                timings.merging([
                    "step": Double(step), "seconds": seconds, "tokens_per_second": Double(tokens) / max(seconds, 1e-9),
                ]) { $1 })
            if evaluatesAfter(step: step) { try evalLog.append(try await evaluate(step: step)) }
            if step % c.saveSteps == 0 || step == c.maxSteps {
                try saveCheckpoint(parameters: parameters, state: state)
            }
            progress?(
                GRPOProgress(step: step, maxSteps: c.maxSteps, metrics: values, seconds: seconds, warning: warning))
            if warning != nil, c.stopOnHacking {
                try saveCheckpoint(parameters: parameters, state: state)
                stopped = true
                break
            }
        }
        try writeReport()
        return GRPORunSummary(
            steps: state.step, stepsRun: state.step - firstStep, stoppedByMonitor: stopped, metricsURL: metricsURL,
            reportURL: reportURL)
    }

    /// One step: rollouts, rewards, advantages, μ optimizer updates. Returns the step's metrics,
    /// the number of tokens processed (prompt + completion, for throughput) and the first group.
    func runStep(
        step: Int, state: inout GRPOState, parameters: Parameters
    ) async throws -> ([String: Double], Int, [String: Any], [String: Double]) {
        let c = configuration
        let batch = try await collectBatch(step: step, state: &state)
        let n = batch.completions.count
        // Old log-probs (μ > 1) and reference log-probs (β > 0) for every completion, unrecorded.
        let logProbStart = ContinuousClock.now
        var old: [[Float]]? = nil
        var ref: [[Float]]? = nil
        if c.numIterations > 1 {
            old = microBatches(n).flatMap { range in
                let stats = Tensor.noGrad {
                    policy.tokenStatistics(prompts: batch.prompts(range), completions: batch.tokens(range))
                }
                return Self.split(GRPOPolicy.column(stats, 0), lengths: batch.tokens(range).map(\.count))
            }
        }
        if c.beta > 0 {
            ref = microBatches(n).flatMap { range in
                Self.split(
                    policy.referenceLogProbs(prompts: batch.prompts(range), completions: batch.tokens(range)),
                    lengths: batch.tokens(range).map(\.count))
            }
        }
        let itemsInBatch = Double(batch.mask.reduce(0) { $0 + $1.filter { $0 }.count })
        var lossMetrics: [String: [Double]] = [:]
        var gradNorms: [Double] = []
        var rates: [Double] = []
        let ranges = microBatches(n)
        var timings = batch.timings
        timings["old_and_reference_seconds"] = (ContinuousClock.now - logProbStart).milliseconds / 1000
        let trainStart = ContinuousClock.now
        for _ in 0..<c.numIterations {
            parameters.zeroGrad()
            for range in ranges {
                let result = backpropagate(
                    batch: batch, range: range, old: old, reference: ref, itemsInBatch: itemsInBatch,
                    microBatches: ranges.count)
                for (key, value) in result.metrics { lossMetrics[key, default: []].append(value) }
                lossMetrics["loss", default: []].append(result.loss)
            }
            gradNorms.append(parameters.clipGradients(maxNorm: Float(c.maxGradNorm)))
            let rate = Double(schedule.learningRate(at: state.optimizer.stepCount, base: Float(c.learningRate)))
            rates.append(rate)
            try parameters.withParameterBuffers { buffers in
                try state.optimizer.step(buffers, learningRate: Float(rate))
            }
            parameters.zeroGrad()
        }
        timings["train_seconds"] = (ContinuousClock.now - trainStart).milliseconds / 1000
        var metrics = batch.metrics
        metrics["step"] = Double(step)
        for (key, values) in lossMetrics { metrics[key] = values.reduce(0, +) / Double(values.count) }
        if metrics["kl"] == nil { metrics["kl"] = 0 }
        metrics["grad_norm"] = gradNorms.reduce(0, +) / Double(gradNorms.count)
        metrics["learning_rate"] = rates.last ?? 0
        if c.skipsZeroAdvantageRows {
            metrics["skipped_zero_advantage_frac"] = Double(batch.advantages.filter { $0 == 0 }.count) / Double(n)
        }
        let tokens = batch.prompts(0..<n).map(\.count).reduce(0, +) + batch.completions.map(\.count).reduce(0, +)
        return (metrics, tokens, batch.sample, timings)
    }

    /// One micro-batch's policy loss (`GRPO.policyLoss` on the recorded per-token log-probs and
    /// entropies of completions `range`), with its gradient added into the trainable parameters'
    /// `grad` through the surrogate Σ stats · ∂loss/∂stats. `old` and `reference` hold per-token
    /// log-probs of every completion of the batch (nil: μ = 1 / β = 0). When the configuration
    /// allows it, rows whose advantage is 0 skip the forward: their gradient is exactly 0, their
    /// tokens still count in the normalisers, their log-probs stand at ratio 1 (μ = 1) and their
    /// entropies come from the rollout.
    func backpropagate(
        batch: GRPOBatch, range: Range<Int>, old: [[Float]]?, reference: [[Float]]?, itemsInBatch: Double,
        microBatches: Int
    ) -> PolicyLossResult {
        let skips = configuration.skipsZeroAdvantageRows
        let active = range.filter { !skips || batch.advantages[$0] != 0 }  // rows that run the forward
        // (N, 2) over the active rows' tokens
        let stats: Tensor? =
            active.isEmpty
            ? nil
            : policy.tokenStatistics(
                prompts: active.map { batch.promptIDs[$0] }, completions: active.map { batch.completions[$0] })
        let values = stats?.scalars ?? []
        let t = max(batch.tokens(range).map(\.count).max()!, 1)
        var logp = [Double](repeating: 0, count: range.count * t)  // (B, T) padded
        var entropy = logp
        var oldPadded: [Double]? = old == nil ? nil : logp
        var refPadded: [Double]? = reference == nil ? nil : logp
        var mask = [Bool](repeating: false, count: range.count * t)
        var rows: [Int] = []  // row k of stats → index into the padded (B, T)
        var next = 0  // the next row of `active`
        for (b, row) in range.enumerated() {
            let forwarded = next < active.count && active[next] == row
            if forwarded { next += 1 }
            for j in 0..<batch.completions[row].count {
                if forwarded {
                    let k = rows.count
                    logp[b * t + j] = Double(values[2 * k])
                    entropy[b * t + j] = Double(values[2 * k + 1])
                    rows.append(b * t + j)
                } else {
                    entropy[b * t + j] = Double(batch.rolloutEntropies[row][j])
                }
                oldPadded?[b * t + j] = Double(old![row][j])
                refPadded?[b * t + j] = Double(reference![row][j])
                mask[b * t + j] = batch.mask[row][j]
            }
        }
        let inputs = PolicyLossInputs(
            batchSize: range.count, positions: t, logProbs: logp, oldLogProbs: oldPadded,
            referenceLogProbs: refPadded, mask: mask, advantages: range.map { Double(batch.advantages[$0]) },
            entropies: entropy, itemsInBatch: max(itemsInBatch, 1), gradientAccumulationSteps: microBatches)
        let result = GRPO.policyLoss(inputs, configuration.policyLoss)
        guard let stats else { return result }
        var seed = [Float](repeating: 0, count: values.count)  // (N, 2)
        for (k, index) in rows.enumerated() {
            seed[2 * k] = Float(result.gradLogProbs[index])
            seed[2 * k + 1] = Float(result.gradEntropies?[index] ?? 0)
        }
        (stats * Tensor(seed, shape: stats.shape)).sum().backward()
        return result
    }

    /// The learning-rate schedule over optimizer updates (max_steps × num_iterations of them).
    var schedule: LRSchedule {
        let c = configuration
        let total = c.maxSteps * c.numIterations
        switch c.lrSchedulerType {
        case .constant:
            return c.warmupSteps > 0 ? .linearWarmup(warmupSteps: c.warmupSteps, then: .constant) : .constant
        case .linear: return .linearWarmup(warmupSteps: c.warmupSteps, then: .linearDecayToZero(totalSteps: total))
        case .cosine: return .cosine(warmupSteps: c.warmupSteps, totalSteps: total, minLR: 0)
        }
    }

    /// Completion index ranges of at most `per_device_train_batch_size`.
    func microBatches(_ n: Int) -> [Range<Int>] {
        stride(from: 0, to: n, by: configuration.perDeviceTrainBatchSize).map {
            $0..<min($0 + configuration.perDeviceTrainBatchSize, n)
        }
    }

    /// Splits a flat per-token list into rows of the given lengths.
    static func split(_ flat: [Float], lengths: [Int]) -> [[Float]] {
        var out: [[Float]] = []
        var start = 0
        for length in lengths {
            out.append(Array(flat[start..<(start + length)]))
            start += length
        }
        return out
    }
}
