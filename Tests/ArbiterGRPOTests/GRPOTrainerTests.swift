// GRPOTrainerTests: the trainer's mechanics on a tiny random Llama (one block, hidden size 16):
// group sampling shares each prompt's prefill and matches plain generation; rollout log-probs are
// the training forward's at step 0 (old = new); the policy learns a toy reward in seconds; and a
// run extended with a larger max_steps writes the same metrics as an uninterrupted run, bit for bit.
import ArbiterCore
import ArbiterModels
import ArbiterReward
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@testable import ArbiterGRPO

/// Share of a completion's tokens that are ASCII bytes (ids < 128): a toy reward a policy can learn.
struct AsciiShareReward: RewardFunction {
    let name = "ascii"
    func score(_ batch: RewardBatch) async throws -> RewardScores {
        RewardScores(
            values: batch.completionTokenIDs.map { ids in
                ids.isEmpty ? nil : Double(ids.filter { $0 < 128 }.count) / Double(ids.count)
            })
    }
}

@Suite(.serialized) struct GRPOTrainerTests {
    static let modelFile = Result {
        try GGUFTestWriter.tinyLlama(contextLength: 64, layers: 1, seed: 5).write(named: "grpo-tiny.gguf")
    }

    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "arbiter-grpo-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func prompts(in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent("prompts.jsonl")
        let lines = ["ab", "hello", "xyz", "count 1 2 3", "q", "zzz top"].map {
            "{\"prompt\": \"\($0)\", \"answer\": \"a\"}"
        }
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        return url
    }

    static func configuration(dir: URL, maxSteps: Int, out: String = "run") throws -> GRPOConfiguration {
        let model = try modelFile.get()
        let yaml = """
            model: \(model.path)
            train_data: prompts.jsonl
            use_chat_template: false
            rewards:
              - {name: ascii, verifier: exact-match, reference_field: answer, weight: 1.0}
            num_generations: 4
            prompts_per_step: 2
            per_device_train_batch_size: 3
            max_completion_length: 6
            learning_rate: 0.01
            beta: 0.04
            num_iterations: 2
            max_steps: \(maxSteps)
            seed: 3
            output_dir: \(out)
            """
        _ = try prompts(in: dir)
        return try GRPOConfiguration.parse(yaml, file: "test.yaml", base: dir)
    }

    static func trainer(_ c: GRPOConfiguration, evaluate: Bool = false) throws -> GRPOTrainer {
        let language = try LanguageModel.load(try modelFile.get(), options: .exact)
        let data = try PromptDataset.load(c.trainData, promptField: c.promptField)
        return try GRPOTrainer(
            configuration: c, language: language, dataset: data, rewards: [AsciiShareReward()],
            evalDataset: evaluate ? data : nil)
    }

    @Test func groupSamplingMatchesPlainGenerationAndTrainingLogProbs() throws {
        let language = try LanguageModel.load(try Self.modelFile.get(), options: .exact)
        let prompts = [language.tokenizer.encode("hello"), language.tokenizer.encode("ab c")]
        // Greedy: every completion of a group equals plain greedy generation of its prompt.
        var greedy = Array(repeating: Sampler(.greedy), count: 6)
        let samples = try language.model.sampleGroups(
            prompts: prompts, groupSize: 3, maxNewTokens: 5, samplers: &greedy, temperature: 1,
            stopTokenIDs: language.stopTokenIDs)
        for (p, prompt) in prompts.enumerated() {
            let plain = try language.generate(prompt: prompt, options: GenerationOptions(maxNewTokens: 5))
            for g in 0..<3 { #expect(samples.tokens[p * 3 + g] == plain.tokens) }
        }
        // Sampled at T = 0.7: the recorded log-probs are the training forward's (old = new at step 0).
        var c = try Self.configuration(dir: try Self.temporaryDirectory("logp"), maxSteps: 1)
        c.temperature = 0.7
        let policy = try GRPOPolicy(language: language, configuration: c)
        let sampled = try policy.sample(prompts: prompts, step: 1, round: 0)
        let stats = policy.tokenStatistics(
            prompts: (0..<sampled.tokens.count).map { prompts[$0 / c.numGenerations] }, completions: sampled.tokens)
        let training = GRPOPolicy.column(stats, 0)
        let rollout = sampled.logProbs.flatMap { $0 }
        #expect(training.count == rollout.count)
        let worst = zip(training, rollout).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "rollout vs training log-prob max |Δ| = \(worst)")
        let entropyGap = zip(GRPOPolicy.column(stats, 1), sampled.entropies.flatMap { $0 }).map { abs($0 - $1) }.max()
        #expect(
            (entropyGap ?? .infinity) < 1e-4, "rollout vs training entropy max |Δ| = \(String(describing: entropyGap))")
    }

    @Test func tinyPolicyLearnsToyReward() async throws {
        let dir = try Self.temporaryDirectory("learn")
        var c = try Self.configuration(dir: dir, maxSteps: 24)
        c.beta = 0
        c.numIterations = 1
        c.learningRate = 0.05
        c.numGenerations = 8
        c.perDeviceTrainBatchSize = 16
        c.maxCompletionLength = 8
        c.saveSteps = 100
        c.evalSteps = 12
        let trainer = try Self.trainer(c, evaluate: true)
        let summary = try await trainer.train()
        #expect(summary.steps == 24)
        // Greedy held-out answers before the first step, at step 12 and after the last.
        let eval = MetricsLogReader.lines(dir.appendingPathComponent("run/eval.jsonl"))
        #expect(eval.map { $0["step"] } == [0, 12, 24])
        let before = eval.first?["eval/rewards/ascii/mean"] ?? .nan
        let after = eval.last?["eval/rewards/ascii/mean"] ?? .nan
        #expect(after > before, "held-out ascii share \(before) → \(after)")
        let rewards = MetricsLogReader.rewards(summary.metricsURL)
        let first = rewards.prefix(4).reduce(0, +) / 4
        let last = rewards.suffix(4).reduce(0, +) / 4
        #expect(last > first + 0.2, "reward \(first) → \(last)")
    }

    @Test func extendedRunEqualsUninterruptedRunBitForBit() async throws {
        let dir = try Self.temporaryDirectory("resume")
        // Uninterrupted: 4 steps.
        let whole = try Self.trainer(try Self.configuration(dir: dir, maxSteps: 4, out: "whole"))
        _ = try await whole.train()
        // Interrupted: 2 steps, then the same command with max_steps 4.
        _ = try await Self.trainer(try Self.configuration(dir: dir, maxSteps: 2, out: "parts")).train()
        let resumed = try await Self.trainer(try Self.configuration(dir: dir, maxSteps: 4, out: "parts")).train()
        #expect(resumed.stepsRun == 2)
        let a = try Data(contentsOf: dir.appendingPathComponent("whole/metrics.jsonl"))
        let b = try Data(contentsOf: dir.appendingPathComponent("parts/metrics.jsonl"))
        #expect(String(decoding: a, as: UTF8.self).split(separator: "\n").count == 4)
        #expect(a == b)
        // The completions log (first group of each step) resumes the same way.
        let ca = try Data(contentsOf: dir.appendingPathComponent("whole/completions.jsonl"))
        let cb = try Data(contentsOf: dir.appendingPathComponent("parts/completions.jsonl"))
        #expect(ca == cb && MetricsLogReader.lines(dir.appendingPathComponent("whole/completions.jsonl")).count == 4)
        // Other settings refuse to resume into the same folder.
        var other = try Self.configuration(dir: dir, maxSteps: 5, out: "parts")
        other.beta = 0.1
        await #expect(throws: GRPOCheckpointMismatch.self) { _ = try await Self.trainer(other).train() }
    }
}

enum MetricsLogReader {
    /// Every line of a JSONL metrics file.
    static func lines(_ url: URL) -> [[String: Double]] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])?.compactMapValues { $0 as? Double }
        }
    }

    /// The `reward` of each line of a metrics.jsonl.
    static func rewards(_ url: URL) -> [Double] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])?["reward"] as? Double
        }
    }
}
