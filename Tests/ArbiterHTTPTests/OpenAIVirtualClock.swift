import Foundation

// OpenAIVirtualClock: a BackendClock for the HTTP client tests whose sleeps return at once and
// advance virtual time, recording each wait, so backoff, Retry-After and rate-limit waits of
// minutes are checked without waiting. Wall-clock dates start at a fixed instant.
@testable import ArbiterJudge

final class OpenAIVirtualClock: BackendClock, @unchecked Sendable {
    /// The wall-clock date at virtual time 0 (2023-11-14T22:13:20Z).
    static let epoch = Date(timeIntervalSince1970: 1_700_000_000)

    private let lock = NSLock()
    private var time = 0.0
    private var _sleeps: [Double] = []

    /// Every wait asked for, in order.
    var sleeps: [Double] { lock.withLock { _sleeps } }
    /// Virtual seconds elapsed.
    var elapsed: Double { lock.withLock { time } }

    func now() -> Double { lock.withLock { time } }

    func date() -> Date { Self.epoch.addingTimeInterval(now()) }

    func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        lock.withLock {
            _sleeps.append(seconds)
            if seconds > 0 { time += seconds }
        }
        await Task.yield()
    }
}
