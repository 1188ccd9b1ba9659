import ArbiterChat
import ArbiterCore
import ArbiterTestSupport
import Foundation
import Testing

// OpenAIChatBackendWireTests: the chat-completions JSON both ways (the request body the server
// receives, logprobs parsing), `openai:URL#MODEL` spec and configuration validation, Retry-After
// parsing, key redaction in excerpts, and 200 seeded mutations of a good response body that must
// each parse or throw a typed error, never trap.
@testable import ArbiterJudge

@Suite struct OpenAIChatBackendWireTests {
    @Test func requestBodyAndLogprobsRoundTrip() async throws {
        let logprobs: [(String, Double, [(String, Double)])] = [
            ("[RESULT]", -0.01, [("[RESULT]", -0.01), ("Score", -4.6)]),
            (" 4", -0.51, [(" 4", -0.51), (" 5", -0.92), (" 3", -3.2)]),
        ]
        let body = OpenAIFaultScript.completionJSON(
            "[RESULT] 4", model: "served-model", logprobs: logprobs, usage: (21, 2))
        let script = OpenAIFaultScript([.raw(status: 200, body: body)])
        let request = ChatRequest(
            messages: [.system("Grade."), .user("Q: 2+2? A: 4"), .assistant("[RESULT]")], maxTokens: 8,
            temperature: 0.25, seed: 42,
            logprobs: true, topLogprobs: 5)
        let response = try await OpenAIFaultServer.run(script) { base in
            try await openAIBackend(base, clock: OpenAIVirtualClock()).complete(request)
        }
        #expect(response.text == "[RESULT] 4")
        #expect(response.model == "served-model")
        #expect(response.usage == ChatUsage(promptTokens: 21, completionTokens: 2))
        #expect(
            response.tokens == [
                TokenLogprobs(
                    token: "[RESULT]", logprob: -0.01,
                    top: [.init(token: "[RESULT]", logprob: -0.01), .init(token: "Score", logprob: -4.6)]),
                TokenLogprobs(
                    token: " 4", logprob: -0.51,
                    top: [
                        .init(token: " 4", logprob: -0.51), .init(token: " 5", logprob: -0.92),
                        .init(token: " 3", logprob: -3.2),
                    ]),
            ])
        let sent = try #require(script.received.first?.json)
        #expect(sent["model"] as? String == "judge-model")
        #expect(sent["max_tokens"] as? Int == 8)
        #expect(sent["temperature"] as? Double == 0.25)
        #expect(sent["seed"] as? Int == 42)
        #expect(sent["logprobs"] as? Bool == true)
        #expect(sent["top_logprobs"] as? Int == 5)
        let messages = try #require(sent["messages"] as? [[String: String]])
        // The trailing assistant turn is sent as is, for the server to continue.
        #expect(
            messages == [
                ["role": "system", "content": "Grade."], ["role": "user", "content": "Q: 2+2? A: 4"],
                ["role": "assistant", "content": "[RESULT]"],
            ])
    }

    @Test func plainRequestOmitsLogprobsAndSeed() throws {
        let wire = WireChatRequest(ChatRequest(messages: [.user("hi")], maxTokens: 3, topLogprobs: 4), model: "m")
        let text = String(decoding: try wire.encoded(), as: UTF8.self)
        #expect(
            text
                == "{\"max_tokens\":3,\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"model\":\"m\",\"temperature\":0}"
        )
        var hot = ChatRequest(messages: [.user("hi")])
        hot.temperature = .nan
        #expect(throws: OpenAIChatBackendError.invalidRequest(reason: "temperature is nan")) {
            try WireChatRequest(hot, model: "m").encoded()
        }
    }

    @Test func responseWithoutLogprobsOrUsageStillParses() throws {
        let body = Array("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null}}]}".utf8)
        let response = try WireChatResponse.decode(
            body, url: "http://h/v1/chat/completions", fallbackModel: "fallback", secret: nil)
        #expect(response == ChatResponse(text: "", tokens: nil, model: "fallback", usage: nil))
    }

    @Test func specParsing() throws {
        let c = try OpenAIChatBackend.Configuration.parse(spec: "openai:http://127.0.0.1:8080/v1/#smollm2-135m")
        #expect(c.baseURL == "http://127.0.0.1:8080/v1" && c.model == "smollm2-135m")
        #expect(c.endpoint == "http://127.0.0.1:8080/v1/chat/completions")
        #expect(c.apiKeyEnvironmentVariable == "OPENAI_API_KEY" && c.maxRetries == 4)
        let https = try OpenAIChatBackend.Configuration.parse(spec: "openai:https://api.example.com/v1#gpt-4o-mini")
        #expect(https.endpoint == "https://api.example.com/v1/chat/completions" && https.model == "gpt-4o-mini")

        let bad = [
            "local:smollm2", "openai:http://127.0.0.1:8080/v1", "openai:http://127.0.0.1:8080/v1#",
            "openai:ftp://h/v1#m",
            "openai:not a url#m", "openai:http:///v1#m", "openai:http://h/v1?x=1#m",
            "openai:http://user:hunter2pass@h/v1#m",
        ]
        for spec in bad {
            do {
                _ = try OpenAIChatBackend.Configuration.parse(spec: spec)
                Issue.record("\(spec) should be rejected")
            } catch let error as OpenAIChatBackendError {
                guard case .invalidSpec = error else {
                    Issue.record("\(spec): expected invalidSpec, got \(error)")
                    continue
                }
                #expect(error.errorDescription?.contains("hunter2pass") == false)
            }
        }
    }

    @Test func configurationIsValidated() throws {
        func rejects(_ make: () throws -> OpenAIChatBackend.Configuration) -> Bool {
            (try? make()) == nil
        }
        let base = "http://127.0.0.1:1/v1"
        #expect(rejects { try .init(baseURL: base, model: " ") })
        #expect(rejects { try .init(baseURL: base, model: "m", maxConcurrency: 0) })
        #expect(rejects { try .init(baseURL: base, model: "m", requestsPerMinute: 0) })
        #expect(rejects { try .init(baseURL: base, model: "m", tokensPerMinute: -1) })
        #expect(rejects { try .init(baseURL: base, model: "m", requestTimeoutSeconds: 0) })
        #expect(rejects { try .init(baseURL: base, model: "m", maxRetries: -1) })
        #expect(rejects { try .init(baseURL: base, model: "m", jitter: 1.5) })
        #expect(rejects { try .init(baseURL: base, model: "m", maxRetryAfterSeconds: .infinity) })
        // A key pasted where the variable name belongs is rejected without being echoed.
        let pasted = "sk-proj-abcdef0123456789"
        do {
            _ = try OpenAIChatBackend.Configuration(baseURL: base, model: "m", apiKeyEnvironmentVariable: pasted)
            Issue.record("a key as the variable name should be rejected")
        } catch {
            #expect(!"\(error)".contains(pasted) && !(error.localizedDescription.contains(pasted)))
        }
        #expect(
            try OpenAIChatBackend.Configuration(baseURL: base, model: "m", apiKeyEnvironmentVariable: "MY_KEY_2")
                .apiKeyEnvironmentVariable == "MY_KEY_2")
    }

    @Test func retryAfterParsing() throws {
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(RetryPolicy.retryAfterSeconds("3", now: now) == 3)
        #expect(RetryPolicy.retryAfterSeconds(" 1.5 ", now: now) == 1.5)
        #expect(RetryPolicy.retryAfterSeconds("-1", now: now) == nil)
        #expect(RetryPolicy.retryAfterSeconds("soon", now: now) == nil)
        #expect(RetryPolicy.retryAfterSeconds("Wed, 21 Oct 2015 07:28:30 GMT", now: now) == 30)
        #expect(RetryPolicy.retryAfterSeconds("Wednesday, 21-Oct-15 07:29:00 GMT", now: now) == 60)
        #expect(RetryPolicy.retryAfterSeconds("Wed Oct 21 07:28:10 2015", now: now) == 10)
        // A date in the past means "now".
        #expect(RetryPolicy.retryAfterSeconds("Wed, 21 Oct 2015 07:00:00 GMT", now: now) == 0)
    }

    @Test func excerptRedactsTheKeyEvenWhenCut() {
        let key = "sk-live-0123456789abcdef"
        let whole = OpenAIChatBackendError.excerpt(Array("bad key \(key) given".utf8), redacting: key)
        #expect(whole == "bad key <redacted> given")
        // The key straddles the 40-character cut: its visible head is scrubbed too.
        let cut = OpenAIChatBackendError.excerpt(
            Array((String(repeating: "x", count: 30) + key).utf8), redacting: key, limit: 40)
        #expect(!cut.contains("sk-live-01"), "\(cut)")
        #expect(OpenAIChatBackendError.excerpt(Array("a\nb\u{0}c".utf8), redacting: nil) == "a b c")
    }

    /// A server that cut the answer (finish_reason "length") gives a truncated response, as the
    /// in-process backend reports its own cut answers; any other reason does not.
    @Test func finishReasonLengthIsTruncated() throws {
        func body(_ reason: String) -> [UInt8] {
            Array(
                #"{"model": "m", "choices": [{"message": {"content": "The answ"}, "finish_reason": "\#(reason)"}]}"#
                    .utf8)
        }
        #expect(try WireChatResponse.decode(body("length"), url: "u", fallbackModel: "m", secret: nil).truncated)
        #expect(try !WireChatResponse.decode(body("stop"), url: "u", fallbackModel: "m", secret: nil).truncated)
        let none = Array(#"{"choices": [{"message": {"content": "x"}}]}"#.utf8)
        #expect(try !WireChatResponse.decode(none, url: "u", fallbackModel: "m", secret: nil).truncated)
    }

    @Test func mutatedResponsesParseOrThrowTyped() {
        let good = Array(
            OpenAIFaultScript.completionJSON("[RESULT] 4", logprobs: [(" 4", -0.5, [(" 4", -0.5), (" 5", -1.0)])]).utf8)
        #expect((try? WireChatResponse.decode(good, url: "u", fallbackModel: "m", secret: nil)) != nil)
        var rng = SplitMix64(seed: 0xA11CE)
        var parsed = 0
        var rejected = 0
        for _ in 0..<200 {
            var bytes = good
            for _ in 0..<(1 + rng.below(4)) {
                switch rng.below(4) {
                case 0: bytes[rng.below(bytes.count)] ^= UInt8(1 << rng.below(8))  // bit flip
                case 1: bytes = Array(bytes.prefix(rng.below(bytes.count)))  // truncation
                case 2: bytes.insert(UInt8(rng.below(256)), at: rng.below(bytes.count + 1))
                default: if !bytes.isEmpty { bytes.remove(at: rng.below(bytes.count)) }
                }
                if bytes.isEmpty { break }
            }
            do {
                _ = try WireChatResponse.decode(bytes, url: "u", fallbackModel: "m", secret: nil)
                parsed += 1
            } catch let error as OpenAIChatBackendError {
                guard case .invalidResponse = error else {
                    Issue.record("unexpected error kind \(error)")
                    continue
                }
                rejected += 1
            } catch {
                Issue.record("untyped error \(error)")
            }
        }
        #expect(parsed + rejected == 200 && rejected > 0)
    }
}
