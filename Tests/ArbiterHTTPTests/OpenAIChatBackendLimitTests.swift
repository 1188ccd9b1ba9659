import ArbiterChat
import Foundation
import Testing

// OpenAIChatBackendLimitTests: the HTTP client's waits: the concurrency bound (the fault server
// counts requests in flight), requests-per-minute and tokens-per-minute windows on the virtual
// clock (the server's usage replaces the estimate), a request too large for the token limit, and
// seeded jitter that repeats with its seed.
@testable import ArbiterJudge

@Suite struct OpenAIChatBackendLimitTests {
    @Test func concurrencyBoundIsRespected() async throws {
        let script = OpenAIFaultScript([], repeating: .delay(seconds: 0.15, then: .completion("[RESULT] 3")))
        let clock = OpenAIVirtualClock()
        let texts = try await OpenAIFaultServer.run(script) { base in
            let backend = try openAIBackend(base, clock: clock) { $0.maxConcurrency = 2 }
            return try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<6 { group.addTask { try await backend.complete(gradeRequest).text } }
                var texts: [String] = []
                for try await text in group { texts.append(text) }
                return texts
            }
        }
        #expect(texts == Array(repeating: "[RESULT] 3", count: 6))
        #expect(script.received.count == 6)
        #expect(script.peakInFlight >= 1 && script.peakInFlight <= 2)
    }

    @Test func gateAdmitsWaitersOnlyAfterARelease() async throws {
        let gate = ConcurrencyGate(limit: 1)
        try await gate.acquire()
        let order = OrderLog()
        let waiters = (1...3).map { i in
            Task {
                try await gate.acquire()
                order.append(i)
                gate.release()
            }
        }
        // Give the waiters time to queue (bounded), then release the held slot.
        try await Task.sleep(for: .milliseconds(100))
        #expect(order.values.isEmpty)
        let cancelled = Task { try await gate.acquire() }
        cancelled.cancel()
        #expect(await (try? cancelled.value) == nil)
        gate.release()
        for w in waiters { try await w.value }
        #expect(order.values.sorted() == [1, 2, 3])
        // The slot is free again.
        try await gate.acquire()
        gate.release()
    }

    @Test func requestsPerMinuteLimitWaitsOnTheClock() async throws {
        let script = OpenAIFaultScript([], repeating: .completion("[RESULT] 4"))
        let clock = OpenAIVirtualClock()
        try await OpenAIFaultServer.run(script) { base in
            let backend = try openAIBackend(base, clock: clock) { $0.requestsPerMinute = 2 }
            for _ in 0..<5 { _ = try await backend.complete(gradeRequest) }
        }
        #expect(script.received.count == 5)
        // Two at t = 0, two at t = 60, one at t = 120.
        #expect(clock.sleeps.count == 2 && clock.sleeps.allSatisfy { abs($0 - 60) < 1e-6 })
        #expect(abs(clock.elapsed - 120) < 1e-6)
    }

    @Test func tokensPerMinuteUsesTheEstimateThenTheReportedUsage() async throws {
        let request = ChatRequest(messages: [.user("hi")], maxTokens: 40)
        let estimate = TokenEstimate.tokens(request)
        #expect(estimate == 48)  // ceil(2 / 4) + 4 per message + 3 + 40
        // The server reports 15 tokens a request: 15 + 15 + 48 fits 100, so nobody waits.
        let small = OpenAIFaultScript([], repeating: .completion("[RESULT] 4"))
        let smallClock = OpenAIVirtualClock()
        try await OpenAIFaultServer.run(small) { base in
            let backend = try openAIBackend(base, clock: smallClock) { $0.tokensPerMinute = 100 }
            for _ in 0..<3 { _ = try await backend.complete(request) }
        }
        #expect(smallClock.sleeps.isEmpty)
        // The server reports 80 tokens a request: 80 + 48 > 100, so each next request waits 60 s.
        let heavy = OpenAIFaultScript(
            [], repeating: .raw(status: 200, body: OpenAIFaultScript.completionJSON("[RESULT] 4", usage: (70, 10))))
        let heavyClock = OpenAIVirtualClock()
        try await OpenAIFaultServer.run(heavy) { base in
            let backend = try openAIBackend(base, clock: heavyClock) { $0.tokensPerMinute = 100 }
            for _ in 0..<3 { _ = try await backend.complete(request) }
        }
        #expect(heavyClock.sleeps.count == 2 && heavyClock.sleeps.allSatisfy { abs($0 - 60) < 1e-6 })
    }

    @Test func requestLargerThanTheTokenLimitIsRejectedBeforeSending() async throws {
        let script = OpenAIFaultScript([], repeating: .completion("[RESULT] 4"))
        let error = try await OpenAIFaultServer.run(script) { base in
            let backend = try openAIBackend(base, clock: OpenAIVirtualClock()) { $0.tokensPerMinute = 30 }
            return await backendError {
                _ = try await backend.complete(ChatRequest(messages: [.user("hi")], maxTokens: 40))
            }
        }
        #expect(error == .requestExceedsTokenLimit(estimatedTokens: 48, tokensPerMinute: 30))
        #expect(script.received.isEmpty)
    }

    @Test func jitterIsDeterministicWithASeed() async throws {
        func waits(seed: UInt64) async throws -> [Double] {
            let script = OpenAIFaultScript([], repeating: .raw(status: 500, body: "{}"))
            let clock = OpenAIVirtualClock()
            try await OpenAIFaultServer.run(script) { base in
                let backend = try openAIBackend(base, clock: clock) {
                    $0.maxRetries = 4
                    $0.jitterSeed = seed
                    $0.jitter = 1
                }
                _ = await backendError { _ = try await backend.complete(gradeRequest) }
            }
            return clock.sleeps
        }
        let first = try await waits(seed: 7)
        let again = try await waits(seed: 7)
        let other = try await waits(seed: 8)
        #expect(first.count == 4)
        #expect(first == again)
        #expect(first != other)
        // Full jitter: retry k waits in [0, min(4, 0.5 · 2^(k-1))).
        for (k, wait) in first.enumerated() {
            #expect(wait >= 0 && wait < min(4, 0.5 * pow(2, Double(k))))
        }
    }

    @Test func backoffDoublesAndIsCapped() {
        let waits = (1...6).map { RetryPolicy.backoff(retry: $0, initial: 1, maxBackoff: 10, jitter: 0, unit: 0.9) }
        #expect(waits == [1, 2, 4, 8, 10, 10])
        #expect(RetryPolicy.backoff(retry: 3, initial: 1, maxBackoff: 10, jitter: 0.5, unit: 0.5) == 3)
        #expect(RetryPolicy.backoff(retry: 1000, initial: 1, maxBackoff: 10, jitter: 0, unit: 0) == 10)
    }
}

/// A lock-protected list for recording an order across tasks.
final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var _values: [Int] = []
    var values: [Int] { lock.withLock { _values } }
    func append(_ v: Int) { lock.withLock { _values.append(v) } }
}
