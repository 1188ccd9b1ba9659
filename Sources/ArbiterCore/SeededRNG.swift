// SeededRNG: the product's seeded generator for tensors and training (initialisers, dropout,
// sampling): xoshiro256**, seeded through `SplitMix64`, whose whole state is four UInt64 words
// that can be saved and restored, so training checkpoints resume bit-identically. Streams that
// need no saved state (bootstraps, jitter, tests) use `SplitMix64` itself. Not cryptographic.
import Foundation

/// Reproducible random number generator whose full state can be read and restored.
public struct SeededRNG: RandomNumberGenerator, Sendable, Hashable {
    /// The complete generator state (xoshiro256** words). Restoring it restores the stream.
    public struct State: Sendable, Hashable, Codable {
        public var words: [UInt64]
        public init(words: [UInt64]) { self.words = words }
    }

    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Seeds the four state words with the first four words of `SplitMix64(seed:)` (never all zero).
    public init(seed: UInt64) {
        var seeder = SplitMix64(seed: seed)
        s0 = seeder.next()
        s1 = seeder.next()
        s2 = seeder.next()
        s3 = seeder.next()
    }

    /// Restores a generator from a saved `state`; nil when it is not 4 words or all zero
    /// (the one state xoshiro cannot leave).
    public init?(state: State) {
        guard state.words.count == 4, state.words.contains(where: { $0 != 0 }) else { return nil }
        s0 = state.words[0]
        s1 = state.words[1]
        s2 = state.words[2]
        s3 = state.words[3]
    }

    /// The current full state.
    public var state: State { State(words: [s0, s1, s2, s3]) }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Standard normal sample (Box–Muller; uses two uniforms and keeps no cached spare, so the
    /// state words alone determine the stream).
    public mutating func nextNormal() -> Float {
        let u1 = max(nextUnitDouble(), 1e-300)
        let u2 = nextUnitDouble()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
