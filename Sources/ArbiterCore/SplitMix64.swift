// SplitMix64: the small seeded generator (Steele, Lea & Flood 2014) behind every seeded stream in
// Arbiter that is not a training state: bootstrap resamples and random baselines, the HTTP
// backend's retry jitter, the tests' fuzz inputs, and the seeding of `SeededRNG`. The same seed
// gives the same stream on every platform and Swift version. Not cryptographic.

/// A 64-bit seeded generator; the same seed gives the same stream everywhere.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound (bound > 0), without modulo bias (rejection sampling).
    package mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "bound must be positive")
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let x = next()
            if x < limit { return x % bound }
        }
    }

    /// Uniform in [0, 1) with 53 random bits (the top 53 of the next word).
    package mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}
