// MultiCriterionLLMJudgeTests: one call scores several criteria; missing criteria are re-asked;
// per-criterion scales; transport failure fails every unscored criterion; weighted aggregate.
import ArbiterJudge
import Foundation
import Testing

func multiJudge(_ backend: ScriptedBackend) throws -> MultiCriterionLLMJudge {
    let call = try JudgeCallSettings(reasks: 1, timeoutSeconds: 5, maxConcurrency: 1)
    return try MultiCriterionLLMJudge(
        name: "multi", rubric: "summary@2", rubricHash: "h2",
        criteria: [
            CriterionScale(id: "coherence", allowed: .set([1, 2, 3, 4, 5])),
            CriterionScale(id: "factual", allowed: .set([0, 1])),
        ],
        call: call, backend: backend, render: render)
}

@Test func scoresAllCriteriaInOneCall() async throws {
    let backend = ScriptedBackend([.text("Flows well.\n[RESULT] coherence: 4\nOne wrong date.\n[RESULT] factual: 0")])
    let js = try await multiJudge(backend).judge([sampleQ])
    #expect(js.map(\.criterion) == ["coherence", "factual"])
    #expect(js.map(\.score) == [4, 0])
    #expect(js[1].rationale == "One wrong date.")
    #expect(js.allSatisfy { $0.attempts == 1 && $0.rubricHash == "h2" && $0.failure == nil })
    #expect(backend.callCount == 1)
}

@Test func reasksOnlyForMissingCriteria() async throws {
    let backend = ScriptedBackend([.text("[RESULT] coherence: 5\nfactual: 3"), .text("[RESULT] factual: 1")])
    let js = try await multiJudge(backend).judge([sampleQ])
    #expect(js.map(\.score) == [5, 1])
    #expect(js.allSatisfy { $0.attempts == 2 })
    let reask = try #require(backend.recorded.last?.messages.last?.content)
    #expect(reask.contains("factual") && !reask.contains("coherence"))
}

@Test func transportFailureFailsUnscoredCriteria() async throws {
    let backend = ScriptedBackend([.text("[RESULT] coherence: 2"), .fail("socket closed")])
    let js = try await multiJudge(backend).judge([sampleQ])
    #expect(js[0].score == 2 && js[0].failure == nil)
    #expect(js[1].score == nil && js[1].failure == .transport(message: "socket closed"))
    let agg = try CriterionAggregate(weights: [("coherence", 1), ("factual", 3)]).aggregate(js)
    #expect(agg.score == 2 && agg.failed == ["factual"])
}

@Test func rejectsBadCriteria() throws {
    let backend = ScriptedBackend([])
    #expect(throws: LLMJudgeConfigurationError.self) {
        try MultiCriterionLLMJudge(
            name: "m", rubric: "r", criteria: [], backend: backend, render: render)
    }
    let dup = CriterionScale(id: "a", allowed: .set([1]))
    #expect(throws: LLMJudgeConfigurationError.self) {
        try MultiCriterionLLMJudge(
            name: "m", rubric: "r", criteria: [dup, dup], backend: backend, render: render)
    }
}
