import ArbiterAgreement
// PropertyTests: statistics are invariant under item permutation (and raters where they should be),
// the O(n log n) Kendall matches the O(n²) definition, AC2 with identity weights equals AC1, the
// judge/human baseline treats a judge identical to a human exactly like that human.
import ArbiterCore
import Foundation
import Testing

@Suite struct PropertyTests {
    func randomMatrix(raters: Int, items: Int, seed: UInt64, missing: Bool) -> [[Double?]] {
        var rng = SplitMix64(seed: seed)
        return (0..<raters).map { _ in
            (0..<items).map { _ in
                if missing && rng.next(below: 6) == 0 { return nil }
                return Double(rng.next(below: 5) + 1)
            }
        }
    }

    func allStatistics(_ rows: [[Double?]]) throws -> [Double?] {
        let m = try RatingMatrix(rows)
        let cats: [Double] = [1, 2, 3, 4, 5]
        var out: [Double?] = [Agreement.percentAgreement(m)]
        for level in MeasurementLevel.allCases {
            out.append(try Agreement.krippendorffAlpha(m, level: level, domain: cats))
        }
        let ac1 = try Agreement.gwetAC1(rows, categories: cats)
        out += [ac1.value, ac1.percentAgreement, ac1.chanceAgreement]
        out.append(try Agreement.gwetAC2(rows, categories: cats, weights: .quadratic).value)
        if m.isComplete {
            out.append(try Agreement.fleissKappa(rows, categories: cats))
            let i = try Agreement.intraclassCorrelations(m)
            out += [i.icc1, i.icc2, i.icc3, i.icc1k, i.icc2k, i.icc3k]
            let a = rows[0].compactMap { $0 }
            let b = rows[1].compactMap { $0 }
            for w in KappaWeighting.allCases {
                out.append(try Agreement.cohenKappa(a, b, categories: cats, weighting: w))
            }
            out += try Correlations(a, b).named.map(\.value)
        }
        return out
    }

    @Test(arguments: [false, true])
    func invariantUnderItemPermutation(missing: Bool) throws {
        for seed in UInt64(0)..<20 {
            let rows = randomMatrix(raters: 3, items: 25, seed: seed, missing: missing)
            var rng = SplitMix64(seed: seed + 100)
            let perm = Array(0..<25).shuffled(using: &rng)
            let permuted = rows.map { r in perm.map { r[$0] } }
            let a = try allStatistics(rows)
            let b = try allStatistics(permuted)
            #expect(a.count == b.count)
            for (x, y) in zip(a, b) {
                #expect((x == nil) == (y == nil))
                if let x, let y { #expect(abs(x - y) < 1e-12) }
            }
        }
    }

    @Test func kendallMatchesNaiveDefinition() throws {
        var rng = SplitMix64(seed: 77)
        for n in [2, 3, 10, 57] {
            let x = (0..<n).map { _ in Double(rng.next(below: 4)) }
            let y = (0..<n).map { _ in Double(rng.next(below: 6)) }
            var s = 0.0
            var tx = 0.0
            var ty = 0.0
            for i in 0..<n {
                for j in (i + 1)..<n {
                    let dx = (x[i] - x[j]).sign == .minus ? -1.0 : (x[i] == x[j] ? 0 : 1)
                    let dy = (y[i] - y[j]).sign == .minus ? -1.0 : (y[i] == y[j] ? 0 : 1)
                    s += dx * dy
                    tx += dx * dx
                    ty += dy * dy
                }
            }
            let naive: Double? = (tx > 0 && ty > 0) ? s / (tx * ty).squareRoot() : nil
            let fast = try Agreement.kendallTau(x, y, variant: .b)
            #expect((naive == nil) == (fast == nil))
            if let naive, let fast { #expect(abs(naive - fast) < 1e-12) }
        }
    }

    @Test func ac2WithIdentityWeightsIsAC1() throws {
        let rows = randomMatrix(raters: 4, items: 30, seed: 5, missing: true)
        let cats: [Double] = [1, 2, 3, 4, 5]
        #expect(
            try Agreement.gwetAC2(rows, categories: cats, weights: .identity)
                == Agreement.gwetAC1(rows, categories: cats))
    }

    @Test func judgeIdenticalToAHumanScoresLikeThatHuman() throws {
        let rows = randomMatrix(raters: 3, items: 40, seed: 9, missing: false)
        let b = try Agreement.judgeHumanBaseline(humans: try RatingMatrix(rows), judge: rows[1])
        #expect(b.perRater[1].judge == b.perRater[1].human)
        #expect(b.perRater.count == 3)
        let loo = try Agreement.leaveOneRaterOut(try RatingMatrix(rows))
        #expect(b.humanMean == Agreement.meanLeaveOneRaterOut(loo))
    }

    @Test func undefinedIsNilNeverZeroOrOne() throws {
        let constant: [[Double?]] = [[3, 3, 3], [3, 3, 3]]
        #expect(try Agreement.cohenKappa([3.0, 3, 3], [3.0, 3, 3], categories: [1, 2, 3, 4, 5]) == nil)
        #expect(try Agreement.krippendorffAlpha(try RatingMatrix(constant), level: .interval) == nil)
        #expect(try Agreement.pearson([1, 1, 1], [1, 2, 3]) == nil)
        #expect(try Agreement.gwetAC1(constant, categories: [3.0]).value == nil)
        #expect(try Agreement.gwetAC1(constant, categories: [1.0, 2, 3, 4, 5]).value == 1)
    }

    @Test func badInputsAreTypedErrors() {
        #expect(throws: AgreementError.raggedMatrix(rater: 1, expected: 2, found: 1)) {
            try RatingMatrix([[1, 2], [1]])
        }
        #expect(throws: AgreementError.nonFiniteRating(rater: 0, item: 1)) { try RatingMatrix([[1, .nan]]) }
        #expect(throws: AgreementError.unknownCategory(label: "7.0", rater: 1, item: 0)) {
            try Agreement.cohenKappa([1.0], [7.0], categories: [1, 2])
        }
        #expect(throws: AgreementError.missingRating(statistic: "Fleiss' kappa", rater: 0, item: 0)) {
            try Agreement.fleissKappa([[nil, 1.0], [1.0, 1.0]], categories: [1.0, 2.0])
        }
        #expect(throws: AgreementError.lengthMismatch(first: 2, second: 1)) { try Correlations([1, 2], [1]) }
        #expect(throws: AgreementError.nonFiniteRating(rater: 1, item: 1)) {
            try Agreement.kendallTau([1, 2], [1, .infinity])
        }
    }
}

