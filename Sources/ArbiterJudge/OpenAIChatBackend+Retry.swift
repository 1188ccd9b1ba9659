// OpenAIChatBackend+Retry: which failures are retried (408, 409, 429, 5xx, timeouts, connection
// errors; never other 4xx or unusable 2xx bodies), how long to wait (exponential backoff with
// seeded jitter, or the server's `Retry-After` in seconds or as an HTTP date, capped), and the
// seeded generator the jitter draws from. Pure functions; the loop that uses them is in
// OpenAIChatBackend.swift.
import ArbiterCore
import Foundation

enum RetryPolicy {
    /// Statuses worth another attempt: request timeout, conflict, rate limit, server errors.
    static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 409 || status == 429 || (500...599).contains(status)
    }

    /// The wait before retry `retry` (1 = the first retry): `initial · 2^(retry-1)` capped at
    /// `maxBackoff`, shortened by `jitter · unit` of itself; `unit` is a uniform draw in [0, 1).
    static func backoff(retry: Int, initial: Double, maxBackoff: Double, jitter: Double, unit: Double) -> Double {
        let exponent = Double(max(0, min(retry - 1, 62)))
        let base = min(maxBackoff, initial * pow(2, exponent))
        return base * (1 - jitter * min(max(unit, 0), 1))
    }

    /// Seconds to wait from a `Retry-After` value: a non-negative number of seconds, or an HTTP
    /// date (IMF-fixdate, RFC 850 or asctime form) measured from `now`. `nil` when unreadable.
    static func retryAfterSeconds(_ value: String, now: Date) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text) {
            return seconds.isFinite && seconds >= 0 ? seconds : nil
        }
        guard let date = httpDate(text) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    /// Parses the three date forms HTTP allows (RFC 9110 §5.6.7).
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}

/// ArbiterCore's SplitMix64 behind a lock: the jitter draws, reproducible from the configured seed.
final class JitterSource: @unchecked Sendable {
    private let lock = NSLock()
    private var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    /// A uniform value in [0, 1).
    func unit() -> Double {
        lock.withLock { rng.nextUnitDouble() }
    }
}
