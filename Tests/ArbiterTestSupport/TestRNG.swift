// TestRNG: the one small seeded generator (SplitMix64) the tests use for fuzzing and random
// inputs, so every failure reproduces from its seed. Not the product RNG (ArbiterTensor's
// `SeededRNG`, ArbiterAgreement's `SplitMix64`).

/// SplitMix64 with its state exposed.
public struct TestRNG: RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }
    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in 0..<n (0 when n ≤ 1), by modulo as the fuzz tests have always drawn it.
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}
