// SplitMix64+Tests: the tests draw fuzz inputs and random data from ArbiterCore's `SplitMix64`
// (the generator that used to be copied here as TestRNG, same stream), so every failure
// reproduces from its seed. This file only adds the modulo draw the fuzz tests have always used.
import ArbiterCore

extension SplitMix64 {
    /// A value in 0..<n (0 when n ≤ 1), by modulo as the fuzz tests have always drawn it (unlike
    /// `next(below:)`, which rejects to avoid modulo bias and so gives another stream).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}