@Suite struct CorrelationLevelTests {
    func data(_ n: Int, seed: UInt64) -> (x: [Double], y: [Double]) {
        var rng = SplitMix64(seed: seed)
        let x = (0..<n).map { _ in Double(rng.next(below: 5) + 1) }
        let y = x.map { $0 + Double(rng.next(below: 3)) - 1 }
        return (x, y)
    }

    @Test func oneGroupIsThePooledCorrelation() throws {
        let (x, y) = data(30, seed: 1)
        let g = try Correlations.grouped(x, y, groups: [String](repeating: "doc", count: 30))
        #expect(g.groups == 1 && g.groupsUsed == 1)
        #expect(g.mean == (try Correlations(x, y)))
        let s = try Correlations.systemLevel(x, y, systems: Array(0..<30))
        #expect(s.systems == 30)
        let pooled = try Correlations(x, y)
        for (a, b) in zip(s.correlations.named, pooled.named) {
            #expect(abs((a.value ?? .nan) - (b.value ?? .nan)) < 1e-12)
        }
    }

    @Test func groupedAveragesQualifyingGroupsOnly() throws {
        let (x, y) = data(40, seed: 2)
        let groups = (0..<40).map { $0 < 39 ? $0 % 4 : 99 }  // group 99 has one item and is skipped
        var xs = x
        var ys = y
        for i in 0..<40 where groups[i] == 3 { ys[i] = 2 }  // group 3: constant human side, skipped
        let g = try Correlations.grouped(xs, ys, groups: groups)
        #expect(g.groups == 5 && g.groupsWithMoreThanOneItem == 4 && g.groupsUsed == 3)
        let parts = try (0..<3).map { k in
            let idx = (0..<40).filter { groups[$0] == k }
            return try Correlations(idx.map { xs[$0] }, idx.map { ys[$0] })
        }
        #expect(g.mean == Correlations.mean(parts))
        xs = xs.map { _ in 1 }
        #expect(try Correlations.grouped(xs, ys, groups: groups).mean == nil)
    }

    @Test func systemLevelCorrelatesMeans() throws {
        let x: [Double] = [1, 2, 3, 4, 5, 6]
        let y: [Double] = [2, 1, 4, 3, 6, 5]
        let s = try Correlations.systemLevel(x, y, systems: ["a", "a", "b", "b", "c", "c"])
        // Means: x = 1.5, 3.5, 5.5; y = 1.5, 3.5, 5.5: perfectly correlated.
        #expect(s.systems == 3)
        #expect(abs((s.correlations.pearson ?? 0) - 1) < 1e-12)
        #expect(throws: AgreementError.self) { try Correlations.systemLevel(x, y, systems: ["a"]) }
    }
}
