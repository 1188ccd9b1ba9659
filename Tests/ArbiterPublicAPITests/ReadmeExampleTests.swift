// ReadmeExampleTests: the README's "As a library" snippet, compiled and run as written (with
// real inputs), so the documented calls stay true.
import Arbiter
import Foundation
import Testing

@Test func readmeLibraryExampleRuns() async throws {
    let judge = [1, 2, 3, 4, 5, 3]
    let human = [1, 2, 3, 5, 5, 2]
    let kappa = try Agreement.cohenKappa(judge, human, categories: [1, 2, 3, 4, 5], weighting: .quadratic)
    #expect(kappa != nil)
    let data = Fixtures.repositoryRoot.appendingPathComponent("Data/pandalm")
    let humanURL = data.appendingPathComponent("human_labels.jsonl")
    let judgeURL = data.appendingPathComponent("judge_labels.jsonl")
    let audit = try AgreementAudit.run(humanFile: humanURL, judgeFile: judgeURL, options: AuditOptions())
    #expect(audit.judges.count == 2)

    let rubric = try Rubric.load(
        contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Rubrics/summeval-consistency.yaml"))
    let article = "The council approved the budget on Monday."
    let summary = "The budget was approved."
    let messages = rubric.renderPointwise(prompt: article, response: summary)
    #expect(messages.contains { $0.content.contains(summary) })

    let model = try LanguageModel.load(ModelStore().resolve("smollm2-135m", fetchIfMissing: true).url)
    let ids = try model.chatPromptIDs([ChatMessage(role: "user", content: "What is 12*7?")])
    let answer = try model.generate(prompt: ids, options: try GenerationOptions(maxNewTokens: 8))
    #expect(answer.text.hasPrefix("12*7 = "))  // greedy.json's reference continuation starts so

    let encoder = try SentenceEncoder.load(named: "minilm-l6-v2", fetchIfMissing: true)
    let vectors = encoder.encode(["a judge", "an arbiter"])
    #expect(vectors.count == 2 && vectors[0].count == 384)

    // Train a judge for the rubric on labelled samples, then judge with it.
    let summeval = Fixtures.repositoryRoot.appendingPathComponent("Data/summeval-consistency")
    let samplesURL = summeval.appendingPathComponent("samples.jsonl")
    let labelsURL = summeval.appendingPathComponent("human_labels.jsonl")
    let judgeDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("readme-judge-\(UUID())")
    var options = JudgeTrainingJobOptions(
        rubric: rubric, samples: samplesURL, labels: labelsURL, output: judgeDirectory)
    options.usesEmbedding = false  // the head reads the text features (overlap with the source, lengths)
    options.epochs = 5  // the README's main job trains 100
    let report = try JudgeTrainingJob(options: options).run()
    let trained = try TrainedJudge.load(directory: judgeDirectory, rubric: rubric)
    let scores = await trained.judge([JudgeSample(id: "1", prompt: article, response: summary)])
    #expect(report.trainCount > 60 && scores[0].score.map { (1...5).contains($0) } == true)

    // Rewards for RL: a verifier and the trained judge, summed with weights (nil = unscored).
    let exact = VerifierReward(name: "exact", verifier: ExactMatchVerifier(), referenceField: "answer")
    let judged = JudgeReward(name: "judge", judge: trained, scoreRange: 1...5, fallbacks: [.retry(times: 1)])
    let reward = WeightedSumReward(name: "total", parts: [(exact, 1.0), (judged, 0.5)])
    let batch = RewardBatch(
        prompts: [article, article], completions: [summary, "Nothing happened."], groupSize: 2,
        metadata: [["answer": summary], ["answer": summary]])
    let rewards = try await reward.score(batch)
    #expect(rewards.values.count == 2 && rewards.values[0]! > rewards.values[1]!)

    // GRPO from a configuration with TRL's names (Examples/grpo); `train()` resumes by itself.
    let grpoURL = Fixtures.repositoryRoot.appendingPathComponent("Examples/grpo/arithmetic.yaml")
    let configuration = try GRPOConfiguration.load(grpoURL)
    #expect(configuration.numGenerations == 8 && configuration.rewards.map(\.name) == ["correct"])
}
