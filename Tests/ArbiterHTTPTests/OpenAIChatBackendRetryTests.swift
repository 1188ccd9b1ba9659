import ArbiterChat
import Foundation
import Testing

// OpenAIChatBackendRetryTests: the HTTP client against the fault server: 429 with Retry-After
// (seconds, HTTP date, capped), 5xx then success, retries exhausted, a hanging response past the
// timeout, connection refused, truncated / non-JSON / choice-less bodies, 4xx not retried, and the
// API key sent as Bearer but never in an error. Waits run on a virtual clock; real time is spent
// only on the short per-request timeouts.
@testable import ArbiterJudge

/// A backend for `base` with few retries; `key` is put in its private environment. The request
/// timeout is long so that only the tests about timeouts ever reach it, even on a loaded machine;
/// those set a short one and hang the server past it.
func openAIBackend(
    _ base: String, clock: OpenAIVirtualClock, key: String? = nil,
    _ configure: (inout OpenAIChatBackend.Configuration) -> Void = { _ in }
) throws -> OpenAIChatBackend {
    var configuration = try OpenAIChatBackend.Configuration(
        baseURL: base, model: "judge-model", requestTimeoutSeconds: 120, maxRetries: 2, initialBackoffSeconds: 0.5,
        maxBackoffSeconds: 4)
    configure(&configuration)
    return OpenAIChatBackend(
        configuration: try configuration.validated(), environment: key.map { ["OPENAI_API_KEY": $0] } ?? [:],
        clock: clock)
}

let gradeRequest = ChatRequest(messages: [.system("You grade answers."), .user("Q: 2+2? A: 4")], maxTokens: 16)

/// Runs `body` and returns the OpenAIChatBackendError it throws (nil when it does not throw one).
func backendError(_ body: () async throws -> Void) async -> OpenAIChatBackendError? {
    do {
        try await body()
        return nil
    } catch {
        return error as? OpenAIChatBackendError
    }
}

@Suite struct OpenAIChatBackendRetryTests {
    @Test func retryAfterSecondsIsHonoured() async throws {
        let script = OpenAIFaultScript([
            .raw(status: 429, headers: ["Retry-After": "3"], body: "{\"error\":{\"message\":\"slow down\"}}"),
            .completion("[RESULT] 4"),
        ])
        let clock = OpenAIVirtualClock()
        let response = try await OpenAIFaultServer.run(script) { base in
            try await openAIBackend(base, clock: clock).complete(gradeRequest)
        }
        #expect(response.text == "[RESULT] 4")
        #expect(script.received.count == 2)
        #expect(clock.sleeps == [3])
    }

