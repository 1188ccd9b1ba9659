// Agreement+Gwet: Gwet's AC1 (unweighted) and AC2 (weighted) for several raters with missing
// ratings (Gwet 2008; the same as irrCAC's CAC.gwet()). Chance agreement depends on the *declared*
// category count q. Not a variance estimate.

/// Gwet's coefficient with its parts: observed agreement pa and chance agreement pe.
public struct GwetCoefficient: Sendable, Equatable {
    /// (pa − pe) / (1 − pe); nil when undefined (q = 1, pe = 1, or no item has 2 ratings).
    public let value: Double?
    public let percentAgreement: Double?
    public let chanceAgreement: Double?
}

/// Agreement weights between categories (by index in the category list) for AC2.
public enum CategoryWeights: String, CaseIterable, Sendable, Codable {
    /// 1 on the diagonal, 0 elsewhere (AC2 = AC1).
    case identity
    /// 1 − |i − j| / (q − 1).
    case linear
    /// 1 − ((i − j) / (q − 1))².
    case quadratic

    func weight(_ i: Int, _ j: Int, q: Int) -> Double {
        switch self {
        case .identity: return i == j ? 1 : 0
        case .linear: return q > 1 ? 1 - Double(abs(i - j)) / Double(q - 1) : 1
        case .quadratic:
            guard q > 1 else { return 1 }
            let d = Double(i - j) / Double(q - 1)
            return 1 - d * d
        }
    }
}

extension Agreement {
    /// Gwet's AC1. pa averages over items with ≥ 2 ratings; π_k over items with ≥ 1 rating;
    /// pe = Σ_k π_k (1 − π_k) / (q − 1) with q = `categories.count`.
    /// - Parameter labels: (raters, items), nil = missing.
    public static func gwetAC1<L: Hashable & Sendable>(_ labels: [[L?]], categories: [L]) throws -> GwetCoefficient {
        try gwetAC2(labels, categories: categories, weights: .identity)
    }

    /// Gwet's AC2 with agreement weights over category indices (identity weights give AC1):
    /// pa = mean_i Σ_k r_ik (r*_ik − 1) / (r_i (r_i − 1)), r*_ik = Σ_l w_kl r_il;
    /// pe = T_w / (q (q − 1)) Σ_k π_k (1 − π_k), T_w = Σ_kl w_kl.
    public static func gwetAC2<L: Hashable & Sendable>(
        _ labels: [[L?]], categories: [L], weights: CategoryWeights
    ) throws -> GwetCoefficient {
        let coded = try CategoricalRatings(labels, categories: categories)
        return gwet(counts: coded.countsPerItem(), q: categories.count, weights: weights)
    }

    static func gwet(counts: [[Int]], q: Int, weights: CategoryWeights) -> GwetCoefficient {
        let w = (0..<q).map { i in (0..<q).map { j in weights.weight(i, j, q: q) } }  // (q, q)
        var paSum = 0.0
        var paItems = 0
        var pi = [Double](repeating: 0, count: q)
        var piItems = 0
        for row in counts {
            let r = row.reduce(0, +)
            guard r >= 1 else { continue }
            piItems += 1
            for k in 0..<q { pi[k] += Double(row[k]) / Double(r) }
            guard r >= 2 else { continue }
            var s = 0.0
            for k in 0..<q where row[k] > 0 {
                var star = 0.0
                for l in 0..<q { star += w[k][l] * Double(row[l]) }
                s += Double(row[k]) * (star - 1)
            }
            paSum += s / Double(r * (r - 1))
            paItems += 1
        }
        let pa: Double? = paItems > 0 ? paSum / Double(paItems) : nil
        var pe: Double? = nil
        if q > 1, piItems > 0 {
            let tw = w.reduce(0.0) { $0 + $1.reduce(0, +) }
            var s = 0.0
            for k in 0..<q {
                let p = pi[k] / Double(piItems)
                s += p * (1 - p)
            }
            pe = tw / Double(q * (q - 1)) * s
        }
        var value: Double? = nil
        if let pa, let pe, pe != 1 { value = (pa - pe) / (1 - pe) }
        return GwetCoefficient(value: value, percentAgreement: pa, chanceAgreement: pe)
    }
}
