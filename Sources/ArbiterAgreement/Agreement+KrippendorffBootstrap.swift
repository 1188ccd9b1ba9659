// Agreement+KrippendorffBootstrap: a fast percentile bootstrap of Krippendorff's α over items. The
// coincidence matrix is a sum of per-item terms that depend only on the item's value counts, so
// items are grouped by count pattern once; a resample then only counts how often each pattern was
// drawn and sums (patterns × V × V) terms, instead of rebuilding a raters × items matrix. Draws the
// same item indices as `Bootstrap.resamples` (same seed ⇒ same resamples), without storing them.
import ArbiterCore

extension Agreement {
    /// Percentile bootstrap interval of `krippendorffAlpha(matrix, level:, domain:)` over items;
    /// equal (up to summation order, ~1e-12) to `bootstrap.interval(itemCount:method: .percentile)`
    /// on that statistic, in O(items + patterns·V²) per resample and O(items) memory.
    /// - Parameter matrix: (raters, items), nil = missing.
    public static func krippendorffAlphaBootstrap(
        _ matrix: RatingMatrix, level: MeasurementLevel, domain: [Double]? = nil, bootstrap: Bootstrap
    ) throws -> ConfidenceInterval {
        let values: [Double]
        if let domain {
            guard Set(domain).count == domain.count else {
                throw AgreementError.invalidCategories("the value domain repeats a value")
            }
            values = domain
        } else {
            values = Array(Set(matrix.ratings.flatMap { $0.compactMap { $0 } })).sorted()
        }
        let estimate = try krippendorffAlpha(matrix, level: level, domain: values)
        let v = values.count
        var index: [Double: Int] = [:]
        for (i, x) in values.enumerated() { index[x] = i }
        // Pattern of each item: its value counts (V,); items with < 2 values share the empty pattern.
        var patternOf = [Int](repeating: 0, count: matrix.itemCount)  // (items,)
        var patternIndex: [[Int]: Int] = [[Int](repeating: 0, count: v): 0]
        var patterns: [[Int]] = [[Int](repeating: 0, count: v)]  // (patterns, V)
        var row = [Int](repeating: 0, count: v)
        for i in 0..<matrix.itemCount {
            for c in 0..<v { row[c] = 0 }
            var m = 0
            for r in 0..<matrix.raterCount {
                guard let x = matrix.ratings[r][i] else { continue }
                guard let c = index[x] else { throw AgreementError.unknownCategory(label: "\(x)", rater: r, item: i) }
                row[c] += 1
                m += 1
            }
            guard m >= 2 else { continue }
            if let p = patternIndex[row] {
                patternOf[i] = p
            } else {
                patternIndex[row] = patterns.count
                patternOf[i] = patterns.count
                patterns.append(row)
            }
        }
        // Each pattern's coincidence term, flattened (patterns, V·V); the empty pattern adds zeros.
        var terms = [Double](repeating: 0, count: patterns.count * v * v)
        for (p, counts) in patterns.enumerated() {
            let m = counts.reduce(0, +)
            guard m >= 2 else { continue }
            let scale = 1.0 / Double(m - 1)
            for c in 0..<v where counts[c] > 0 {
                for k in 0..<v where counts[k] > 0 {
                    let pairs = c == k ? counts[c] * (counts[c] - 1) : counts[c] * counts[k]
                    terms[p * v * v + c * v + k] = Double(pairs) * scale
                }
            }
        }
        var rng = SplitMix64(seed: bootstrap.seed)
        let n = matrix.itemCount
        var replicates: [Double] = []
        replicates.reserveCapacity(bootstrap.replicates)
        var drawn = [Int](repeating: 0, count: patterns.count)  // (patterns,)
        var flat = [Double](repeating: 0, count: v * v)  // (V·V,)
        for _ in 0..<bootstrap.replicates {
            guard n > 0 else { break }
            for p in drawn.indices { drawn[p] = 0 }
            for _ in 0..<n { drawn[patternOf[Int(rng.next(below: UInt64(n)))]] += 1 }
            for e in flat.indices { flat[e] = 0 }
            terms.withUnsafeBufferPointer { t in
                flat.withUnsafeMutableBufferPointer { f in
                    for p in 1..<max(1, drawn.count) where drawn[p] > 0 {
                        let w = Double(drawn[p])
                        let base = p * v * v
                        for e in 0..<(v * v) { f[e] += w * t[base + e] }
                    }
                }
            }
            if let a = krippendorffAlpha(flatCoincidence: flat, values: values, level: level) { replicates.append(a) }
        }
        return Bootstrap.interval(
            estimate: estimate, replicates: replicates, jackknife: [], requested: bootstrap.replicates,
            level: bootstrap.level, method: .percentile)
    }
}
