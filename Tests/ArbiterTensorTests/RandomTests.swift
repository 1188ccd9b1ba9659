// RandomTests: SeededRNG is reproducible, its state round-trips (so checkpoints resume the same
// stream), and the random tensor initialisers have the requested moments.
import ArbiterCore
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct RandomTests {
    @Test func sameSeedSameStream() {
        var a = SeededRNG(seed: 7)
        var b = SeededRNG(seed: 7)
        var c = SeededRNG(seed: 8)
        let xs = (0..<5).map { _ in a.next() }
        #expect(xs == (0..<5).map { _ in b.next() })
        #expect(xs != (0..<5).map { _ in c.next() })
    }

    @Test func stateRoundTripsThroughCodable() throws {
        var rng = SeededRNG(seed: 3)
        for _ in 0..<10 { _ = rng.nextNormal() }
        let data = try JSONEncoder().encode(rng.state)
        let state = try JSONDecoder().decode(SeededRNG.State.self, from: data)
        var restored = try #require(SeededRNG(state: state))
        #expect((0..<10).map { _ in rng.nextNormal() } == (0..<10).map { _ in restored.nextNormal() })
        #expect(SeededRNG(state: .init(words: [0, 0, 0, 0])) == nil)
        #expect(SeededRNG(state: .init(words: [1, 2])) == nil)
    }

    @Test func initialisersHaveRequestedMoments() {
        var rng = SeededRNG(seed: 11)
        let n = Tensor.randomNormal([4000], mean: 1, standardDeviation: 2, using: &rng).scalars.map(Double.init)
        let mean = n.reduce(0, +) / 4000
        let sd = (n.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4000).squareRoot()
        // Standard error of the mean is 2/√4000 ≈ 0.032 and of the sd ≈ 0.022: 5σ bounds.
        #expect(abs(mean - 1) < 0.16 && abs(sd - 2) < 0.12)
        let u = Tensor.randomUniform([4000], in: -1...3, using: &rng).scalars
        #expect(u.allSatisfy { $0 >= -1 && $0 < 3 })
        let uMean = u.reduce(0, +) / 4000  // sd of the mean ≈ 1.155/√4000 ≈ 0.018
        #expect(abs(uMean - 1) < 0.1)
    }

    @Test func dropoutIsIdentityWhenOffAndSeededWhenOn() {
        var rng = SeededRNG(seed: 5)
        let x = Tensor.ones([1000])
        #expect(x.dropout(p: 0.5, training: false, rng: &rng) === x)
        #expect(x.dropout(p: 0, training: true, rng: &rng) === x)
        var r1 = SeededRNG(seed: 1)
        var r2 = SeededRNG(seed: 1)
        let y1 = x.dropout(p: 0.25, training: true, rng: &r1).scalars
        let y2 = x.dropout(p: 0.25, training: true, rng: &r2).scalars
        #expect(y1 == y2)
        #expect(Set(y1) == [0, Float(1 / 0.75)])
        let kept = Double(y1.filter { $0 != 0 }.count) / 1000  // binomial sd ≈ 0.014
        #expect(abs(kept - 0.75) < 0.07)
    }
}
