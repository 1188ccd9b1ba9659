import ArbiterAgreement
// BootstrapTests: seeded reproducibility, interval sanity against normal theory, BCa reducing to
// the percentile interval when unbiased and unskewed, Φ / Φ⁻¹ accuracy, and the paired test.
import ArbiterCore
import Foundation
import Testing

@Suite struct BootstrapTests {
    /// Skewed but deterministic data: 200 draws of an exponential-ish variable.
    func sample(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in -log(Double(rng.next(below: 1 << 52) + 1) / Double(1 << 52)) }
    }

    @Test func sameSeedSameInterval() throws {
        let x = sample(120, seed: 7)
        let mean: ([Int]) -> Double? = { idx in idx.reduce(0.0) { $0 + x[$1] } / Double(idx.count) }
        let a = try Bootstrap(replicates: 300, seed: 42).interval(itemCount: x.count, method: .bca, statistic: mean)
        let b = try Bootstrap(replicates: 300, seed: 42).interval(itemCount: x.count, method: .bca, statistic: mean)
        let c = try Bootstrap(replicates: 300, seed: 43).interval(itemCount: x.count, method: .bca, statistic: mean)
        #expect(a == b)
        #expect(a != c)
        #expect(try Bootstrap(seed: 9).resamples(itemCount: 5) == Bootstrap(seed: 9).resamples(itemCount: 5))
    }

    @Test func percentileIntervalMatchesNormalTheory() throws {
        let x = sample(400, seed: 3)
        let n = Double(x.count)
        let m = x.reduce(0, +) / n
        let sd = (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)).squareRoot()
        let halfWidth = 1.959963984540054 * sd / n.squareRoot()
        let ci = try Bootstrap(replicates: 2000, seed: 1).interval(itemCount: x.count, method: .percentile) { idx in
            idx.reduce(0.0) { $0 + x[$1] } / Double(idx.count)
        }
        let low = try #require(ci.low)
        let high = try #require(ci.high)
        // Monte-Carlo error of a 2000-replicate quantile is a few percent of the half width.
        #expect(abs((high - low) / 2 - halfWidth) < 0.1 * halfWidth)
        #expect(low < m && m < high)
        #expect(ci.validReplicates == 2000)
    }

    @Test func bcaShiftsTowardsSkew() throws {
        // For a right-skewed mean BCa moves both bounds up relative to the percentile interval.
        let x = sample(60, seed: 11).map { $0 * $0 }
        let mean: ([Int]) -> Double? = { idx in idx.reduce(0.0) { $0 + x[$1] } / Double(idx.count) }
        let boot = try Bootstrap(replicates: 2000, seed: 5)
        let p = boot.interval(itemCount: x.count, method: .percentile, statistic: mean)
        let b = boot.interval(itemCount: x.count, method: .bca, statistic: mean)
        #expect(try #require(b.high) > #require(p.high))
        #expect(try #require(b.low) > #require(p.low))
    }

    @Test func undefinedStatisticGivesNoBoundsNotZero() throws {
        let ci = try Bootstrap(replicates: 50, seed: 0).interval(itemCount: 10) { _ in nil }
        #expect(ci.estimate == nil && ci.low == nil && ci.high == nil && ci.validReplicates == 0)
    }

    @Test func normalQuantileIsAccurate() {
        #expect(abs(Normal.quantile(0.975) - 1.959963984540054) < 1e-12)
        #expect(abs(Normal.quantile(0.5)) < 1e-15)
        for p in stride(from: 0.001, to: 1, by: 0.0137) {
            #expect(abs(Normal.cdf(Normal.quantile(p)) - p) < 1e-13)
        }
        #expect(Normal.quantile(0) == -.infinity && Normal.quantile(1) == .infinity && Normal.quantile(2).isNaN)
    }

    @Test func pairedTestDetectsADifferenceAndNotANull() throws {
        let x = sample(150, seed: 21)
        let y = x.map { $0 + 0.5 }
        let boot = try Bootstrap(replicates: 500, seed: 2)
        let meanX: ([Int]) -> Double? = { idx in idx.reduce(0.0) { $0 + x[$1] } / Double(idx.count) }
        let meanY: ([Int]) -> Double? = { idx in idx.reduce(0.0) { $0 + y[$1] } / Double(idx.count) }
        let shifted = boot.pairedDifference(itemCount: x.count, meanY, meanX)
        #expect(abs(try #require(shifted.difference.estimate) - 0.5) < 1e-12)
        #expect(try #require(shifted.pValue) < 0.01)
        let same = boot.pairedDifference(itemCount: x.count, meanX, meanX)
        #expect(same.pValue == 1)
    }

    @Test func invalidOptionsAreTypedErrors() {
        #expect(throws: AuditError.self) { try Bootstrap(replicates: 0) }
        #expect(throws: AuditError.self) { try Bootstrap(level: 1) }
    }

    @Test func kappaIntervalOnRatingMatrix() throws {
        let m = try RatingMatrix(complete: [
            [1, 2, 3, 3, 4, 5, 5, 2, 4, 3, 1, 4], [1, 3, 3, 2, 4, 4, 5, 2, 5, 3, 2, 4],
        ])
        let alpha: ([Int]) throws -> Double? = {
            try Agreement.krippendorffAlpha(m.selectingItems($0), level: .interval)
        }
        let ci = try Bootstrap(replicates: 200, seed: 8).interval(
            itemCount: m.itemCount, method: .bca, statistic: alpha)
        let e = try #require(ci.estimate)
        let lo = try #require(ci.low)
        let hi = try #require(ci.high)
        #expect(lo <= e && e <= hi && hi <= 1)
    }
}
