// Correlations: Pearson, Spearman (mid-ranks) and Kendall τ-b / τ-c (Stuart) with SciPy semantics
// (undefined -> nil for constant input or n < 2). Grouped/system levels: Correlations+Levels.swift.

/// The four correlation coefficients of two paired score lists; nil = undefined.
public struct Correlations: Sendable, Equatable, Codable {
    public var pearson: Double?
    public var spearman: Double?
    public var kendallTauB: Double?
    public var kendallTauC: Double?

    public init(pearson: Double?, spearman: Double?, kendallTauB: Double?, kendallTauC: Double?) {
        self.pearson = pearson
        self.spearman = spearman
        self.kendallTauB = kendallTauB
        self.kendallTauC = kendallTauC
    }

    /// All four coefficients of x against y (finite values; NaN/infinity is an error).
    public init(_ x: [Double], _ y: [Double]) throws {
        try Agreement.checkPaired(x, y)
        self.init(
            pearson: Agreement.pearsonUnchecked(x, y), spearman: Agreement.spearmanUnchecked(x, y),
            kendallTauB: Agreement.kendallUnchecked(x, y, variant: .b),
            kendallTauC: Agreement.kendallUnchecked(x, y, variant: .c))
    }

    /// The coefficients by name, in a stable order (pearson, spearman, kendall_tau_b, kendall_tau_c).
    public var named: [(name: String, value: Double?)] {
        [("pearson", pearson), ("spearman", spearman), ("kendall_tau_b", kendallTauB), ("kendall_tau_c", kendallTauC)]
    }

    /// Coefficient-wise mean over a list; a coefficient is nil if it is nil anywhere (or the list is empty).
    public static func mean(_ list: [Correlations]) -> Correlations? {
        guard !list.isEmpty else { return nil }
        func avg(_ key: KeyPath<Correlations, Double?>) -> Double? {
            let vals = list.compactMap { $0[keyPath: key] }
            return vals.count == list.count ? vals.reduce(0, +) / Double(vals.count) : nil
        }
        return Correlations(
            pearson: avg(\.pearson), spearman: avg(\.spearman),
            kendallTauB: avg(\.kendallTauB), kendallTauC: avg(\.kendallTauC))
    }
}

/// Kendall's τ variants: τ-b (tie-corrected, SciPy's default) and τ-c (Stuart's, for non-square tables).
public enum KendallVariant: String, Sendable, CaseIterable, Codable { case b, c }

extension Agreement {
    /// Equal lengths and finite values, or the typed error naming the offending position.
    static func checkPaired(_ x: [Double], _ y: [Double]) throws {
        guard x.count == y.count else { throw AgreementError.lengthMismatch(first: x.count, second: y.count) }
        if let i = x.firstIndex(where: { !$0.isFinite }) { throw AgreementError.nonFiniteRating(rater: 0, item: i) }
        if let i = y.firstIndex(where: { !$0.isFinite }) { throw AgreementError.nonFiniteRating(rater: 1, item: i) }
    }

    /// Pearson's r; nil when n < 2 or either side is constant.
    public static func pearson(_ x: [Double], _ y: [Double]) throws -> Double? {
        try checkPaired(x, y)
        return pearsonUnchecked(x, y)
    }

    /// Spearman's ρ: Pearson on average ranks (ties get mid-ranks).
    public static func spearman(_ x: [Double], _ y: [Double]) throws -> Double? {
        try checkPaired(x, y)
        return spearmanUnchecked(x, y)
    }

    /// Kendall's τ-b or τ-c; nil when n < 2 or either side is constant.
    public static func kendallTau(_ x: [Double], _ y: [Double], variant: KendallVariant = .b) throws -> Double? {
        try checkPaired(x, y)
        return kendallUnchecked(x, y, variant: variant)
    }

