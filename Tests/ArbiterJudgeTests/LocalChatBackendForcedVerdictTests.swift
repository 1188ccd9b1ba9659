// LocalChatBackendForcedVerdictTests: prefill-only probability-weighted judging on the in-process
// model. With an empty prefix the digit distribution is read right after the generation prompt,
// which is exactly smollm2/judge_probs.json (transformers, fp32): p("1".."5") within 1e-4 and the
// expected score within 1e-3 (the README's tolerances). With the "[RESULT] " prefix a
// probability-weighted rubric judge always yields a score with its distribution.
import ArbiterJudge
import ArbiterModels
import ArbiterTestSupport
import Foundation
import Testing

@Suite(.serialized) struct LocalChatBackendForcedVerdictTests {
    /// Loaded once; the suite is serialized and each backend funnels model use through its queue.
    nonisolated(unsafe) static let model = Result { try LanguageModel.load(try TestModels.smolLM2GGUF()) }

    @Test func emptyPrefixReproducesJudgeProbabilities() async throws {
        let backend = try LocalChatBackend(model: try Self.model.get(), mode: .forcedVerdict(prefix: ""))
        let reference = try #require(try Fixtures.json("smollm2/judge_probs.json") as? [String: Any])
        let cases = try #require(reference["cases"] as? [[String: Any]])
        #expect(cases.count == 3)
        for c in cases {
            let messages = try #require(c["messages"] as? [[String: String]]).map {
                ChatTurn(role: ChatTurn.Role(rawValue: $0["role"] ?? "") ?? .user, content: $0["content"] ?? "")
            }
            let response = try await backend.complete(ChatRequest(messages: messages, logprobs: true))
            let top = try #require(response.tokens?.first?.top)
            let expected = try #require(c["p_full_softmax"] as? [Double])
            for (digit, p) in zip(1...5, expected) {
                let got = try #require(top.first { $0.token == String(digit) })
                #expect(abs(Foundation.exp(got.logprob) - p) <= 1e-4, "p(\(digit))")
            }
            let tokens = try #require(response.tokens)
            let weighted = try #require(ProbabilityWeighted.expectedScore(tokens: tokens, allowed: [1, 2, 3, 4, 5]))
            let score = try #require(weighted.score)
            let referenceScore = try #require(c["expected_score"] as? Double)
            #expect(abs(score - referenceScore) <= 1e-3)
        }
    }

    @Test func probabilityWeightedRubricJudgeAlwaysScores() async throws {
        let backend = try LocalChatBackend(model: try Self.model.get(), name: "smollm2-135m", mode: .forcedVerdict(prefix: "[RESULT] "))
        let rubric = try ShippedRubric.load("summeval-consistency")
        let judge = try RubricJudge.pointwise(
            name: "local:smollm2-135m", rubric: rubric, backend: backend,
            options: RubricJudgeOptions(reasks: 0, timeoutSeconds: 600, maxConcurrency: 1, maxTokens: 1, probabilityWeighted: true))
        let samples = try RubricJudgeLocalModelTests.samples(2)
        let out = await judge.judge(samples)
        #expect(out.count == 2)
        for j in out {
            let score = try #require(j.score, "failure: \(String(describing: j.failure))")
            #expect((1...5).contains(score))
            let distribution = try #require(j.distribution)
            #expect(abs(distribution.values.reduce(0, +) - 1) < 1e-9)
            #expect(j.raw?.hasPrefix("[RESULT] ") == true)
        }
    }
}
