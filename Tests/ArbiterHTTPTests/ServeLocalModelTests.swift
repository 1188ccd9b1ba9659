// ServeLocalModelTests: `arbiter serve` over the real in-process SmolLM2-135M (LocalChatBackend):
// a short greedy request with logprobs and top_logprobs 5 served over HTTP gives the same text,
// tokens, usage and log-probabilities as calling the backend directly. JSON carries doubles
// exactly, so the expected deviation is 0; the test allows 1e-6 (backend run to run) and records
// the largest seen.
import ArbiterJudge
import ArbiterServer
import ArbiterTestSupport
import Foundation
import Testing

@Suite(.serialized) struct ServeLocalModelTests {
    @Test func servedCompletionEqualsDirectBackendCall() async throws {
        let backend = try LocalChatBackend.load(try TestModels.smolLM2GGUF(), name: "smollm2-135m")
        let prompt = "Rate this answer from 1 to 5. Question: 2+2? Answer: 4. Reply with one digit."
        let direct = try await backend.complete(
            ChatRequest(messages: [.user(prompt)], maxTokens: 4, temperature: 0, logprobs: true, topLogprobs: 5))
        let server = ChatServer(
            backend: backend, modelName: "smollm2-135m", configuration: try ChatServerConfiguration(port: 0),
            logger: CapturedLog().logger)
        let answer = try await server.withRunning { url in
            try await Serve.post(url, """
                {"model": "smollm2-135m", "max_tokens": 4, "temperature": 0, "logprobs": true, "top_logprobs": 5,
                 "messages": [{"role": "user", "content": "\(prompt)"}]}
                """)
        }
        #expect(answer.status == 200, "\(answer.text)")
        let body = try CompletionBody(answer)
        let choice = try #require(body.choices.first)
        #expect(choice.message.content == direct.text)
        let usage = try #require(direct.usage)
        #expect(body.usage?.prompt_tokens == usage.promptTokens && body.usage?.completion_tokens == usage.completionTokens)
        #expect(choice.finish_reason == (usage.completionTokens >= 4 ? "length" : "stop"))

        let expected = try #require(direct.tokens)
        let served = try #require(choice.logprobs?.content)
        #expect(!expected.isEmpty)
        #expect(served.map(\.token) == expected.map(\.token))
        var deviation = 0.0
        for (s, e) in zip(served, expected) {
            deviation = max(deviation, abs(s.logprob - Self.wire(e.logprob)))
            #expect(s.bytes == Array(e.token.utf8))
            let top = try #require(s.top_logprobs)
            #expect(top.count == min(5, e.top.count))
            #expect(zip(top, top.dropFirst()).allSatisfy { $0.logprob >= $1.logprob }, "alternatives are most likely first")
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
