import ArbiterAgreement
// KrippendorffFastPathTests: the coincidence-matrix fast path of Krippendorff's α (integer codes, key
// histogram, per-item pairing for many raters, the floating fallback for huge domains, and the
// parallel split of large matrices) equals a naive textbook implementation written here (per-unit
// value counts, δ² summed value by value) to 1e-12, at every level, with missing values; an
// off-domain rating is a typed error naming the first one (rater-major) on every path.
import ArbiterCore
import ArbiterTestSupport
import Testing

@Suite struct KrippendorffFastPathTests {
    /// Naive α: coincidences o_ck = Σ_u (n_uc n_uk − [c=k] n_uc)/(m_u − 1), then 1 − D_o/D_e.
    static func naiveAlpha(_ rows: [[Double?]], level: MeasurementLevel, domain: [Double]) -> Double? {
        let v = domain.count
        var o = [[Double]](repeating: [Double](repeating: 0, count: v), count: v)
        for i in 0..<(rows.first?.count ?? 0) {
            var n = [Double](repeating: 0, count: v)
            for row in rows { if let x = row[i], let c = domain.firstIndex(of: x) { n[c] += 1 } }
            let m = n.reduce(0, +)
            guard m >= 2 else { continue }
            for c in 0..<v { for k in 0..<v { o[c][k] += (n[c] * n[k] - (c == k ? n[c] : 0)) / (m - 1) } }
        }
        let nv = o.map { $0.reduce(0, +) }
        let total = nv.reduce(0, +)
        var cumulative = [0.0]  // cumulative[g + 1] = Σ_{h ≤ g} nv[h]
        for x in nv { cumulative.append((cumulative.last ?? 0) + x) }
        func delta(_ c: Int, _ k: Int) -> Double {
            switch level {
            case .nominal: return c == k ? 0 : 1
            case .ordinal:
                let (lo, hi) = (min(c, k), max(c, k))
                let s = cumulative[hi + 1] - cumulative[lo] - (nv[lo] + nv[hi]) / 2
                return s * s
            case .interval: return (domain[c] - domain[k]) * (domain[c] - domain[k])
            case .ratio:
                let s = domain[c] + domain[k]
                return s == 0 ? 0 : ((domain[c] - domain[k]) / s) * ((domain[c] - domain[k]) / s)
            }
        }
        var dO = 0.0
        var dE = 0.0
        for c in 0..<v {
            for k in 0..<v {
                dO += o[c][k] * delta(c, k)
                dE += nv[c] * (nv[k] - (c == k ? 1 : 0)) * delta(c, k)
            }
        }
        guard total > 1, dE != 0 else { return nil }
        return 1 - (total - 1) * dO / dE
    }

    /// (raters, items) values drawn from `domain` around a per-item truth, `missing` % missing.
    static func data(raters: Int, items: Int, domain: [Double], missing: UInt64, seed: UInt64) -> [[Double?]] {
        var rng = SplitMix64(seed: seed)
        let truth = (0..<items).map { _ in Int(rng.next() % UInt64(domain.count)) }
        return (0..<raters).map { _ in
            truth.map { t -> Double? in
                if rng.next() % 100 < missing { return nil }
                let shift = Int(rng.next() % 3) - 1
                return domain[min(domain.count - 1, max(0, t + shift))]
            }
        }
    }

    func check(_ rows: [[Double?]], domain: [Double], _ what: String) throws {
        let m = try RatingMatrix(rows)
        for level in MeasurementLevel.allCases {
            let fast = try Agreement.krippendorffAlpha(m, level: level, domain: domain)
            let naive = Self.naiveAlpha(rows, level: level, domain: domain)
            let f = try #require(fast, "\(what) \(level)")
            let n = try #require(naive, "\(what) \(level)")
            #expect(abs(f - n) <= 1e-12, "\(what) \(level): fast \(f) vs naive \(n)")
        }
    }

    @Test func keyHistogramPathWithConsecutiveAndSparseDomains() throws {
        try check(
            Self.data(raters: 4, items: 300, domain: [1, 2, 3, 4, 5], missing: 20, seed: 1), domain: [1, 2, 3, 4, 5],
            "1…5")
        let sparse: [Double] = [-2, 0.5, 3, 10]  // not consecutive: binary-search coding
        try check(Self.data(raters: 3, items: 200, domain: sparse, missing: 10, seed: 2), domain: sparse, "sparse")
        // A domain given out of numeric order is the scale order (ordinal ranks follow it).
        let shuffled: [Double] = [3, 1, 2]
        try check(
            Self.data(raters: 3, items: 150, domain: shuffled, missing: 10, seed: 3), domain: shuffled, "out of order")
    }

    @Test func manyRatersPairEachItem() throws {
        // 9 raters, 5 values: (V+1)^R = 6^9 keys is too many for the histogram.
        try check(
            Self.data(raters: 9, items: 120, domain: [1, 2, 3, 4, 5], missing: 30, seed: 4), domain: [1, 2, 3, 4, 5],
            "9 raters")
    }

    @Test func hugeDomainUsesTheFloatingFallback() throws {
        // 30 raters × 200 values: (R−1)·V² integer accumulators would exceed 2^20 cells.
        let domain = (0..<200).map(Double.init)
        try check(Self.data(raters: 30, items: 12, domain: domain, missing: 25, seed: 5), domain: domain, "200 values")
    }

    @Test func largeMatricesSplitOverCoresGiveTheSameAlpha() throws {
        // 40,000 items crosses the parallel threshold; the integer accumulators make the split exact.
        let rows = Self.data(raters: 2, items: 40_000, domain: [1, 2, 3, 4, 5], missing: 10, seed: 6)
        try check(rows, domain: [1, 2, 3, 4, 5], "40k items")
        let m = try RatingMatrix(rows)
        let whole = try Agreement.krippendorffAlpha(m, level: .ordinal, domain: [1, 2, 3, 4, 5])
        #expect(whole == (try Agreement.krippendorffAlpha(m, level: .ordinal, domain: [1, 2, 3, 4, 5])))
    }

    @Test func offDomainRatingIsATypedErrorOnEveryPath() throws {
        let cases: [([[Double?]], [Double])] = [
            ([[1, 2, 3], [1, 2.5, 3]], [1, 2, 3]),  // consecutive histogram
            ([[1, 2, 10], [1, 2, 7]], [1, 2, 10]),  // sparse histogram
            ((0..<9).map { r in [1, 2, r == 4 ? 6 : 3] }, [1, 2, 3, 4, 5]),  // per-item pairing
        ]
        for (rows, domain) in cases {
            let error = try #require(throws: AgreementError.self) {
                try Agreement.krippendorffAlpha(try RatingMatrix(rows), level: .ordinal, domain: domain)
            }
            guard case .unknownCategory(_, let rater, let item) = error else {
                Issue.record("expected unknownCategory, got \(error)")
                continue
            }
            let first = rows.enumerated().lazy.compactMap { r, row in
                row.firstIndex { $0.map { !domain.contains($0) } ?? false }.map { (r, $0) }
            }.first
            #expect(first.map { $0 == (rater, item) } == true, "\(rows): reported rater \(rater) item \(item)")
        }
    }
}
