// OpenAIChatBackendPublicAPITests: pins the HTTP backend's public surface with a plain import (no
// @testable): the spec parser, the configuration, the public factory on the real clock and
// process environment, statistics, and the error's judgment-failure mapping.
import ArbiterChat
import ArbiterJudge
import Foundation
import Testing

@Suite struct OpenAIChatBackendPublicAPITests {
    @Test func publicFactoryAnswersOverHTTP() async throws {
        let script = OpenAIFaultScript([.completion("Fine.\n[RESULT] 5")])
        let (response, stats) = try await OpenAIFaultServer.run(script) { base in
            var configuration = try OpenAIChatBackend.Configuration.parse(spec: "openai:\(base)#judge-model")
            configuration.apiKeyEnvironmentVariable = "ARBITER_TEST_KEY_THAT_IS_NOT_SET"
            configuration.requestTimeoutSeconds = 120
            configuration.maxRetries = 0
            let backend = OpenAIChatBackend(configuration: try configuration.validated())
            #expect(!backend.hasAPIKey)
            #expect(backend.description.contains("model judge-model"))
            let response = try await backend.complete(ChatRequest(messages: [.user("Grade: 4")], maxTokens: 8))
            return (response, backend.statistics())
        }
        #expect(response.text == "Fine.\n[RESULT] 5" && response.model == "fault-model")
        #expect(response.usage == ChatUsage(promptTokens: 12, completionTokens: 3))
        #expect(stats.requests == 1 && stats.attempts == 1 && stats.succeeded == 1 && stats.backoffSeconds == 0)
        #expect(script.received.first?.authorization == nil)
    }

    @Test func errorsMapToJudgmentFailures() {
        let url = "http://127.0.0.1:9/v1/chat/completions"
        let timeout = OpenAIChatBackendError.timeout(url: url, seconds: 2.5, attempts: 3)
        #expect(timeout.judgmentFailure == .timeout(seconds: 2.5))
        #expect(timeout.attempts == 3)
        let status = OpenAIChatBackendError.httpStatus(url: url, status: 429, attempts: 5, bodyExcerpt: "")
        #expect(status.judgmentFailure == .transport(message: status.errorDescription ?? ""))
        #expect(status.errorDescription?.contains("HTTP 429 after 5 attempts: (empty body)") == true)
        #expect(OpenAIChatBackendError.invalidSpec(spec: "x", reason: "r").attempts == nil)
    }
}
