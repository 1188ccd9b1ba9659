// OpenAIChatBackend+RateLimit: the waits before a request leaves: a concurrency gate (at most N
// requests in flight), a sliding 60 s window for requests-per-minute and tokens-per-minute (a
// token estimate is charged before sending and replaced by the server's `usage` after), and the
// clock those waits run on, injectable so tests advance virtual time instead of sleeping. It does
// not decide about retries (OpenAIChatBackend+Retry does).
import ArbiterChat
import ArbiterCore
import Foundation

/// Time for the backend's waits (backoff, `Retry-After`, rate limits). Tests inject a virtual one.
package protocol BackendClock: Sendable {
    /// Seconds since an arbitrary origin; never decreases.
    func now() -> Double
    /// The wall-clock date, for `Retry-After: <HTTP date>`.
    func date() -> Date
    /// Waits `seconds` (returns at once for 0 or less); throws when the task is cancelled.
    func sleep(seconds: Double) async throws
}

/// The real clock: `ContinuousClock` for waits, `Date()` for HTTP dates.
package struct SystemBackendClock: BackendClock {
    private let origin = ContinuousClock.now

    package init() {}

    package func now() -> Double {
        (ContinuousClock.now - origin).seconds
    }

    package func date() -> Date { Date() }

    package func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        // Cap at a day so the nanosecond count cannot overflow; configured waits are far shorter.
        try await Task.sleep(for: .nanoseconds(Int64(min(seconds, 86_400) * 1e9)))
    }
}

/// Rough token count of a request before it is sent: prompt bytes / 4, a few tokens of framing
/// per message, plus the completion budget (`max_tokens`), as OpenAI's own limiter counts it.
enum TokenEstimate {
    static func tokens(_ request: ChatRequest) -> Int {
        let bytes = request.messages.reduce(0) { $0 + $1.content.utf8.count }
        return (bytes + 3) / 4 + 4 * request.messages.count + 3 + request.maxTokens
    }
}

/// Sliding-window limits on request starts and tokens per 60 s.
actor RateLimiter {
    private let requestsPerMinute: Int?
    private let tokensPerMinute: Int?
    private let clock: any BackendClock
    private let window = 60.0
    /// Start times of the requests in the window, oldest first.
    private var starts: [Double] = []
    /// Token charges in the window, oldest first.
    private var charges: [(ticket: UInt64, time: Double, tokens: Int)] = []
    private var nextTicket: UInt64 = 0
    /// Total seconds callers waited here (for statistics and tests).
    private(set) var waitedSeconds = 0.0

    init(requestsPerMinute: Int?, tokensPerMinute: Int?, clock: any BackendClock) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.clock = clock
    }

    /// Waits until one more request of `tokens` fits both limits, records it, and returns a
    /// ticket for `settle`. `tokens` must not exceed the tokens-per-minute limit (the caller
    /// rejects such a request, since no wait could ever admit it).
    func acquire(tokens: Int) async throws -> UInt64 {
        while true {
            try Task.checkCancellation()
            let now = clock.now()
            prune(now)
            let wait = self.wait(now: now, tokens: tokens)
            if wait <= 0 {
                nextTicket += 1
                starts.append(now)
                if tokensPerMinute != nil { charges.append((nextTicket, now, tokens)) }
                return nextTicket
            }
            waitedSeconds += wait
            // The actor is free while this caller sleeps; the loop re-checks after waking.
            try await clock.sleep(seconds: wait)
        }
    }

    /// Replaces a request's estimated charge with the tokens the server reported.
    func settle(_ ticket: UInt64, tokens: Int) {
        guard let i = charges.firstIndex(where: { $0.ticket == ticket }) else { return }
        charges[i].tokens = max(0, tokens)
    }

    /// Seconds until a request of `tokens` fits, 0 when it fits now.
    private func wait(now: Double, tokens: Int) -> Double {
        var wait = 0.0
        if let rpm = requestsPerMinute, starts.count >= rpm {
            // The (count - rpm + 1)-th oldest start must leave the window first.
            wait = max(wait, starts[starts.count - rpm] + window - now)
        }
        if let tpm = tokensPerMinute {
            var used = charges.reduce(0) { $0 + $1.tokens }
            if used + tokens > tpm {
                for charge in charges {
                    used -= charge.tokens
                    if used + tokens <= tpm {
                        wait = max(wait, charge.time + window - now)
                        break
                    }
                }
            }
        }
        return wait
    }

    private func prune(_ now: Double) {
        // A small tolerance so an entry that expires exactly now (after a computed sleep) is gone.
        let cutoff = now - window + 1e-9
        starts.removeAll { $0 <= cutoff }
        charges.removeAll { $0.time <= cutoff }
    }
}

/// At most `limit` holders at once; waiters are served first come, first served and leave the
/// queue when their task is cancelled.
final class ConcurrencyGate: @unchecked Sendable {
    private let lock = NSLock()
    private var available: Int
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID: UInt64 = 0

    init(limit: Int) {
        precondition(limit >= 1, "ConcurrencyGate: limit must be at least 1")
        available = limit
    }

    func acquire() async throws {
        let id: UInt64 = lock.withLock {
            nextID += 1
            return nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                lock.lock()
                if Task.isCancelled {
                    lock.unlock()
                    continuation.resume(throwing: CancellationError())
                } else if available > 0 {
                    available -= 1
                    lock.unlock()
                    continuation.resume()
                } else {
                    waiters.append((id, continuation))
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let index = waiters.firstIndex { $0.id == id }
            let waiter = index.map { waiters.remove(at: $0) }
            lock.unlock()
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    func release() {
        lock.lock()
        if waiters.isEmpty {
            available += 1
            lock.unlock()
        } else {
            let next = waiters.removeFirst()
            lock.unlock()
            next.continuation.resume()
        }
    }
}
