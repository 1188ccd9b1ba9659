// PairwiseLLMJudgeTests: pairwise judging with position swap against a scripted backend:
// consistent pairs, position bias under both policies, a failed side, and the batch rate.
import ArbiterChat
import ArbiterCore
import ArbiterJudge
import Foundation
import Testing

func renderPair(_ prompt: String, _ first: String, _ second: String) -> [ChatMessage] {
    [.user("Question: \(prompt)\n[A] \(first)\n[B] \(second)\nEnd with [RESULT] A, B or TIE.")]
}

func pairJudge(_ backend: ScriptedBackend, policy: SwapPolicy?) throws -> PairwiseLLMJudge {
    // maxConcurrency 1 keeps the scripted answers in sample order.
    let config = PairwiseJudgeConfiguration(
        rubric: "pref@1", swapPolicy: policy,
        call: try JudgeCallSettings(reasks: 1, timeoutSeconds: 5, maxConcurrency: 1))
    return PairwiseLLMJudge(name: "pair", backend: backend, configuration: config, render: renderPair)
}

let pair = PairwiseSample(id: "p1", prompt: "Capital of France?", responseA: "Paris", responseB: "Lyon")

@Test func consistentPairKeepsVerdict() async throws {
    // Forward prefers A (Paris); swapped order shows Paris as B and prefers B.
    let backend = ScriptedBackend([.text("Paris is right.\n[RESULT] A"), .text("[RESULT] B")])
    let j = try #require(try await pairJudge(backend, policy: .flagInconsistent).judge([pair]).first)
    #expect(j.verdict == .a && j.positionConsistent == true && j.failure == nil && j.score == nil)
    #expect(j.attempts == 2)
    let prompts = backend.recorded.map { $0.messages[0].content }
    #expect(prompts[0].contains("[A] Paris") && prompts[1].contains("[A] Lyon"))
}

/// The pairwise judge is a `Judge` like the pointwise ones: code written against the protocol runs it.
@Test func pairwiseJudgeRunsThroughTheJudgeProtocol() async throws {
    func judgeAll<J: Judge>(_ judge: J, _ samples: [J.Sample]) async -> [Judgment] { await judge.judge(samples) }
    let backend = ScriptedBackend([.text("[RESULT] B")])
    let judge: any Judge<PairwiseSample> = try pairJudge(backend, policy: nil)
    let out = await judgeAll(judge, [pair])
    #expect(judge.name == "pair" && out.map(\.verdict) == [.b] && backend.callCount == 1)
}

@Test func positionBiasUnderBothPolicies() async throws {
    let tie = ScriptedBackend([.text("[RESULT] A"), .text("[RESULT] A")])
    let t = try #require(try await pairJudge(tie, policy: .inconsistentAsTie).judge([pair]).first)
    #expect(t.verdict == .tie && t.positionConsistent == false && t.failure == nil)
    let flag = ScriptedBackend([.text("[RESULT] A"), .text("Output (a)")])
    let f = try #require(try await pairJudge(flag, policy: .flagInconsistent).judge([pair]).first)
    #expect(f.verdict == nil && f.positionConsistent == false)
    #expect(f.failure == .positionInconsistent(original: .a, swapped: .b))
}

@Test func failedSideGivesFailedJudgment() async throws {
    let backend = ScriptedBackend([.text("[RESULT] A"), .fail("HTTP 500")])
    let j = try #require(try await pairJudge(backend, policy: .inconsistentAsTie).judge([pair]).first)
    #expect(j.verdict == nil && j.positionConsistent == nil)
    #expect(j.failure == .transport(message: "HTTP 500"))
}

@Test func singleOrderAndReask() async throws {
    let backend = ScriptedBackend([.text("Both have merits."), .text("[[B]]")])
    let j = try #require(try await pairJudge(backend, policy: nil).judge([pair]).first)
    #expect(j.verdict == .b && j.attempts == 2 && j.positionConsistent == nil)
}

@Test func batchPositionConsistencyRate() async throws {
    let backend = ScriptedBackend([
        .text("[RESULT] A"), .text("[RESULT] B"),  // consistent
        .text("[RESULT] A"), .text("[RESULT] A"),  // biased
        .text("[RESULT] TIE"), .text("[RESULT] TIE"),  // consistent
        .text("[RESULT] B"), .fail("down"),  // one side failed: not counted
    ])
    let samples = (0..<4).map { PairwiseSample(id: "p\($0)", prompt: "q", responseA: "a", responseB: "b") }
    let judgments = try await pairJudge(backend, policy: .inconsistentAsTie).judge(samples)
    #expect(judgments.map(\.verdict) == [.a, .tie, .tie, nil])
    let rate = try #require(PositionSwap.consistencyRate(judgments))
    #expect(abs(rate - 2.0 / 3.0) < 1e-12)
}

@Test func pairwiseSampleUsesSnakeCase() throws {
    let decoded = try JSONDecoder().decode(
        PairwiseSample.self, from: Data(#"{"id":"x","prompt":"p","response_a":"A","response_b":"B"}"#.utf8))
    #expect(decoded == PairwiseSample(id: "x", prompt: "p", responseA: "A", responseB: "B"))
}
