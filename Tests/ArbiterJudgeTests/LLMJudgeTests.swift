// LLMJudgeTests: the LLM judge against a scripted backend: success, re-ask recorded in attempts,
// timeout and transport errors become failed judgments without score, bounded concurrency,
// self-consistency, and probability-weighted scoring from top-logprobs.
import ArbiterChat
import ArbiterCore
import ArbiterJudge
import Foundation
import Testing

func render(_ s: JudgeSample) -> [ChatMessage] {
    [.system("You are a strict grader."), .user("Q: \(s.prompt)\nA: \(s.response)\nEnd with [RESULT] <1-5>.")]
}

func makeJudge(_ backend: ScriptedBackend, _ configure: (inout LLMJudgeConfiguration) -> Void = { _ in }) throws
    -> LLMJudge
{
    var config = try LLMJudgeConfiguration(
        rubric: "helpfulness@1", rubricHash: "h1", criterion: "overall", allowed: .set([1, 2, 3, 4, 5]),
        call: try JudgeCallSettings(reasks: 1, timeoutSeconds: 5))
    configure(&config)
    return LLMJudge(name: "scripted-judge", backend: backend, configuration: config, render: render)
}

let sampleQ = JudgeSample(id: "s1", prompt: "2+2?", response: "4")

@Test func judgesAndRecordsProvenance() async throws {
    let backend = ScriptedBackend([.text("Correct and brief.\n[RESULT] 5")])
    let judgments = try await makeJudge(backend).judge([sampleQ])
    let j = try #require(judgments.first)
    #expect(j.score == 5 && j.failure == nil)
    #expect(j.id == "s1" && j.judge == "scripted-judge" && j.rubric == "helpfulness@1" && j.rubricHash == "h1")
    #expect(j.rationale == "Correct and brief.")
    #expect(j.raw == "Correct and brief.\n[RESULT] 5")
    #expect(j.model == "scripted" && j.attempts == 1)
    #expect(j.promptHash == LLMJudge.promptHash(render(sampleQ)))
    #expect(j.latencyMs >= 0)
}

@Test func reaskIsRecorded() async throws {
    let backend = ScriptedBackend([.text("It is fine."), .text("[RESULT] 4")])
    let j = try #require(try await makeJudge(backend).judge([sampleQ]).first)
    #expect(j.score == 4 && j.attempts == 2)
    let second = try #require(backend.recorded.last)
    #expect(second.messages.count == 4)
    #expect(second.messages[2] == .assistant("It is fine."))
    #expect(second.messages[3].content.contains("[RESULT]"))
}

@Test func reaskExhaustedGivesFailureWithoutScore() async throws {
    let backend = ScriptedBackend([.text("Score: 10/10"), .text("Score: 9/10")])
    let j = try #require(try await makeJudge(backend).judge([sampleQ]).first)
    #expect(j.score == nil)
    #expect(j.failure == .offScale(value: 9, allowed: [1, 2, 3, 4, 5]))
    #expect(j.attempts == 2)
}

@Test func refusalIsNotReasked() async throws {
    let backend = ScriptedBackend([.text("I'm sorry, but I can't grade this.")])
    let j = try #require(try await makeJudge(backend).judge([sampleQ]).first)
    #expect(j.failure == .refusal && j.score == nil && j.attempts == 1)
}

@Test func timeoutBecomesFailedJudgment() async throws {
    // The backend ignores cancellation and stalls 5 s before answering "[RESULT] 5"; the judge
    // must give up at 0.2 s, so the judgment is a timeout without a score (never the late 5).
    // No wall-clock assertion: tests never assert on time.
    let backend = ScriptedBackend([.stall(seconds: 5, then: "[RESULT] 5")])
    let judge = try makeJudge(backend) { $0.call.timeoutSeconds = 0.2 }
    let j = try #require(await judge.judge([sampleQ]).first)
    #expect(j.failure == .timeout(seconds: 0.2))
    #expect(j.score == nil && j.attempts == 1)
}

@Test func transportErrorBecomesFailedJudgment() async throws {
    let backend = ScriptedBackend([.fail("HTTP 503 from http://localhost:8080")])
    let j = try #require(try await makeJudge(backend).judge([sampleQ]).first)
    #expect(j.failure == .transport(message: "HTTP 503 from http://localhost:8080"))
    #expect(j.score == nil)
    let line = try j.jsonLine()
    #expect(line.contains(#""score":null"#) && line.contains(#""kind":"transport""#))
}

