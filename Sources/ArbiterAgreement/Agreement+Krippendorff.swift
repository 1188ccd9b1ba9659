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
            guard Set(domain).count == domain.count else { throw AgreementError.invalidCategories("the value domain repeats a value") }
            values = domain
        } else {
            values = Array(Set(matrix.ratings.flatMap { $0.compactMap { $0 } })).sorted()
        }
        guard values.count > 1 else { return nil }
        let v = values.count
        var index: [Double: Int] = [:]
        for (i, x) in values.enumerated() { index[x] = i }
        // Value counts per item (items, V), filled rater row by rater row (sequential memory), then
        // the coincidence matrix item by item; a linear scan finds small domains' indices faster
        // than hashing.
        let n = matrix.itemCount
        var counts = [Int32](repeating: 0, count: n * v)  // (items, V)
        // Consecutive integer domains (1…5, 0…10) map a value to its index by subtraction.
        let first = values[0]
        let consecutive = values.enumerated().allSatisfy { $0.element == first + Double($0.offset) } && abs(first) < 1e15
        var unknown: (rater: Int, item: Int, value: Double)? = nil
        counts.withUnsafeMutableBufferPointer { cnt in
            for r in 0..<matrix.raterCount where unknown == nil {
                matrix.ratings[r].withUnsafeBufferPointer { row in
                    for i in 0..<min(n, row.count) {
                        guard let x = row[i] else { continue }
                        var c = -1
                        if consecutive {
                            let d = x - first
                            if d >= 0, d < Double(v), d == d.rounded() { c = Int(d) }
                        } else {
                            c = index[x] ?? -1
                        }
                        guard c >= 0 else { unknown = (r, i, x); return }
                        cnt[i * v + c] += 1
                    }
                }
            }
        }
        if let u = unknown { throw AgreementError.unknownCategory(label: "\(u.value)", rater: u.rater, item: u.item) }
        var o = [Double](repeating: 0, count: v * v)  // (V·V,)
        counts.withUnsafeBufferPointer { cnt in
            for i in 0..<n {
                let base = i * v
                var m: Int32 = 0
                for c in 0..<v { m += cnt[base + c] }
                guard m >= 2 else { continue }
                let scale = 1.0 / Double(m - 1)
                for c in 0..<v where cnt[base + c] > 0 {
                    let nc = Int(cnt[base + c])
                    for k in 0..<v where cnt[base + k] > 0 {
                        let pairs = c == k ? nc * (nc - 1) : nc * Int(cnt[base + k])
                        o[c * v + k] += Double(pairs) * scale
                    }
                }
            }
        }
        return krippendorffAlpha(coincidence: (0..<v).map { c in Array(o[(c * v)..<(c * v + v)]) }, values: values, level: level)
    }

    /// Nominal α of categorical labels (coded by their index in `categories`, as krippendorff is
    /// called on coded string labels).
    public static func krippendorffAlpha<L: Hashable & Sendable>(nominal labels: [[L?]], categories: [L]) throws -> Double? {
        let coded = try CategoricalRatings(labels, categories: categories)
        return krippendorffAlpha(counts: coded.countsPerItem(), values: categories.indices.map(Double.init), level: .nominal)
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
        let v = values.count
        let nV = o.map { $0.reduce(0, +) }  // (V,) pairable values per category
        let n = nV.reduce(0, +)
        guard n > 1 else { return nil }
        var observed = 0.0
        var expected = 0.0
        for c in 0..<v {
            for k in 0..<v {
                let d = delta(c, k, values: values, nV: nV, level: level)
                guard d != 0 else { continue }
                observed += o[c][k] * d
                let e = c == k ? nV[c] * (nV[c] - 1) : nV[c] * nV[k]
                expected += e / (n - 1) * d
            }
        }
        guard expected != 0 else { return nil }
        return 1 - observed / expected
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
