// ServeProtocolTests: the OpenAI wire protocol of `arbiter serve` over a scripted backend: the
// completion's JSON shape, what reaches the backend, finish_reason, logprobs mapping (ranking,
// -inf → -9999, bytes, exact doubles), stop sequences, content parts, /v1/models, /health and the
// one-line-per-request log. Errors are ServeErrorTests; the real model is ServeLocalModelTests.
import ArbiterChat
import ArbiterJudge
import ArbiterServer
import Foundation
import Testing

@Suite struct ServeProtocolTests {
    @Test func happyPathHasOpenAIShapeAndForwardsTheRequest() async throws {
        let backend = ScriptedChatBackend(text: "Paris.", completionTokens: 3)
        let answer = try await Serve.with(backend) { url in
            try await Serve.post(
                url,
                """
                {"model": "test-model", "max_tokens": 16, "temperature": 0.5, "seed": 42, "user": "ignored",
                 "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"},
                              {"role": "assistant", "content": "The capital is"}]}
                """)
        }
        #expect(answer.status == 200)
        let body = try CompletionBody(answer)
        #expect(body.object == "chat.completion")
        #expect(body.id.hasPrefix("chatcmpl-") && body.id.count == "chatcmpl-".count + 24)
        #expect(body.model == Serve.model)
        #expect(abs(Double(body.created) - Date().timeIntervalSince1970) < 600)
        #expect(body.choices.count == 1)
        let choice = try #require(body.choices.first)
        #expect(choice.index == 0 && choice.message.role == "assistant" && choice.message.content == "Paris.")
        #expect(choice.finish_reason == "stop")
        #expect(choice.logprobs == nil)
        let json = answer.json
        let choices = try #require(json["choices"] as? [[String: Any]])
        #expect(choices.first?["logprobs"] is NSNull, "logprobs is sent as null, not omitted")
        let usage = try #require(body.usage)
        #expect(usage.prompt_tokens == 7 && usage.completion_tokens == 3 && usage.total_tokens == 10)

        let sent = try #require(backend.requests.first)
        #expect(backend.requests.count == 1)
        #expect(sent.messages == [.system("Be brief."), .user("Capital of France?"), .assistant("The capital is")])
        #expect(
            sent.maxTokens == 16 && sent.temperature == 0.5 && sent.seed == 42 && !sent.logprobs
                && sent.topLogprobs == nil)
    }

    @Test func defaultsPartsSeedsAndLengthFinish() async throws {
        let backend = ScriptedChatBackend(text: "abcd", completionTokens: 4)
        let (plain, full) = try await Serve.with(backend) { url in
            (
                try await Serve.post(url, #"{"model": "test-model", "messages": [{"role": "user", "content": "x"}]}"#),
                try await Serve.post(
                    url,
                    """
                    {"model": "test-model", "max_completion_tokens": 4, "max_tokens": 99, "seed": -1, "n": 1, "stream": false,
                     "top_p": 1, "frequency_penalty": 0, "tools": [], "response_format": {"type": "text"}, "stop": null,
                     "messages": [{"role": "developer", "content": [{"type": "text", "text": "a"}, {"text": "b"}]},
                                  {"role": "user", "content": "q", "name": "n"}]}
                    """)
            )
        }
        #expect(plain.status == 200)
        #expect(full.status == 200, "\(full.text)")
        #expect(backend.requests.count == 2)
        let first = try #require(backend.requests.first)
        #expect(first.maxTokens == 512 && first.temperature == 0 && first.seed == nil && !first.logprobs)
        #expect(try CompletionBody(plain).choices.first?.finish_reason == "stop")
        let sent = try #require(backend.requests.last)
        #expect(sent.messages == [.system("a\nb"), .user("q")])
        #expect(sent.maxTokens == 4 && sent.seed == UInt64.max)
        #expect(try CompletionBody(full).choices.first?.finish_reason == "length")
    }

    @Test func logprobsAreRankedSanitisedAndExact() async throws {
        let exact = [-0.1 - 0.2, -1.2345678901234567, -Double.leastNonzeroMagnitude, -3.0e-300]
        let backend = ScriptedChatBackend { _ in
            ChatResponse(
                text: "é4",
                tokens: [
                    TokenLogprobs(token: "é", logprob: exact[0], top: []),
                    TokenLogprobs(
                        token: "4", logprob: exact[1],
                        top: [
                            TokenLogprob(token: "3", logprob: exact[2]), TokenLogprob(token: "9", logprob: -.infinity),
                            TokenLogprob(token: "4", logprob: exact[3]), TokenLogprob(token: "5", logprob: -2),
                        ]),
                ], model: "scripted", usage: ChatUsage(promptTokens: 5, completionTokens: 2))
        }
        let (few, all, none) = try await Serve.with(backend) { url in
            let base = #""model": "test-model", "messages": [{"role": "user", "content": "score?"}], "logprobs": true"#
            return (
                try await Serve.post(url, "{\(base), \"top_logprobs\": 2}"),
                try await Serve.post(url, "{\(base), \"top_logprobs\": 20}"),
                try await Serve.post(url, "{\(base)}")
            )
        }
        #expect(backend.requests.map(\.topLogprobs) == [2, 20, nil])
        #expect(backend.requests.allSatisfy { $0.logprobs })
        let tokens = try #require(try CompletionBody(few).choices.first?.logprobs?.content)
        #expect(tokens.map(\.token) == ["é", "4"])
        #expect(tokens[0].bytes == [0xC3, 0xA9])
        #expect(tokens[0].logprob.bitPattern == exact[0].bitPattern)
        #expect(tokens[1].logprob.bitPattern == exact[1].bitPattern)
        #expect(tokens[0].top_logprobs?.isEmpty == true)
        let top2 = try #require(tokens[1].top_logprobs)
        #expect(top2.map(\.token) == ["3", "4"])
        #expect(top2.map(\.logprob.bitPattern) == [exact[2].bitPattern, exact[3].bitPattern])
        #expect(top2.allSatisfy { $0.top_logprobs == nil })
        let top20 = try #require(try CompletionBody(all).choices.first?.logprobs?.content.last?.top_logprobs)
        #expect(top20.map(\.token) == ["3", "4", "5", "9"])
        #expect(top20.last?.logprob == -9999)
        #expect(try CompletionBody(none).choices.first?.logprobs?.content.last?.top_logprobs?.isEmpty == true)
    }

    @Test func stopSequencesCutTextAndLogprobs() async throws {
        let backend = ScriptedChatBackend { _ in
            ChatResponse(
                text: "Score: 4\nBecause",
                tokens: ["Score", ":", " 4", "\n", "Because"].map { TokenLogprobs(token: $0, logprob: -1, top: []) },
                model: "scripted", usage: ChatUsage(promptTokens: 5, completionTokens: 5))
        }
        let (one, list, missing) = try await Serve.with(backend) { url in
            let base =
                #""model": "test-model", "messages": [{"role": "user", "content": "s"}], "logprobs": true, "max_tokens": 5"#
            return (
                try await Serve.post(url, "{\(base), \"stop\": \"\\n\"}"),
                try await Serve.post(url, "{\(base), \"stop\": [\"Because\", \": \"]}"),
                try await Serve.post(url, "{\(base), \"stop\": [\"zzz\"]}")
            )
        }
        let cutAtNewline = try #require(try CompletionBody(one).choices.first)
        #expect(cutAtNewline.message.content == "Score: 4")
        #expect(cutAtNewline.finish_reason == "stop")
        #expect(cutAtNewline.logprobs?.content.map(\.token) == ["Score", ":", " 4"])
        let cutAtColon = try #require(try CompletionBody(list).choices.first)
        #expect(cutAtColon.message.content == "Score")
        #expect(cutAtColon.logprobs?.content.map(\.token) == ["Score"])
        let uncut = try #require(try CompletionBody(missing).choices.first)
        #expect(uncut.message.content == "Score: 4\nBecause")
        #expect(uncut.finish_reason == "length")
    }

    @Test func modelsHealthAndRequestLog() async throws {
        let log = CapturedLog()
        let backend = ScriptedChatBackend(text: "ok")
        let secret = "do-not-log-this-prompt"
        let (models, one, other, health, chat) = try await Serve.with(backend, log: log) { url in
            (
                try await Serve.get(url, "/v1/models"), try await Serve.get(url, "/v1/models/test-model"),
                try await Serve.get(url, "/v1/models/other"), try await Serve.get(url, "/health"),
                try await Serve.post(
                    url, #"{"model": "test-model", "messages": [{"role": "user", "content": "\#(secret)"}]}"#)
            )
        }
        #expect(models.status == 200)
        #expect(models.json["object"] as? String == "list")
        let data = try #require(models.json["data"] as? [[String: Any]])
        #expect(data.count == 1)
        #expect(data.first?["id"] as? String == Serve.model)
        #expect(data.first?["object"] as? String == "model")
        #expect(data.first?["owned_by"] as? String == "arbiter")
        #expect((data.first?["created"] as? Int ?? 0) > 1_600_000_000)
        #expect(one.status == 200 && one.json["id"] as? String == Serve.model)
        #expect(other.status == 404 && other.error("code") as? String == "model_not_found")
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "ok")
        #expect(health.json["in_flight"] as? Int == 0 && health.json["queued"] as? Int == 0)
        #expect(chat.status == 200)

        let lines = log.lines.filter { $0.hasSuffix(" ms") }
        #expect(lines.count == 5, "\(log.lines)")
        #expect(lines.contains { $0.hasPrefix("GET /v1/models 200 ") })
        #expect(lines.contains { $0.hasPrefix("GET /v1/models/other 404 ") })
        #expect(lines.contains { $0.hasPrefix("POST /v1/chat/completions 200 ") })
        #expect(!log.lines.contains { $0.contains(secret) })
    }
}
