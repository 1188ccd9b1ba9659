// Agreement+Krippendorff: Krippendorff's α for nominal/ordinal/interval/ratio data with missing
// ratings, following the krippendorff 0.9.0 package (coincidence matrix over pairable values;
// units with < 2 ratings contribute nothing; rank-based ordinal δ²). Not a bootstrap of α.

extension Agreement {
    /// Krippendorff's α of numeric ratings. `domain` is the list of possible values (krippendorff's
    /// `value_domain`); when nil it is the sorted set of observed values. Returns `nil` when α is
    /// undefined: fewer than two values in the domain (the library raises), fewer than two pairable
    /// values, or zero expected disagreement.
    /// - Parameter matrix: (raters, items), nil = missing.
    public static func krippendorffAlpha(
        _ matrix: RatingMatrix, level: MeasurementLevel, domain: [Double]? = nil
    ) throws -> Double? {
        let values: [Double]
        if let domain {
            guard Set(domain).count == domain.count else {
                throw AgreementError.invalidCategories("the value domain repeats a value")
            }
            values = domain
        } else {
            values = Array(Set(matrix.ratings.flatMap { $0.compactMap { $0 } })).sorted()
        }
        guard values.count > 1 else { return nil }
        // Coincidence matrix (V·V,) from integer codes, in parallel blocks of items
        // (Agreement+KrippendorffCoincidence.swift).
        let o = try coincidenceMatrix(matrix, coder: ValueCoder(values))
        return krippendorffAlpha(flatCoincidence: o, values: values, level: level)
    }

    /// Nominal α of categorical labels (coded by their index in `categories`, as krippendorff is
    /// called on coded string labels).
    public static func krippendorffAlpha<L: Hashable & Sendable>(nominal labels: [[L?]], categories: [L]) throws
        -> Double?
    {
        let coded = try CategoricalRatings(labels, categories: categories)
        return krippendorffAlpha(
            counts: coded.countsPerItem(), values: categories.indices.map(Double.init), level: .nominal)
    }

    /// α from per-unit value counts (units, values) over the value domain `values` (in scale order).
    static func krippendorffAlpha(counts: [[Int]], values: [Double], level: MeasurementLevel) -> Double? {
        let v = values.count
        guard v > 1 else { return nil }
        // Coincidence matrix o (V, V): Σ_u (n_uc n_uk − [c = k] n_uc) / (m_u − 1), units with m_u ≥ 2.
        var o = [[Double]](repeating: [Double](repeating: 0, count: v), count: v)
        for row in counts {
            let m = row.reduce(0, +)
            guard m >= 2 else { continue }
            let scale = 1.0 / Double(m - 1)
            for c in 0..<v where row[c] > 0 {
                for k in 0..<v where row[k] > 0 {
                    let pairs = c == k ? row[c] * (row[c] - 1) : row[c] * row[k]
                    o[c][k] += Double(pairs) * scale
                }
            }
        }
        return krippendorffAlpha(coincidence: o, values: values, level: level)
    }

    /// α from a coincidence matrix o (V, V) over the value domain `values` (in scale order).
    static func krippendorffAlpha(coincidence o: [[Double]], values: [Double], level: MeasurementLevel) -> Double? {
        krippendorffAlpha(flatCoincidence: o.flatMap { $0 }, values: values, level: level)
    }

    /// α from a row-major coincidence matrix o (V·V,) over the value domain `values` (in scale
    /// order): 1 − D_o / D_e with δ² taken from a (V, V) table built once from the marginals.
    static func krippendorffAlpha(flatCoincidence o: [Double], values: [Double], level: MeasurementLevel) -> Double? {
        let v = values.count
        guard v > 1, o.count == v * v else { return nil }
        var nV = [Double](repeating: 0, count: v)  // (V,) pairable values per category
        for c in 0..<v { for k in 0..<v { nV[c] += o[c * v + k] } }
        let n = nV.reduce(0, +)
        guard n > 1 else { return nil }
        let d = deltaTable(values: values, nV: nV, level: level)  // (V·V,)
        var observed = 0.0
        var expected = 0.0
        for c in 0..<v {
            for k in 0..<v {
                let dk = d[c * v + k]
                guard dk != 0 else { continue }
                observed += o[c * v + k] * dk
                let e = c == k ? nV[c] * (nV[c] - 1) : nV[c] * nV[k]
                expected += e / (n - 1) * dk
            }
        }
        guard expected != 0 else { return nil }
        return 1 - observed / expected
    }

    /// δ² (V·V,) between every pair of domain indices; ordinal from the running sum of nV.
    static func deltaTable(values: [Double], nV: [Double], level: MeasurementLevel) -> [Double] {
        let v = values.count
        // Interval and ratio δ² use the values themselves: rescaled by a power of two (α is a ratio of
        // disagreements, so it is unchanged) so that huge values cannot overflow (Agreement+Scaling).
        let values = level == .interval || level == .ratio ? unitScaled(values) : values
        var d = [Double](repeating: 0, count: v * v)
        guard level == .ordinal else {
            for c in 0..<v { for k in 0..<v { d[c * v + k] = delta(c, k, values: values, nV: nV, level: level) } }
            return d
        }
        for c in 0..<v {
            var s = nV[c]  // Σ_{g=c..k} nV[g]
            for k in (c + 1)..<max(c + 1, v) {
                s += nV[k]
                let x = s - (nV[c] + nV[k]) / 2
                d[c * v + k] = x * x
                d[k * v + c] = x * x
            }
        }
        return d
    }

    /// δ²(c, k) between the values at domain indices c and k.
    static func delta(_ c: Int, _ k: Int, values: [Double], nV: [Double], level: MeasurementLevel) -> Double {
        switch level {
        case .nominal:
            return c == k ? 0 : 1
        case .ordinal:
            let lo = min(c, k)
            let hi = max(c, k)
            var s = 0.0
            for g in lo...hi { s += nV[g] }
            let d = s - (nV[lo] + nV[hi]) / 2
            return d * d
        case .interval:
            let d = values[c] - values[k]
            return d * d
        case .ratio:
            let sum = values[c] + values[k]
            guard sum != 0 else { return 0 }
            let d = (values[c] - values[k]) / sum
            return d * d
        }
    }
}