@Test func boundedConcurrencyIsRespected() async throws {
    let backend = ScriptedBackend([], repeating: .delay(seconds: 0.03, then: "[RESULT] 3"))
    let judge = try makeJudge(backend) { $0.call.maxConcurrency = 3 }
    let samples = (0..<12).map { JudgeSample(id: "s\($0)", prompt: "p", response: "r") }
    let judgments = await judge.judge(samples)
    #expect(judgments.map(\.id) == samples.map(\.id))  // order kept
    #expect(judgments.allSatisfy { $0.score == 3 })
    #expect(backend.peak <= 3)
    #expect(backend.peak >= 2)  // it did run in parallel
    #expect(backend.callCount == 12)
}

@Test func selfConsistencySamplesAndSeeds() async throws {
    let backend = ScriptedBackend([.text("[RESULT] 4"), .text("garbage"), .text("still garbage"), .text("[RESULT] 2")])
    let judge = try makeJudge(backend) {
        $0.samples = 3
        $0.rule = .majority
        $0.call.seed = 10
        $0.call.temperature = 0.7
    }
    let j = try #require(await judge.judge([sampleQ]).first)
    // Sample 1 → 4; sample 2 → garbage, re-ask → garbage (failed); sample 3 → 2.
    // Majority of [4, 2] is a tie; the median 3 is equidistant, so the lower value wins.
    #expect(j.score == 2 && j.failure == nil)
    #expect(j.consistency == ScoreSpread(samples: 3, failures: 1, mean: 3, std: 1, min: 2, max: 4, agreement: 0.5))
    #expect(j.attempts == 4)
    #expect(j.raw == "[RESULT] 2")
    #expect(backend.recorded.map(\.seed) == [10, 11, 11, 12])
}

@Test func allSamplesFailingGivesFailure() async throws {
    let backend = ScriptedBackend([], repeating: .fail("connection refused"))
    let judge = try makeJudge(backend) { $0.samples = 2 }
    let j = try #require(await judge.judge([sampleQ]).first)
    #expect(j.score == nil && j.failure == .transport(message: "connection refused"))
    #expect(j.consistency?.failures == 2)
}

@Test func probabilityWeightedFromTopLogprobs() async throws {
    let tokens = [
        TokenLogprobs(token: "[RESULT]", logprob: 0, top: []),
        TokenLogprobs(
            token: " 4", logprob: log(0.5),
            top: [
                TokenLogprob(token: " 4", logprob: log(0.5)), TokenLogprob(token: " 5", logprob: log(0.3)),
                TokenLogprob(token: " great", logprob: log(0.2)),
            ]),
    ]
    let backend = ScriptedBackend([.tokens("[RESULT] 4", tokens)])
    let judge = try makeJudge(backend) {
        $0.probabilityWeighted = true
        $0.topLogprobs = 5
    }
    let j = try #require(await judge.judge([sampleQ]).first)
    let score = try #require(j.score)
    #expect(abs(score - (4 * 0.625 + 5 * 0.375)) < 1e-12)
    #expect(abs((j.distribution?[5] ?? 0) - 0.375) < 1e-12)
    let request = try #require(backend.recorded.first)
    #expect(request.logprobs && request.topLogprobs == 5)
}

@Test func configurationIsValidated() {
    func make(_ body: () throws -> LLMJudgeConfiguration) -> Bool { (try? body()) == nil }
    #expect(
        make {
            try LLMJudgeConfiguration(
                rubric: "r", criterion: "c", allowed: .set([1]), call: try JudgeCallSettings(reasks: -1))
        })
    #expect(
        make {
            try LLMJudgeConfiguration(
                rubric: "r", criterion: "c", allowed: .set([1]), call: try JudgeCallSettings(timeoutSeconds: 0))
        })
    #expect(make { try LLMJudgeConfiguration(rubric: "r", criterion: "c", allowed: .set([1]), samples: 0) })
    #expect(
        make {
            try LLMJudgeConfiguration(
                rubric: "r", criterion: "c", allowed: .set([1]), call: try JudgeCallSettings(maxConcurrency: 0))
        })
    #expect(
        make {
            try LLMJudgeConfiguration(
                rubric: "r", criterion: "c", allowed: .range(0.2...0.8), probabilityWeighted: true)
        })
    #expect(
        !make {
            try LLMJudgeConfiguration(rubric: "r", criterion: "c", allowed: .range(1...5), probabilityWeighted: true)
        })
}