    @Test func retryAfterHTTPDateIsHonouredAndCapped() async throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let inSeven = formatter.string(from: OpenAIVirtualClock.epoch.addingTimeInterval(7))
        let script = OpenAIFaultScript([
            .raw(status: 429, headers: ["Retry-After": inSeven], body: "{}"),
            .raw(status: 503, headers: ["Retry-After": "3600"], body: "{}"),
            .completion("[RESULT] 2"),
        ])
        let clock = OpenAIVirtualClock()
        let response = try await OpenAIFaultServer.run(script) { base in
            try await openAIBackend(base, clock: clock) { $0.maxRetryAfterSeconds = 10 }.complete(gradeRequest)
        }
        #expect(response.text == "[RESULT] 2")
        // 7 s from the date (virtual time 0 is the epoch), then 3600 s capped at 10 s.
        #expect(clock.sleeps.count == 2)
        #expect(abs((clock.sleeps.first ?? 0) - 7) < 1e-6)
        #expect(clock.sleeps.last == 10)
    }

    @Test func serverErrorThenSuccess() async throws {
        let script = OpenAIFaultScript([
            .raw(status: 500, body: "{\"error\":{\"message\":\"boom\"}}"), .completion("[RESULT] 3"),
        ])
        let clock = OpenAIVirtualClock()
        let backend = try await OpenAIFaultServer.run(script) { base in
            let backend = try openAIBackend(base, clock: clock)
            #expect(try await backend.complete(gradeRequest).text == "[RESULT] 3")
            return backend
        }
        #expect(script.received.count == 2)
        // First retry: 0.5 s shortened by up to half (jitter 0.5).
        let wait = try #require(clock.sleeps.first)
        #expect(clock.sleeps.count == 1 && wait >= 0.25 && wait <= 0.5)
        let stats = backend.statistics()
        #expect(stats.requests == 1 && stats.attempts == 2 && stats.succeeded == 1 && stats.failed == 0)
    }

    @Test func serverErrorsExhaustRetries() async throws {
        let script = OpenAIFaultScript([], repeating: .raw(status: 502, body: "upstream down"))
        let clock = OpenAIVirtualClock()
        let error = try await OpenAIFaultServer.run(script) { base in
            let backend = try openAIBackend(base, clock: clock)
            return await backendError { _ = try await backend.complete(gradeRequest) }
        }
        guard case .httpStatus(let url, 502, 3, let excerpt) = error else {
            Issue.record("expected HTTP 502 after 3 attempts, got \(String(describing: error))")
            return
        }
        #expect(url.hasPrefix("http://127.0.0.1:") && url.hasSuffix("/v1/chat/completions"))
        #expect(excerpt == "upstream down")
        #expect(script.received.count == 3)
        #expect(clock.sleeps.count == 2)
        // Second retry: 1 s shortened by up to half.
        #expect(clock.sleeps.last.map { $0 >= 0.5 && $0 <= 1 } == true)
        #expect(error?.judgmentFailure == .transport(message: error?.errorDescription ?? ""))
    }

    @Test func hangingResponseTimesOutAndIsRetried() async throws {
        let script = OpenAIFaultScript([], repeating: .hang(seconds: 600))
        let clock = OpenAIVirtualClock()
        let error = try await OpenAIFaultServer.run(script) { base in
            let backend = try openAIBackend(base, clock: clock) {
                $0.requestTimeoutSeconds = 0.3
                $0.maxRetries = 1
            }
            return await backendError { _ = try await backend.complete(gradeRequest) }
        }
        #expect(error == .timeout(url: error.flatMap(Self.url) ?? "", seconds: 0.3, attempts: 2))
        #expect(error?.judgmentFailure == .timeout(seconds: 0.3))
        #expect(script.received.count == 2)
    }

    @Test func connectionRefusedIsRetriedThenTyped() async throws {
        let port = try await OpenAIFaultServer.closedPort()
        let clock = OpenAIVirtualClock()
        let backend = try openAIBackend("http://127.0.0.1:\(port)/v1", clock: clock)
        let error = await backendError { _ = try await backend.complete(gradeRequest) }
        guard case .connection(let url, _, 3) = error else {
            Issue.record("expected a connection error after 3 attempts, got \(String(describing: error))")
            return
        }
        #expect(url == "http://127.0.0.1:\(port)/v1/chat/completions")
        #expect(clock.sleeps.count == 2)
        #expect(error?.errorDescription?.contains("server is running") == true)
    }

    @Test func truncatedJSONIsTypedAndNotRetried() async throws {
        let body = "{\"id\":\"x\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"[RES"
        let error = try await failure(for: .raw(status: 200, body: body))
        guard case .invalidResponse(let url, let reason, let excerpt) = error.error else {
            Issue.record("expected invalidResponse, got \(String(describing: error.error))")
            return
        }
        #expect(url.hasSuffix("/v1/chat/completions"))
        #expect(reason.contains("truncated"))
        #expect(excerpt == body)
        #expect(error.requests == 1)
    }

    @Test func nonJSONBodyIsTyped() async throws {
        let error = try await failure(
            for: .raw(
                status: 200, headers: ["Content-Type": "text/html"], body: "<html><body>502 Bad Gateway</body></html>"))
        guard case .invalidResponse(_, let reason, let excerpt) = error.error else {
            Issue.record("expected invalidResponse, got \(String(describing: error.error))")
            return
        }
        #expect(reason.contains("not JSON") && excerpt.hasPrefix("<html>"))
        #expect(error.requests == 1)
    }

    @Test func missingOrEmptyChoicesAreTyped() async throws {
        let cases: [(String, String)] = [
            ("{\"object\":\"chat.completion\"}", "no \"choices\""),
            ("{\"error\":{\"message\":\"model overloaded\"}}", "server error: model overloaded"),
            ("{\"choices\":[]}", "\"choices\" is empty"),
            ("{\"choices\":[{\"index\":0}]}", "no \"message\""),
            ("{\"choices\":\"none\"}", "choices: expected"),
            ("", "the body is empty"),
        ]
        for (body, expected) in cases {
            let error = try await failure(for: .raw(status: 200, body: body))
            guard case .invalidResponse(_, let reason, _) = error.error else {
                Issue.record("\(body): expected invalidResponse, got \(String(describing: error.error))")
                continue
            }
            #expect(reason.contains(expected), "\(body): \(reason)")
            #expect(error.requests == 1)
        }
    }

    @Test func clientErrorsAreNotRetriedButConflictsAndTimeoutsAre() async throws {
        for status in [400, 404, 422] {
            let error = try await failure(for: .raw(status: status, body: "{\"error\":{\"message\":\"bad\"}}"))
            guard case .httpStatus(_, status, 1, _) = error.error else {
                Issue.record("HTTP \(status): expected no retry, got \(String(describing: error.error))")
                continue
            }
            #expect(error.requests == 1)
        }
        let script = OpenAIFaultScript([
            .raw(status: 408, body: ""), .raw(status: 409, body: ""), .completion("[RESULT] 1"),
        ])
        let clock = OpenAIVirtualClock()
        let text = try await OpenAIFaultServer.run(script) { base in
            try await openAIBackend(base, clock: clock).complete(gradeRequest).text
        }
        #expect(text == "[RESULT] 1" && script.received.count == 3 && clock.sleeps.count == 2)
    }

    @Test func redirectsAreNotFollowed() async throws {
        // Following would replay the Authorization header to wherever Location points.
        let error = try await failure(
            for: .raw(status: 307, headers: ["Location": "http://127.0.0.1:1/v1/chat/completions"], body: ""))
        guard case .httpStatus(_, 307, 1, _) = error.error else {
            Issue.record("expected HTTP 307 without retry, got \(String(describing: error.error))")
            return
        }
        #expect(error.requests == 1)
    }

    @Test func apiKeyIsSentAsBearerAndNeverInErrors() async throws {
        let key = "sk-test-9f8e7d6c5b4a39281706"
        let script = OpenAIFaultScript([.echoAuthorization(status: 401)])
        let clock = OpenAIVirtualClock()
        let (error, backend) = try await OpenAIFaultServer.run(script) { base in
            let backend = try openAIBackend(base, clock: clock, key: key)
            return (await backendError { _ = try await backend.complete(gradeRequest) }, backend)
        }
        #expect(script.received.map(\.authorization) == ["Bearer \(key)"])
        guard case .httpStatus(_, 401, 1, let excerpt) = error else {
            Issue.record("expected HTTP 401 without retry, got \(String(describing: error))")
            return
        }
        // The server echoed the key back; the excerpt must have it scrubbed.
        #expect(excerpt.contains("Bearer <redacted>"))
        let texts = [
            error?.errorDescription ?? "", "\(String(describing: error))", String(reflecting: error),
            error?.judgmentFailure.description ?? "", backend.description, "\(backend)", String(reflecting: backend),
        ]
        var dumped = ""
        dump(backend, to: &dumped)
        for text in texts + [dumped] {
            #expect(!text.contains(key) && !text.contains(String(key.prefix(12))), "key leaked in: \(text)")
        }
        #expect(backend.hasAPIKey && backend.description.contains("$OPENAI_API_KEY: set"))
    }

    @Test func noKeyMeansNoAuthorizationHeader() async throws {
        let script = OpenAIFaultScript([.completion("[RESULT] 5")])
        let clock = OpenAIVirtualClock()
        _ = try await OpenAIFaultServer.run(script) { base in
            let backend = try openAIBackend(base, clock: clock, key: "")
            #expect(!backend.hasAPIKey)
            return try await backend.complete(gradeRequest)
        }
        #expect(script.received.count == 1 && script.received.first?.authorization == nil)
    }

    /// The error one scripted step leads to, and how many requests the server saw.
    func failure(for step: OpenAIFaultScript.Step) async throws -> (error: OpenAIChatBackendError?, requests: Int) {
        let script = OpenAIFaultScript([step], repeating: .completion("[RESULT] 5"))
        let clock = OpenAIVirtualClock()
        let error = try await OpenAIFaultServer.run(script) { base in
            let backend = try openAIBackend(base, clock: clock)
            return await backendError { _ = try await backend.complete(gradeRequest) }
        }
        return (error, script.received.count)
    }

    static func url(_ error: OpenAIChatBackendError) -> String? {
        switch error {
        case .httpStatus(let url, _, _, _), .timeout(let url, _, _), .connection(let url, _, _),
            .invalidResponse(let url, _, _),
            .responseTooLarge(let url, _):
            return url
        default: return nil
        }
    }
}
