// VerdictPrefixJudgeTests: probability-weighted judging as a plain chat request, against a
// scripted backend: the request shape (messages + assistant prefix turn, one token, top-20
// logprobs), the expectation renormalised over the scale values present among the first token's
// alternatives, typed failures when none is present or logprobs are missing, and the
// multi-criterion form (one "[RESULT] <id>: " read per criterion, plus the "overall" line).
import ArbiterChat
import ArbiterJudge
import ArbiterRubric
import ArbiterTestSupport
import Foundation
import Testing

/// A first-token entry with the given alternatives (token, p); the chosen token is the first.
func firstToken(_ alternatives: [(String, Double)]) -> [TokenLogprobs] {
    let top = alternatives.map { TokenLogprob(token: $0.0, logprob: log($0.1)) }
    return [TokenLogprobs(token: top[0].token, logprob: top[0].logprob, top: top)]
}

@Suite struct VerdictPrefixJudgeTests {
    func judge(_ backend: ScriptedBackend, prefix: String = "[RESULT] ") throws -> LLMJudge {
        try makeJudge(backend) {
            $0.probabilityWeighted = true
            $0.verdictPrefix = prefix
            $0.topLogprobs = 20
        }
    }

    @Test func sendsPrefixTurnAndScoresExpectation() async throws {
        // Scale values 4 and 5 are present (p 0.3, 0.1); "The" and " 9" are ignored.
        let backend = ScriptedBackend([
            .tokens("The", firstToken([("The", 0.4), ("4", 0.3), (" 5", 0.1), (" 9", 0.05)]))
        ])
        let j = try #require(await judge(backend).judge([sampleQ]).first)
        let score = try #require(j.score, "\(String(describing: j.failure))")
        #expect(abs(score - (4 * 0.75 + 5 * 0.25)) < 1e-12)
        #expect(abs((j.distribution?[4] ?? 0) - 0.75) < 1e-12 && abs((j.distribution?[5] ?? 0) - 0.25) < 1e-12)
        #expect(j.distribution?.count == 2)
        #expect(j.raw == "[RESULT] The" && j.attempts == 1)
        let request = try #require(backend.recorded.first)
        #expect(request.messages == render(sampleQ) + [.assistant("[RESULT] ")])
        #expect(request.maxTokens == 1 && request.logprobs && request.topLogprobs == 20 && request.temperature == 0)
        // The prompt hash is that of the judge's messages (the prefix is the judge's setting).
        #expect(j.promptHash == LLMJudge.promptHash(render(sampleQ)))
    }

    @Test func noScaleValueIsATypedFailureNeverAScore() async throws {
        let backend = ScriptedBackend([
            .tokens("The", firstToken([("The", 0.5), ("A", 0.2)])),
            .tokens("7", firstToken([("7", 0.6), ("8", 0.2)])),
            .text("[RESULT] 4"),
            .tokens("", []),
        ])
        let judge = try judge(backend)
        let a = try #require(await judge.judge([sampleQ]).first)
        #expect(a.score == nil && a.failure == .unparseable && a.distribution == nil)
        #expect(a.rationale?.contains("\"The\"") == true)
        let b = try #require(await judge.judge([sampleQ]).first)
        #expect(b.score == nil && b.failure == .offScale(value: 7, allowed: [1, 2, 3, 4, 5]))
        // A free-text answer without logprobs is not parsed: the prefix read needs logprobs.
        let c = try #require(await judge.judge([sampleQ]).first)
        #expect(c.score == nil && c.failure == .transport(message: "the backend returned no logprobs"))
        let d = try #require(await judge.judge([sampleQ]).first)
        #expect(d.score == nil && d.failure == .emptyOutput)
        #expect(backend.callCount == 4)  // no re-asks
    }

