// Agreement+Kappa: percent agreement (Fleiss' P̄), Cohen's κ (unweighted/linear/quadratic,
// scikit-learn semantics) and Fleiss' κ (statsmodels method "fleiss"). Not Krippendorff or AC1.

extension Agreement {
    /// Mean over items with ≥ 2 ratings of the share of agreeing rater pairs (Fleiss' P̄; for two
    /// raters the plain share of identical labels). `nil` when no item has two ratings.
    /// - Parameter labels: (raters, items), nil = missing.
    public static func percentAgreement<L: Equatable>(_ labels: [[L?]]) throws -> Double? {
        let width = labels.first?.count ?? 0
        for (r, row) in labels.enumerated() where row.count != width {
            throw AgreementError.raggedMatrix(rater: r, expected: width, found: row.count)
        }
        var sum = 0.0
        var used = 0
        for i in 0..<width {
            let vals = labels.compactMap { $0[i] }
            guard vals.count >= 2 else { continue }
            var agree = 0
            for a in 0..<vals.count { for b in (a + 1)..<vals.count where vals[a] == vals[b] { agree += 1 } }
            sum += Double(agree) / Double(vals.count * (vals.count - 1) / 2)
            used += 1
        }
        return used == 0 ? nil : sum / Double(used)
    }

    /// Percent agreement of a numeric matrix (exact equality of scores).
    public static func percentAgreement(_ matrix: RatingMatrix) -> Double? {
        // The matrix is validated rectangular, so this cannot throw.
        (try? percentAgreement(matrix.ratings)) ?? nil
    }

    /// Cohen's κ of two raters over the same items, scikit-learn `cohen_kappa_score` semantics:
    /// weights are over the *index* of each label in `categories` (pass the full scale, e.g. 1...5,
    /// or unobserved categories change weighted κ). `nil` when undefined (0/0).
    public static func cohenKappa<L: Hashable & Sendable>(
        _ a: [L], _ b: [L], categories: [L], weighting: KappaWeighting = .unweighted
    ) throws -> Double? {
        guard a.count == b.count else { throw AgreementError.lengthMismatch(first: a.count, second: b.count) }
        let coded = try CategoricalRatings([a.map { Optional($0) }, b.map { Optional($0) }], categories: categories)
        return cohenKappa(
            codesA: coded.codes[0].map { $0 ?? 0 }, codesB: coded.codes[1].map { $0 ?? 0 },
            categoryCount: categories.count, weighting: weighting)
    }

    /// κ on category indices (already validated in 0..<categoryCount).
    static func cohenKappa(codesA: [Int], codesB: [Int], categoryCount k: Int, weighting: KappaWeighting) -> Double? {
        let n = codesA.count
        guard n > 0 else { return nil }
        var confusion = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)  // (K, K) rows = a
        for (x, y) in zip(codesA, codesB) { confusion[x][y] += 1 }
        var rowSums = [Double](repeating: 0, count: k)
        var colSums = [Double](repeating: 0, count: k)
        for i in 0..<k {
            for j in 0..<k {
                rowSums[i] += confusion[i][j]
                colSums[j] += confusion[i][j]
            }
        }
        var observed = 0.0
        var expected = 0.0
        for i in 0..<k {
            for j in 0..<k {
                let d = Double(abs(i - j))
                let w: Double
                switch weighting {
                case .unweighted: w = i == j ? 0 : 1
                case .linear: w = d
                case .quadratic: w = d * d
                }
                observed += w * confusion[i][j]
                expected += w * rowSums[i] * colSums[j] / Double(n)
            }
        }
        guard expected != 0 else { return nil }
        return 1 - observed / expected
    }

    /// Fleiss' κ (statsmodels `fleiss_kappa`, method "fleiss") on complete data: every item rated by
    /// every rater. `nil` when the expected agreement is 1 (one category used throughout).
    /// - Parameter labels: (raters, items).
    public static func fleissKappa<L: Hashable & Sendable>(_ labels: [[L?]], categories: [L]) throws -> Double? {
        let coded = try CategoricalRatings(labels, categories: categories)
        guard coded.raterCount >= 2 else {
            throw AgreementError.tooFewRaters(statistic: "Fleiss' kappa", needed: 2, found: coded.raterCount)
        }
        for (r, row) in coded.codes.enumerated() {
            if let i = row.firstIndex(where: { $0 == nil }) {
                throw AgreementError.missingRating(statistic: "Fleiss' kappa", rater: r, item: i)
            }
        }
        return fleissKappa(counts: coded.countsPerItem(), raters: coded.raterCount)
    }

    /// Fleiss' κ from per-item category counts (items, categories), `raters` ratings per item.
    static func fleissKappa(counts: [[Int]], raters m: Int) -> Double? {
        guard !counts.isEmpty, m >= 2, let k = counts.first?.count else { return nil }
        let total = Double(counts.count * m)
        var pCat = [Double](repeating: 0, count: k)
        var pMean = 0.0
        for row in counts {
            var sq = 0.0
            for (c, v) in row.enumerated() {
                pCat[c] += Double(v)
                sq += Double(v * v)
            }
            pMean += (sq - Double(m)) / Double(m * (m - 1))
        }
        pMean /= Double(counts.count)
        let pe = pCat.reduce(0.0) { $0 + ($1 / total) * ($1 / total) }
        guard pe != 1 else { return nil }
        return (pMean - pe) / (1 - pe)
    }
}
