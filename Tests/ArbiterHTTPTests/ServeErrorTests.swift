import ArbiterChat
// ServeErrorTests: every way `arbiter serve` refuses or fails a request, in OpenAI's error shape:
// 400 for each malformed / wrong-typed / out-of-range / unsupported field (the param names the
// field), 404 for unknown routes and models, 413 for oversized bodies, 500 when the backend
// throws, 503 when the queue is full; bind failures and bad settings are typed errors. None of
// these reach the backend unless they should, and the server keeps answering afterwards.
import ArbiterCore
import ArbiterJudge
import ArbiterServer
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct ServeErrorTests {
    static let valid = #"{"model": "test-model", "messages": [{"role": "user", "content": "hi"}]}"#

    /// (body, expected status, expected error param or code).
    static let badRequests: [(String, Int, String)] = {
        let m = #""messages": [{"role": "user", "content": "hi"}]"#
        let mm = #""model": "test-model""#
        return [
            ("not json", 400, "invalid_json"), ("", 400, "invalid_json"), ("[1, 2]", 400, "invalid_json"),
            ("{\"model\": \"test-model\",", 400, "invalid_json"), ("\"text\"", 400, "invalid_json"),
            ("{\(m)}", 400, "model"), ("{\"model\": 5, \(m)}", 400, "model"),
            ("{\(mm)}", 400, "messages"), ("{\(mm), \"messages\": []}", 400, "messages"),
            ("{\(mm), \"messages\": \"hi\"}", 400, "messages"), ("{\(mm), \"messages\": [5]}", 400, "messages[0]"),
            ("{\(mm), \"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}", 400, "messages[0].role"),
            ("{\(mm), \"messages\": [{\"content\": \"x\"}]}", 400, "messages[0].role"),
            ("{\(mm), \"messages\": [{\"role\": 1, \"content\": \"x\"}]}", 400, "messages[0].role"),
            (
                "{\(mm), \"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": 5}]}",
                400, "messages[1].content"
            ),
            ("{\(mm), \"messages\": [{\"role\": \"user\", \"content\": null}]}", 400, "messages[0].content"),
            ("{\(mm), \"messages\": [{\"role\": \"user\"}]}", 400, "messages[0].content"),
            (
                "{\(mm), \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {}}]}]}",
                400, "messages[0].content[0].type"
            ),
            (
                "{\(mm), \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\"}]}]}", 400,
                "messages[0].content[0].text"
            ),
            ("{\(mm), \"messages\": [{\"role\": \"user\", \"content\": [7]}]}", 400, "messages[0].content[0]"),
            ("{\(mm), \(m), \"max_tokens\": 0}", 400, "max_tokens"),
            ("{\(mm), \(m), \"max_tokens\": \"ten\"}", 400, "max_tokens"),
            ("{\(mm), \(m), \"max_tokens\": 1.5}", 400, "max_tokens"),
            ("{\(mm), \(m), \"max_tokens\": 100000}", 400, "max_tokens"),
            ("{\(mm), \(m), \"max_tokens\": 1e300}", 400, "max_tokens"),
            ("{\(mm), \(m), \"max_completion_tokens\": -3}", 400, "max_completion_tokens"),
            ("{\(mm), \(m), \"temperature\": 2.5}", 400, "temperature"),
            ("{\(mm), \(m), \"temperature\": \"hot\"}", 400, "temperature"),
            ("{\(mm), \(m), \"temperature\": -0.1}", 400, "temperature"),
            ("{\(mm), \(m), \"seed\": 1.5}", 400, "seed"), ("{\(mm), \(m), \"seed\": \"7\"}", 400, "seed"),
            ("{\(mm), \(m), \"seed\": 1e40}", 400, "seed"),
            ("{\(mm), \(m), \"logprobs\": \"yes\"}", 400, "logprobs"),
            ("{\(mm), \(m), \"logprobs\": true, \"top_logprobs\": 21}", 400, "top_logprobs"),
            ("{\(mm), \(m), \"logprobs\": true, \"top_logprobs\": -1}", 400, "top_logprobs"),
            ("{\(mm), \(m), \"top_logprobs\": 3}", 400, "top_logprobs"),
            ("{\(mm), \(m), \"n\": 2}", 400, "n"), ("{\(mm), \(m), \"n\": 0}", 400, "n"),
            ("{\(mm), \(m), \"stream\": 1}", 400, "stream"),
            ("{\(mm), \(m), \"stream_options\": {\"include_usage\": true}}", 400, "stream_options"),
            (
                "{\(mm), \(m), \"stream\": true, \"stream_options\": {\"include_usage\": 1}}", 400,
                "stream_options.include_usage"
            ),
            ("{\(mm), \(m), \"stop\": 5}", 400, "stop"),
            ("{\(mm), \(m), \"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}", 400, "stop"),
            ("{\(mm), \(m), \"stop\": [\"\"]}", 400, "stop"), ("{\(mm), \(m), \"stop\": [1]}", 400, "stop"),
            ("{\(mm), \(m), \"top_p\": 0.5}", 400, "top_p"), ("{\(mm), \(m), \"top_p\": 2}", 400, "top_p"),
            ("{\(mm), \(m), \"presence_penalty\": 1}", 400, "presence_penalty"),
            ("{\(mm), \(m), \"frequency_penalty\": \"x\"}", 400, "frequency_penalty"),
            ("{\(mm), \(m), \"tools\": [{\"type\": \"function\"}]}", 400, "tools"),
            ("{\(mm), \(m), \"tool_choice\": \"auto\"}", 400, "tool_choice"),
            ("{\(mm), \(m), \"logit_bias\": {\"1\": 5}}", 400, "logit_bias"),
            ("{\(mm), \(m), \"response_format\": {\"type\": \"json_object\"}}", 400, "response_format"),
            ("{\"model\": \"other-model\", \(m)}", 404, "model"),
        ]
    }()

    @Test func everyMalformedRequestGetsANamedError() async throws {
        let backend = ScriptedChatBackend(text: "never")
        let answers = try await Serve.with(backend) { url in
            var out: [HTTPAnswer] = []
            for (body, _, _) in Self.badRequests { out.append(try await Serve.post(url, body)) }
            // Invalid UTF-8 inside a string.
            var bytes = Data(#"{"model": "test-model", "messages": [{"role": "user", "content": "x"#.utf8)
            bytes.append(contentsOf: [0xC3, 0x28, 0xFF])
            bytes.append(contentsOf: Data(#""}]}"#.utf8))
            out.append(try await Serve.send(.POST, url, path: "/v1/chat/completions", body: bytes))
            return out
        }
        #expect(backend.requests.isEmpty, "no malformed request reaches the backend")
        for ((body, status, key), answer) in zip(Self.badRequests, answers) {
            #expect(answer.status == status, "\(body) → \(answer.text)")
            let param = answer.error("param") as? String
            let code = answer.error("code") as? String
            #expect(param == key || code == key, "\(body) → \(answer.text)")
            let message = answer.error("message") as? String ?? ""
            #expect(message.count > 10 && !message.contains("DecodingError"), "\(body) → \(message)")
            #expect(answer.error("type") as? String == "invalid_request_error")
            let error = try #require(answer.json["error"] as? [String: Any])
            #expect(Set(error.keys) == ["message", "type", "param", "code"])
        }
        let utf8 = try #require(answers.last)
        #expect(utf8.status == 400, "\(utf8.text)")
        #expect(
            utf8.error("param") as? String == "messages[0].content" || utf8.error("code") as? String == "invalid_json",
            "\(utf8.text)")
    }

    @Test func unknownRoutesAreOpenAI404s() async throws {
        let answers = try await Serve.with(ScriptedChatBackend(text: "x")) { url in
            [
                try await Serve.post(url, Self.valid, path: "/v1/edits"),
                try await Serve.get(url, "/"), try await Serve.send(.DELETE, url, path: "/v1/nothing"),
            ]
        }
        for answer in answers {
            #expect(answer.status == 404)
            #expect(answer.error("code") as? String == "unknown_url")
            #expect((answer.error("message") as? String)?.contains("POST /v1/chat/completions") == true)
        }
    }

    /// A known path asked with another method is 405 with the methods it takes in `Allow`.
    @Test func knownPathsWithAnotherMethodAre405WithAllow() async throws {
        let backend = ScriptedChatBackend(text: "x")
        let answers = try await Serve.with(backend) { url in
            [
                try await Serve.get(url, "/v1/chat/completions"),
                try await Serve.send(.DELETE, url, path: "/v1/models"),
                try await Serve.post(url, Self.valid, path: "/health"),
                try await Serve.send(.PUT, url, path: "/v1/models/test-model"),
            ]
        }
        #expect(backend.requests.isEmpty)
        for (answer, allow) in zip(answers, ["POST", "GET", "GET", "GET"]) {
            #expect(answer.status == 405)
            #expect(answer.header("Allow") == allow)
            #expect(answer.error("code") as? String == "method_not_allowed")
            #expect(answer.error("type") as? String == "invalid_request_error")
            #expect((answer.error("message") as? String)?.contains("use \(allow)") == true)
        }
    }

    /// A prompt longer than the local model's context is OpenAI's 400 `context_length_exceeded`
    /// with the token counts, never a 200 with empty content.
    @Test func promptsPastTheContextAre400WithTheTokenCounts() async throws {
        let backend = try LocalChatBackend.load(TinyChatModel.file(contextLength: 64), name: "tiny")
        let long = String(repeating: "x", count: 80)
        let (tooLong, fits, filled) = try await Serve.with(backend) { url in
            func ask(_ text: String, _ maxTokens: Int = 2) async throws -> HTTPAnswer {
                try await Serve.post(
                    url,
                    #"{"model": "test-model", "max_tokens": \#(maxTokens), "messages": [{"role": "user", "content": "\#(text)"}]}"#
                )
            }
            return (try await ask(long), try await ask("hi"), try await ask("hi", 60))
        }
        #expect(fits.status == 200)
        let fitsUsage = try #require(try CompletionBody(fits).usage)
        // The long request renders 78 more tokens than "hi" (80 byte tokens instead of 2).
        let longTokens = fitsUsage.prompt_tokens + 78
        #expect(longTokens > 64)
        #expect(tooLong.status == 400)
        #expect(tooLong.error("code") as? String == "context_length_exceeded")
        #expect(tooLong.error("param") as? String == "messages")
        let message = try #require(tooLong.error("message") as? String)
        #expect(message.contains("64 tokens") && message.contains("\(longTokens) tokens"), "\(message)")
        // With max_tokens 60, only 64 − prompt tokens fit before the context ends: reported as
        // "length" although max_tokens was not reached.
        let body = try CompletionBody(filled)
        let usage = try #require(body.usage)
        let room = 64 - usage.prompt_tokens
        #expect(room < 60 && usage.completion_tokens <= room)
        if usage.completion_tokens == room { #expect(body.choices.first?.finish_reason == "length") }
    }

    @Test func oversizedBodiesGet413AndTheServerStaysUp() async throws {
        let backend = ScriptedChatBackend(text: "ok")
        let long = String(repeating: "a", count: 20_000)
        let config = try ChatServerConfiguration(port: 0, maxBodyBytes: 4096)
        let (tooLarge, chunked, small, health) = try await Serve.with(backend, configuration: config) { url in
            let body = #"{"model": "test-model", "messages": [{"role": "user", "content": "\#(long)"}]}"#
            return (
                try await Serve.post(url, body),
                try await Serve.send(.POST, url, path: "/v1/chat/completions", body: Data(body.utf8), chunked: true),
                try await Serve.post(url, Self.valid), try await Serve.get(url, "/health")
            )
        }
        for answer in [tooLarge, chunked] {
            #expect(answer.status == 413, "\(answer.text)")
            #expect(answer.error("code") as? String == "request_too_large")
            #expect((answer.error("message") as? String)?.contains("4096") == true)
        }
        #expect(small.status == 200 && health.status == 200)
        #expect(backend.requests.count == 1)
    }

    struct Exploded: LocalizedError {
        var errorDescription: String? { "weights exploded at layer 3" }
    }

    @Test func backendErrorsBecome500Or400AndFreeTheSlot() async throws {
        let backend = ScriptedChatBackend { request in
            switch request.messages.last?.content {
            case "explode": throw Exploded()
            case "invalid": throw LocalChatBackendError.invalidRequest(reason: "the rendered prompt has no tokens")
            default: return ChatResponse(text: "fine", model: "scripted")
            }
        }
        let (exploded, invalid, fine, health) = try await Serve.with(backend) { url in
            func ask(_ text: String) async throws -> HTTPAnswer {
                try await Serve.post(
                    url, #"{"model": "test-model", "messages": [{"role": "user", "content": "\#(text)"}]}"#)
            }
            return (
                try await ask("explode"), try await ask("invalid"), try await ask("ok"),
                try await Serve.get(url, "/health")
            )
        }
        #expect(exploded.status == 500)
        #expect(
            exploded.error("type") as? String == "server_error" && exploded.error("code") as? String == "backend_error")
        #expect((exploded.error("message") as? String)?.contains("weights exploded at layer 3") == true)
        #expect(invalid.status == 400 && (invalid.error("message") as? String)?.contains("no tokens") == true)
        #expect(fine.status == 200)
        // No usage from the backend: usage is null, finish_reason still set.
        #expect(fine.json["usage"] is NSNull)
        #expect(try CompletionBody(fine).choices.first?.finish_reason == "stop")
        #expect(health.json["in_flight"] as? Int == 0)
    }

    @Test func aFullQueueAnswers503() async throws {
        let latch = Latch()
        let backend = ScriptedChatBackend { _ in
            await latch.wait()
            return ChatResponse(text: "done", model: "scripted")
        }
        let config = try ChatServerConfiguration(port: 0, maxConcurrentRequests: 1, maxQueuedRequests: 1)
        let statuses = try await Serve.with(backend, configuration: config) { url in
            async let first = Serve.post(url, Self.valid)
            try await Self.waitUntil { backend.requests.count == 1 }
            async let second = Serve.post(url, Self.valid)
            try await Self.waitUntil { (try? await Serve.get(url, "/health"))?.json["queued"] as? Int == 1 }
            let third = try await Serve.post(url, Self.valid)
            await latch.release()
            return [
                try await first.status, try await second.status, third.status,
                third.error("code") as? String == "server_busy" ? 1 : 0,
                third.header("Retry-After") == "1" ? 1 : 0,
            ]
        }
        #expect(statuses == [200, 200, 503, 1, 1])
        #expect(backend.requests.count == 2)
    }

    @Test func fuzzedBodiesNeverCrashTheServer() async throws {
        let backend = ScriptedChatBackend(text: "ok", completionTokens: 1)
        let valid = Data(
            """
            {"model": "test-model", "max_tokens": 8, "temperature": 0.7, "seed": 3, "logprobs": true, "top_logprobs": 2,
             "stop": ["\\n"], "messages": [{"role": "system", "content": "judge"}, {"role": "user", "content": [{"type": "text", "text": "é?"}]}]}
            """.utf8)
        var rng = SplitMix64(seed: 0x5E_4E)
        var bodies: [Data] = []
        for _ in 0..<100 {
            var bytes = [UInt8](valid)
            switch rng.below(5) {
            case 0: for _ in 0...rng.below(4) { bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            case 1: bytes.removeSubrange(rng.below(bytes.count)...)
            case 2:
                let at = rng.below(bytes.count)
                bytes.removeSubrange(at..<min(bytes.count, at + 1 + rng.below(12)))
            case 3:
                bytes.insert(
                    contentsOf: Array(#"{}[]",:0-9e.truefalsenull\"#.utf8).shuffled(using: &rng).prefix(
                        1 + rng.below(6)), at: rng.below(bytes.count))
            default:
                let at = rng.below(bytes.count)
                let span = min(bytes.count - at, 1 + rng.below(20))
                let chunk = Array(bytes[at..<(at + span)])
                bytes.insert(contentsOf: chunk, at: rng.below(bytes.count))
            }
            bodies.append(Data(bytes))
        }
        let mutated = bodies
        let (statuses, health) = try await Serve.with(backend) { url in
            var out: [Int] = []
            for body in mutated {
                out.append(try await Serve.send(.POST, url, path: "/v1/chat/completions", body: body).status)
            }
            return (out, try await Serve.get(url, "/health"))
        }
        #expect(statuses.count == 100)
        #expect(statuses.allSatisfy { $0 == 200 || (400..<500).contains($0) }, "\(statuses)")
        #expect(statuses.contains(400))
        #expect(health.status == 200)
    }

    @Test func badSettingsAndBusyPortsAreTypedErrors() async throws {
        #expect(throws: ChatServerError.self) { try ChatServerConfiguration(port: 70_000) }
        #expect(throws: ChatServerError.self) { try ChatServerConfiguration(maxConcurrentRequests: 0) }
        #expect(throws: ChatServerError.self) { try ChatServerConfiguration(defaultMaxTokens: 10, maxTokensLimit: 5) }
        #expect(throws: ChatServerError.self) { try ChatServerConfiguration(host: "") }
        try await Serve.with(ScriptedChatBackend(text: "x")) { url in
            let port = try #require(url.port)
            let second = ChatServer(
                backend: ScriptedChatBackend(text: "y"), modelName: "m",
                configuration: try ChatServerConfiguration(port: port), logger: CapturedLog().logger)
            await #expect {
                try await second.withRunning { _ in }
            } throws: { error in
                guard case .didNotStart(let address, _) = error as? ChatServerError else { return false }
                return address == "127.0.0.1:\(port)"
            }
        }
    }

    /// Polls `condition` every 10 ms for up to 10 s.
    static func waitUntil(_ condition: @Sendable () async -> Bool) async throws {
        for _ in 0..<1000 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not met within 10 s")
    }
}

/// Holds callers in `wait()` until `release()`.
actor Latch {
    private var open = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if open { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        open = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }
}
