// ServeLocalModelTests: `arbiter serve` over the real in-process SmolLM2-135M (LocalChatBackend):
// a short greedy request with logprobs and top_logprobs 5 served over HTTP gives the same text,
// tokens, usage and log-probabilities (top 5 digit alternatives, most likely first) as calling the
// backend directly. JSON carries doubles exactly: the measured deviation is 0 (bit-identical); the
// test allows 1e-6. max_tokens is 2 to keep the debug-mode run short (~13 s with the model load).
import ArbiterChat
import ArbiterJudge
import ArbiterServer
import ArbiterTestSupport
import Foundation
import Testing

@Suite(.serialized) struct ServeLocalModelTests {
    @Test func servedCompletionEqualsDirectBackendCall() async throws {
        let backend = try LocalChatBackend.load(try TestModels.smolLM2GGUF(), name: "smollm2-135m")
        let prompt = "What is 2+2? Reply with just the digit."
        let direct = try await backend.complete(
            ChatRequest(messages: [.user(prompt)], maxTokens: 2, temperature: 0, logprobs: true, topLogprobs: 5))
        let server = ChatServer(
            backend: backend, modelName: "smollm2-135m", configuration: try ChatServerConfiguration(port: 0),
            logger: CapturedLog().logger)
        let answer = try await server.withRunning { url in
            try await Serve.post(
                url,
                """
                {"model": "smollm2-135m", "max_tokens": 2, "temperature": 0, "logprobs": true, "top_logprobs": 5,
                 "messages": [{"role": "user", "content": "\(prompt)"}]}
                """, timeout: .seconds(600))  // the debug-mode model shares two cores with the other suites
        }
        #expect(answer.status == 200, "\(answer.text)")
        let body = try CompletionBody(answer)
        let choice = try #require(body.choices.first)
        #expect(choice.message.content == direct.text)
        let usage = try #require(direct.usage)
        #expect(
            body.usage?.prompt_tokens == usage.promptTokens && body.usage?.completion_tokens == usage.completionTokens)
        #expect(choice.finish_reason == (usage.completionTokens >= 2 ? "length" : "stop"))

        let expected = try #require(direct.tokens)
        let served = try #require(choice.logprobs?.content)
        #expect(!expected.isEmpty)
        // The answer starts with a digit, so one position carries the digit alternatives.
        #expect(expected.contains { !$0.top.isEmpty })
        #expect(served.map(\.token) == expected.map(\.token))
        var deviation = 0.0
        for (s, e) in zip(served, expected) {
            deviation = max(deviation, abs(s.logprob - Self.wire(e.logprob)))
            #expect(s.bytes == Array(e.token.utf8))
            let top = try #require(s.top_logprobs)
            let ranked = e.top.sorted { $0.logprob > $1.logprob }.prefix(5)
            #expect(top.map(\.token) == ranked.map(\.token))
            #expect(
                zip(top, top.dropFirst()).allSatisfy { $0.logprob >= $1.logprob }, "alternatives are most likely first")
            for alternative in top {
                let match = try #require(e.top.first { $0.token == alternative.token })
                deviation = max(deviation, abs(alternative.logprob - Self.wire(match.logprob)))
            }
        }
        #expect(deviation <= 1e-6, "largest |served - direct| logprob difference: \(deviation)")
    }

    /// The server writes -inf as -9999 (JSON has no infinities).
    static func wire(_ logprob: Double) -> Double { logprob.isFinite ? logprob : -9999 }
}
