import ArbiterChat
import Foundation
import Testing

// OpenAIChatBackendJudgeTests: an LLMJudge over the HTTP backend against the fault server. When
// the server keeps failing, the judgment is failed with the typed reason (transport naming the
// status and attempts, or timeout with the backend's per-request limit) and never has a score;
// when it answers, the verdict is scored, also probability-weighted from returned logprobs.
@testable import ArbiterJudge

@Suite struct OpenAIChatBackendJudgeTests {
    static let sample = JudgeSample(id: "item-1", prompt: "2+2?", response: "4")

    /// Forwards to the HTTP backend on OpenAITestExecutor: the judge calls its backend from an
    /// unstructured task, which would otherwise queue behind other suites' work.
    struct OnTestExecutor: ChatBackend {
        let base: OpenAIChatBackend
        func complete(_ request: ChatRequest) async throws -> ChatResponse {
            try await withTaskExecutorPreference(OpenAITestExecutor.shared) { try await base.complete(request) }
        }
    }

    static func judge(_ http: OpenAIChatBackend, probabilityWeighted: Bool = false) throws -> LLMJudge {
        let backend = OnTestExecutor(base: http)
        let configuration = try LLMJudgeConfiguration(
            rubric: "correctness@1", criterion: "overall", allowed: .set([1, 2, 3, 4, 5]),
            call: try JudgeCallSettings(reasks: 1, timeoutSeconds: 600, maxTokens: 16),
            probabilityWeighted: probabilityWeighted, topLogprobs: 5)
        return LLMJudge(name: "openai:test", backend: backend, configuration: configuration) { s in
            [.system("Grade the answer."), .user("Q: \(s.prompt)\nA: \(s.response)\nEnd with [RESULT] <1-5>.")]
        }
    }

    @Test func exhaustedRetriesGiveATransportFailureWithoutScore() async throws {
        let script = OpenAIFaultScript(
            [], repeating: .raw(status: 503, body: "{\"error\":{\"message\":\"overloaded\"}}"))
        let judgments = try await OpenAIFaultServer.run(script) { base in
            try await Self.judge(openAIBackend(base, clock: OpenAIVirtualClock())).judge([Self.sample])
        }
        let j = try #require(judgments.first)
        #expect(j.score == nil)
        guard case .transport(let message) = j.failure else {
            Issue.record("expected a transport failure, got \(String(describing: j.failure))")
            return
        }
        #expect(message.contains("HTTP 503") && message.contains("3 attempts") && message.contains("overloaded"))
        // A transport failure is not re-asked; its three HTTP attempts are the judgment's attempts,
        // as its message says.
        #expect(j.attempts == 3 && script.received.count == 3)
    }

    @Test func timeoutsGiveATimeoutFailureWithoutScore() async throws {
        let script = OpenAIFaultScript([], repeating: .hang(seconds: 600))
        let judgments = try await OpenAIFaultServer.run(script) { base in
            let backend = try openAIBackend(base, clock: OpenAIVirtualClock()) {
                $0.requestTimeoutSeconds = 0.3
                $0.maxRetries = 1
            }
            return try await Self.judge(backend).judge([Self.sample])
        }
        let j = try #require(judgments.first)
        #expect(j.score == nil && j.failure == .timeout(seconds: 0.3))
        #expect(script.received.count == 2)
    }

    @Test func answeredVerdictIsScored() async throws {
        let script = OpenAIFaultScript([.raw(status: 500, body: "{}"), .completion("Correct and brief.\n[RESULT] 4")])
        let judgments = try await OpenAIFaultServer.run(script) { base in
            try await Self.judge(openAIBackend(base, clock: OpenAIVirtualClock())).judge([Self.sample])
        }
        let j = try #require(judgments.first)
        #expect(j.score == 4 && j.failure == nil)
        #expect(j.model == "fault-model" && j.rationale == "Correct and brief.")
    }

    @Test func probabilityWeightedScoreFromReturnedLogprobs() async throws {
        let body = OpenAIFaultScript.completionJSON(
            "[RESULT] 4",
            logprobs: [("[RESULT]", 0, [("[RESULT]", 0)]), (" 4", log(0.6), [(" 4", log(0.6)), (" 5", log(0.4))])])
        let script = OpenAIFaultScript([.raw(status: 200, body: body)])
        let judgments = try await OpenAIFaultServer.run(script) { base in
            try await Self.judge(openAIBackend(base, clock: OpenAIVirtualClock()), probabilityWeighted: true).judge([
                Self.sample
            ])
        }
        let j = try #require(judgments.first)
        // 0.6 · 4 + 0.4 · 5
        #expect(abs((j.score ?? 0) - 4.4) < 1e-9)
        let sent = try #require(script.received.first?.json)
        #expect(sent["logprobs"] as? Bool == true && sent["top_logprobs"] as? Int == 5)
    }
}
