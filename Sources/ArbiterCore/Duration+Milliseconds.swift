// Duration+Milliseconds: a Duration as Double milliseconds or seconds, the one spelling of the
// conversion behind every latency_ms a judgment records, the server's request log and the rate
// limiter's clock. Not a clock: callers time with ContinuousClock themselves.

extension Duration {
    /// The duration in milliseconds (fractional).
    package var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// The duration in seconds (fractional).
    package var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
