// GRPOTrainer+Evaluation: held-out evaluation during a run (TRL's eval_dataset): the `eval_data`
// prompts are answered greedily (one completion each, the training max_completion_length) with
// the current weights and scored by every reward; `eval.jsonl` gets one line per evaluation
// (`step`, `eval/rewards/<name>/mean`, `eval/reward`, `eval/completions/mean_length`). It runs
// before the first step, every `eval_steps` steps and after the last; greedy decoding makes the
// lines reproducible, so a resumed run writes the same file.
import ArbiterJudge
import ArbiterModels
import ArbiterReward
import Foundation

extension GRPOTrainer {
    var evalURL: URL { configuration.outputDir.appendingPathComponent("eval.jsonl") }

    /// Whether the run evaluates after `step` (0: before training).
    func evaluatesAfter(step: Int) -> Bool {
        guard evalDataset != nil else { return false }
        if step == 0 || step == configuration.maxSteps { return true }
        return configuration.evalSteps > 0 && step % configuration.evalSteps == 0
    }

    /// Greedy answers to every held-out prompt, scored; the metrics line for `step`.
    func evaluate(step: Int) async throws -> [String: Double] {
        guard let data = evalDataset else { return [:] }
        let c = configuration
        let batchSize = 16
        var tokens: [[Int]] = []
        for start in stride(from: 0, to: data.rows.count, by: batchSize) {
            let rows = data.rows[start..<min(start + batchSize, data.rows.count)]
            let prompts = try rows.map { try policy.promptIDs($0.prompt) }
            var samplers = Array(repeating: Sampler(.greedy), count: prompts.count)
            let samples = try policy.model.sampleGroups(
                prompts: prompts, groupSize: 1, maxNewTokens: c.maxCompletionLength, samplers: &samplers,
                temperature: 1, stopTokenIDs: policy.language.stopTokenIDs)
            tokens += samples.tokens
        }
        let batch = RewardBatch(
            prompts: data.rows.map(\.prompt), completions: tokens.map(completionText), completionTokenIDs: tokens,
            groupSize: 1, metadata: data.rows.map(\.metadata))
        var metrics: [String: Double] = ["step": Double(step)]
        var total = [Double](repeating: 0, count: batch.count)
        for (spec, reward) in zip(rewardSpecs, rewards) {
            let values = try await reward.checkedScore(batch).values
            let scored = values.compactMap { $0 }
            metrics["eval/rewards/\(spec.name)/mean"] =
                scored.isEmpty ? Double.nan : scored.reduce(0, +) / Double(scored.count)
            metrics["eval/rewards/\(spec.name)/unscored"] = Double(values.count - scored.count)
            for (i, v) in values.enumerated() { total[i] += (v ?? 0) * spec.trainingWeight }
        }
        metrics["eval/reward"] = total.reduce(0, +) / Double(max(total.count, 1))
        metrics["eval/completions/mean_length"] =
            Double(tokens.map(\.count).reduce(0, +)) / Double(max(tokens.count, 1))
        return metrics
    }
}