    @Test func prefixNeedsProbabilityWeighting() {
        #expect(throws: LLMJudgeConfigurationError.self) {
            try LLMJudgeConfiguration(rubric: "r", criterion: "c", allowed: .set([1, 2]), verdictPrefix: "[RESULT] ")
        }
        #expect(throws: LLMJudgeConfigurationError.self) {
            try MultiCriterionLLMJudge(
                name: "m", rubric: "r", criteria: [CriterionScale(id: "a", allowed: .range(0.2...0.8))],
                backend: ScriptedBackend([]),
                verdictPrefix: "[RESULT] ", render: render)
        }
    }

    @Test func multiCriterionRubricReadsEachCriterion() async throws {
        let rubric = try ShippedRubric.load("honesty-factual-accuracy")
        let ids = rubric.criteria.map(\.id)
        #expect(ids.count == 2)
        // factual-accuracy: 2 (p .2) / 3 (p .6) → 2.75; honesty: 5 only → 5.
        let backend = ScriptedBackend([
            .tokens("3", firstToken([("3", 0.6), ("2", 0.2), ("Yes", 0.1)])),
            .tokens("5", firstToken([("5", 0.9)])),
        ])
        let judge = try RubricJudge.pointwise(
            name: "scripted", rubric: rubric, backend: backend,
            options: RubricJudgeOptions(
                call: try JudgeCallSettings(maxConcurrency: 1), probabilityWeighted: true, verdictPrefix: "[RESULT] "))
        #expect(judge.criteria == ids + [RubricJudge.overallCriterion])
        let sample = JudgeSample(id: "s1", prompt: "Capital of France?", response: "Paris.", reference: "Paris")
        let out = await judge.judge([sample])
        #expect(out.map(\.criterion) == ids + ["overall"])
        let scores = try out.map { try #require($0.score, "\($0.criterion): \(String(describing: $0.failure))") }
        #expect(abs(scores[0] - 2.75) < 1e-12 && abs(scores[1] - 5) < 1e-12)
        let weights = rubric.criteria.map(\.weight)
        let expected = (2.75 * weights[0] + 5 * weights[1]) / (weights[0] + weights[1])
        #expect(abs(scores[2] - expected) < 1e-12)
        #expect(out[0].distribution?[3].map { abs($0 - 0.75) < 1e-12 } == true)
        let requests = backend.recorded
        #expect(requests.count == 2)
        let messages = rubric.renderPointwise(
            prompt: sample.prompt, response: sample.response, reference: sample.reference
        )
        for (request, id) in zip(requests, ids) {
            #expect(request.messages == messages + [.assistant("[RESULT] \(id): ")])
            #expect(request.maxTokens == 1 && request.logprobs && request.topLogprobs == 20)
        }
    }

    @Test func multiCriterionFailureFailsOverall() async throws {
        let rubric = try ShippedRubric.load("honesty-factual-accuracy")
        let backend = ScriptedBackend([
            .tokens("4", firstToken([("4", 0.9)])), .tokens("No", firstToken([("No", 0.9)])),
        ])
        let judge = try RubricJudge.pointwise(
            name: "scripted", rubric: rubric, backend: backend,
            options: RubricJudgeOptions(
                call: try JudgeCallSettings(maxConcurrency: 1), probabilityWeighted: true, verdictPrefix: "[RESULT] "))
        let out = await judge.judge([JudgeSample(id: "s1", prompt: "p", response: "r", reference: "x")])
        #expect(out.count == 3)
        #expect(out[0].score == 4 && out[1].failure == .unparseable)
        #expect(out[2].score == nil && out[2].failure != nil)
    }

    /// With `min` aggregation the overall is E[min], not the min of the expectations:
    /// factual {1: .5, 3: .5}, honesty {2: 1} → .5·1 + .5·2 = 1.5 (min of expectations: 2).
    @Test func expectedOverallUsesTheRubricRule() async throws {
        let url = Fixtures.repositoryRoot.appendingPathComponent("Rubrics/honesty-factual-accuracy.yaml")
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(
            of: "aggregation: weighted-mean", with: "aggregation: min")
        let rubric = try Rubric.parse(text, format: .yaml)
        #expect(rubric.aggregation == .min)
        let backend = ScriptedBackend([
            .tokens("1", firstToken([("1", 0.4), ("3", 0.4)])), .tokens("2", firstToken([("2", 0.7)])),
        ])
        let judge = try RubricJudge.pointwise(
            name: "scripted", rubric: rubric, backend: backend,
            options: RubricJudgeOptions(
                call: try JudgeCallSettings(maxConcurrency: 1), probabilityWeighted: true, verdictPrefix: "[RESULT] "))
        let out = await judge.judge([JudgeSample(id: "s1", prompt: "p", response: "r", reference: "x")])
        #expect(out.map(\.score) == [2, 2, 1.5])
        #expect(out[2].rationale?.hasPrefix("expected min") == true)
    }

    /// Label scales: "most"/" All" count as the ordinal ranks, "pass"/"Fail" as 1/0.
    @Test func labelScalesAreReadAsTheirScores() async throws {
        let rubric = try ShippedRubric.load("instruction-following")
        let adherence = try #require(rubric.criterion("adherence")?.scale)
        let rank = { (label: String) in adherence.levels.first { $0.label == label }?.score ?? .nan }
        let backend = ScriptedBackend([
            .tokens("most", firstToken([("most", 0.6), (" All", 0.2), ("The", 0.1)])),
            .tokens("pass", firstToken([("pass", 0.9), ("Fail", 0.1)])),
        ])
        let judge = try RubricJudge.pointwise(
            name: "scripted", rubric: rubric, backend: backend,
            options: RubricJudgeOptions(
                call: try JudgeCallSettings(maxConcurrency: 1), probabilityWeighted: true, verdictPrefix: "[RESULT] "))
        let out = await judge.judge([JudgeSample(id: "s1", prompt: "p", response: "r")])
        #expect(out.map(\.criterion) == ["adherence", "format", "overall"])
        let adherenceScore = try #require(out[0].score)
        #expect(abs(adherenceScore - (rank("most") * 0.75 + rank("all") * 0.25)) < 1e-12)
        let format = try #require(out[1].score)
        #expect(abs(format - 0.9) < 1e-12)
        #expect(out[2].score != nil)
    }
}
