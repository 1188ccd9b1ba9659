import ArbiterAgreement
// KrippendorffBootstrapTests: the pattern-grouped α bootstrap (Agreement+KrippendorffBootstrap)
// equals the plain bootstrap (rebuild the matrix per resample, recompute α) on the same seed — same
// resamples, so estimate and bounds agree to 1e-12 — for every level of measurement, with missing
// values and single-rating items.
import ArbiterCore
import Testing

@Suite struct KrippendorffBootstrapTests {
    /// (raters, items) ordinal scores 1…5 with ~15 % missing, seeded.
    func data(raters: Int, items: Int, seed: UInt64) throws -> RatingMatrix {
        var rng = SplitMix64(seed: seed)
        let truth = (0..<items).map { _ in Double(1 + rng.next(below: 5)) }
        let rows: [[Double?]] = (0..<raters).map { _ in
            truth.map { t in
                if rng.next(below: 100) < 15 { return nil }
                return min(5, max(1, t + Double(Int(rng.next(below: 3)) - 1)))
            }
        }
        return try RatingMatrix(rows)
    }

    @Test(arguments: [MeasurementLevel.nominal, .ordinal, .interval, .ratio])
    func fastBootstrapEqualsThePlainOne(level: MeasurementLevel) throws {
        let m = try data(raters: 4, items: 60, seed: 7)
        let boot = try Bootstrap(replicates: 200, seed: 11, level: 0.9)
        let domain: [Double] = [1, 2, 3, 4, 5]
        let fast = try Agreement.krippendorffAlphaBootstrap(m, level: level, domain: domain, bootstrap: boot)
        let plain = try boot.interval(itemCount: m.itemCount, method: .percentile) { idx in
            try Agreement.krippendorffAlpha(m.selectingItems(idx), level: level, domain: domain)
        }
        let e = try #require(fast.estimate)
        let pe = try #require(plain.estimate)
        let lo = try #require(fast.low)
        let plo = try #require(plain.low)
        let hi = try #require(fast.high)
        let phi = try #require(plain.high)
        #expect(abs(e - pe) < 1e-12 && abs(lo - plo) < 1e-12 && abs(hi - phi) < 1e-12, "\(fast) vs \(plain)")
        #expect(fast.validReplicates == plain.validReplicates && lo < e && e < hi)
    }

    @Test func unknownValueIsATypedError() throws {
        let m = try RatingMatrix([[1, 2, 7], [1, 2, 3]])
        #expect(throws: AgreementError.self) {
            try Agreement.krippendorffAlphaBootstrap(
                m, level: .ordinal, domain: [1, 2, 3], bootstrap: try Bootstrap(replicates: 5))
        }
    }
}
