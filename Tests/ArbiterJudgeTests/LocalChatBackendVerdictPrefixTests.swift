// LocalChatBackendVerdictPrefixTests: probability-weighted judging on the in-process model as
// plain chat requests. With an empty assistant prefix the first token's top-20 alternatives are
// read right after the generation prompt, which is smollm2/judge_probs.json (transformers, fp32):
// every digit "1".."5" among them has p within 1e-4 of the reference, the top-10 tokens and
// log-probabilities match the reference's, and the expected score equals the reference
// probabilities renormalised over the same digits within 1e-3 (the README's tolerances). An
// assistant prefix is continued, not closed (vLLM `continue_final_message`): the answer is the
// continuation only. With "[RESULT] " a probability-weighted rubric judge yields a score with
// its distribution, single and multi-criterion.
import ArbiterChat
import ArbiterCore
import ArbiterJinja
import ArbiterJudge
import ArbiterModels
import ArbiterTestSupport
import Foundation
import Testing

@Suite(.serialized) struct LocalChatBackendVerdictPrefixTests {
    /// Loaded once; the suite is serialized and each backend funnels model use through its queue.
    nonisolated(unsafe) static let model = Result {
        try LanguageModel.load(try TestModels.smolLM2GGUF(), options: .exact)
    }

    @Test func emptyPrefixReproducesJudgeProbabilities() async throws {
        let backend = try LocalChatBackend(model: try Self.model.get())
        let reference = try #require(try Fixtures.json("smollm2/judge_probs.json") as? [String: Any])
        let cases = try #require(reference["cases"] as? [[String: Any]])
        #expect(cases.count == 3)
        var worstP = 0.0
        var worstTop = 0.0
        var worstExpected = 0.0
        for c in cases {
            let messages = try #require(c["messages"] as? [[String: String]]).map {
                ChatMessage(role: ChatMessage.Role(rawValue: $0["role"] ?? "user"), content: $0["content"] ?? "")
            }
            let response = try await backend.complete(
                ProbabilityWeighted.verdictRequest(messages: messages, prefix: ""))
            #expect(response.usage?.promptTokens == (c["input_ids"] as? [Int])?.count)
            let first = try #require(response.tokens?.first)
            #expect(first.top.count == 20)
            let expected = try #require(c["p_full_softmax"] as? [Double])
            let logits = try #require(c["score_logits"] as? [Double])
            // log-sum-exp of the reference row, from digit 1's logit and probability.
            let lse = logits[0] - Foundation.log(expected[0])
            var present: [(digit: Double, p: Double)] = []
            for (digit, p) in zip(1...5, expected) {
                if let got = first.top.first(where: { $0.token == String(digit) }) {
                    worstP = max(worstP, abs(Foundation.exp(got.logprob) - p))
                    present.append((Double(digit), p))
                } else {
                    // Absent digits must be less likely than the 20th alternative.
                    #expect(p <= Foundation.exp(first.top[19].logprob) + 1e-4, "digit \(digit) missing from the top 20")
                }
            }
            #expect(!present.isEmpty)
            let top10 = try #require(c["top10_at_answer_position"] as? [[Any]])
            for (got, ref) in zip(first.top.prefix(10), top10) {
                #expect(got.token == ref[1] as? String)
                worstTop = max(worstTop, abs(got.logprob - ((ref[2] as? Double ?? .nan) - lse)))
            }
            let verdict = try ProbabilityWeighted.readVerdict(response, prefix: "", allowed: [1, 2, 3, 4, 5]).get()
            let total = present.reduce(0) { $0 + $1.p }
            worstExpected = max(worstExpected, abs(verdict.score - present.reduce(0) { $0 + $1.digit * $1.p } / total))
            if present.count == 5, let full = c["expected_score"] as? Double {
                #expect(abs(verdict.score - full) <= 1e-3)
            }
        }
        print(
            "LocalChatBackendVerdictPrefixTests: max |Δp| \(worstP), top-10 |Δ logprob| \(worstTop), expected score \(worstExpected)"
        )
        #expect(worstP <= 1e-4)
        #expect(worstTop <= 1e-4)
        #expect(worstExpected <= 1e-3)
    }

    /// The assistant turn is continued: the same ids as the rendered user turn plus the prefix
    /// text, generated from there; the answer holds only the new text.
    @Test func assistantTurnIsContinued() async throws {
        let lm = try Self.model.get()
        let backend = try LocalChatBackend(model: lm)
        let user = "What is the capital of France?"
        let prefix = "The capital of France is"
        let response = try await backend.complete(
            ChatRequest(messages: [.user(user), .assistant(prefix)], maxTokens: 3, logprobs: true, topLogprobs: 2))
        let ids = lm.tokenizer.encode(
            try lm.renderChat([ChatMessage(role: "user", content: user)]) + prefix, addSpecialTokens: false)
        let direct = try lm.generate(prompt: ids, options: try GenerationOptions(maxNewTokens: 3, topLogprobs: 2))
        #expect(response.text == direct.text)
        #expect(!response.text.hasPrefix(prefix) && response.text.contains("Paris"))
        #expect(response.usage == ChatUsage(promptTokens: ids.count, completionTokens: direct.tokens.count))
        let records = try #require(direct.logprobs)
        #expect(response.tokens?.map(\.logprob) == records.map(\.logprob))
        #expect(response.tokens?.allSatisfy { $0.top.count == 2 && $0.top[0].token == $0.token } == true)
    }

    @Test func probabilityWeightedRubricJudgesScore() async throws {
        let backend = try LocalChatBackend(model: try Self.model.get(), name: "smollm2-135m")
        let options = RubricJudgeOptions(
            call: try JudgeCallSettings(reasks: 0, timeoutSeconds: 600, maxConcurrency: 1, maxTokens: 1),
            probabilityWeighted: true, verdictPrefix: "[RESULT] ")
        let single = try RubricJudge.pointwise(
            name: "local:smollm2-135m", rubric: try ShippedRubric.load("summeval-consistency"), backend: backend,
            options: options)
        let samples = try RubricJudgeLocalModelTests.samples(1)
        let multi = try RubricJudge.pointwise(
            name: "local:smollm2-135m", rubric: try ShippedRubric.load("honesty-factual-accuracy"), backend: backend,
            options: options)
        let short = JudgeSample(
            id: "q1", prompt: "What is the capital of France?", response: "Paris.", reference: "Paris")
        let out = await single.judge(samples) + multi.judge([short])
        #expect(out.map(\.criterion) == ["consistency", "factual-accuracy", "honesty", "overall"])
        for j in out {
            let score = try #require(
                j.score, "\(j.criterion) failure: \(String(describing: j.failure)) \(j.rationale ?? "")")
            #expect((1...5).contains(score))
            guard j.criterion != "overall" else { continue }
            let distribution = try #require(j.distribution)
            #expect(abs(distribution.values.reduce(0, +) - 1) < 1e-9)
            #expect(j.raw?.hasPrefix("[RESULT] ") == true && j.model == "smollm2-135m")
        }
    }
}