    /// Pearson's r on values rescaled by powers of two (Agreement+Scaling.swift), so huge finite
    /// scores give the right r instead of overflowing; ordinary scores give the same bits as before.
    static func pearsonUnchecked(_ x: [Double], _ y: [Double]) -> Double? {
        let n = x.count
        guard n >= 2, let x0 = x.first, let y0 = y.first else { return nil }
        guard x.contains(where: { $0 != x0 }), y.contains(where: { $0 != y0 }) else { return nil }
        let x = unitScaled(x)
        let y = unitScaled(y)
        let mx = x.reduce(0, +) / Double(n)
        let my = y.reduce(0, +) / Double(n)
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for i in 0..<n {
            let dx = x[i] - mx
            let dy = y[i] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        return max(-1, min(1, sxy / (sxx.squareRoot() * syy.squareRoot())))
    }

    static func spearmanUnchecked(_ x: [Double], _ y: [Double]) -> Double? {
        pearsonUnchecked(averageRanks(x), averageRanks(y))
    }

    /// 1-based ranks; tied values get the mean of the ranks they span.
    public static func averageRanks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var ranks = [Double](repeating: 0, count: x.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, x[order[end + 1]] == x[order[start]] { end += 1 }
            let rank = Double(start + end) / 2 + 1
            for p in start...end { ranks[order[p]] = rank }
            start = end + 1
        }
        return ranks
    }

    static func kendallUnchecked(_ x: [Double], _ y: [Double], variant: KendallVariant) -> Double? {
        let n = x.count
        guard n >= 2 else { return nil }
        // O(n log n): sort by (x, y); count x-ties, joint ties, then discordant pairs by merge sort on y.
        let order = x.indices.sorted { x[$0] != x[$1] ? x[$0] < x[$1] : y[$0] < y[$1] }
        var xTies = 0
        var jointTies = 0
        var run = 1
        var jointRun = 1
        for p in 1..<n {
            let a = order[p - 1]
            let b = order[p]
            if x[a] == x[b] {
                run += 1
                jointRun = y[a] == y[b] ? jointRun + 1 : 1
            } else {
                run = 1
                jointRun = 1
            }
            xTies += run - 1
            jointTies += jointRun - 1
        }
        var ys = order.map { y[$0] }
        var buffer = ys
        let discordant = mergeCountInversions(&ys, &buffer, 0, n)
        var yTies = 0
        run = 1
        for p in 1..<n {
            if ys[p] == ys[p - 1] { run += 1 } else { run = 1 }
            yTies += run - 1
        }
        let total = n * (n - 1) / 2
        guard xTies < total, yTies < total else { return nil }
        let conMinusDis = Double(total - xTies - yTies + jointTies - 2 * discordant)
        switch variant {
        case .b:
            return conMinusDis / (Double(total - xTies).squareRoot() * Double(total - yTies).squareRoot())
        case .c:
            let m = Double(min(Set(x).count, Set(y).count))
            return 2 * conMinusDis / (Double(n) * Double(n) * (m - 1) / m)
        }
    }

    /// Sorts a[lo..<hi] ascending and returns the number of strict inversions (i < j, a[i] > a[j]).
    private static func mergeCountInversions(_ a: inout [Double], _ buf: inout [Double], _ lo: Int, _ hi: Int) -> Int {
        guard hi - lo > 1 else { return 0 }
        let mid = (lo + hi) / 2
        var count = mergeCountInversions(&a, &buf, lo, mid) + mergeCountInversions(&a, &buf, mid, hi)
        var i = lo
        var j = mid
        var k = lo
        while i < mid && j < hi {
            if a[j] < a[i] {
                count += mid - i
                buf[k] = a[j]
                j += 1
            } else {
                buf[k] = a[i]
                i += 1
            }
            k += 1
        }
        while i < mid {
            buf[k] = a[i]
            i += 1
            k += 1
        }
        while j < hi {
            buf[k] = a[j]
            j += 1
            k += 1
        }
        for p in lo..<hi { a[p] = buf[p] }
        return count
    }
}
