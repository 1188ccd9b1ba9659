// Bootstrap: seeded item-resampling confidence intervals (percentile and BCa with jackknife
// acceleration, Efron 1987) and a paired bootstrap test of the difference of two statistics on the
// same resamples. Resamples come from SplitMix64, so a seed reproduces an interval exactly; they are
// drawn one at a time into one buffer (memory: one resample plus one value per replicate and
// statistic), and the replicate count is capped at `maxReplicates`.
import ArbiterCore
import Foundation

/// How a bootstrap interval is read off the replicates.
public enum IntervalMethod: String, Sendable, CaseIterable, Codable {
    /// Quantiles of the replicates (linear interpolation, NumPy's default).
    case percentile
    /// Bias-corrected and accelerated: quantile levels shifted by z0 (median bias) and a (jackknife skewness).
    case bca
}

/// A point estimate with a bootstrap interval; bounds are nil when undefined (e.g. the statistic is
/// undefined on the full data, on every resample, or BCa's bias correction is infinite).
public struct ConfidenceInterval: Sendable, Equatable, Codable {
    public let estimate: Double?
    public let low: Double?
    public let high: Double?
    public let level: Double
    public let method: IntervalMethod
    /// Resamples drawn.
    public let replicates: Int
    /// Resamples on which the statistic was defined (the others are left out, not counted as 0).
    public let validReplicates: Int
}

/// Result of the paired bootstrap test of `a − b` (both statistics on the same resamples).
public struct PairedBootstrapTest: Sendable, Equatable, Codable {
    /// a − b on the full data.
    public let difference: ConfidenceInterval
    /// Two-sided bootstrap p-value of "a − b = 0": 2 · min(P*(d ≤ 0), P*(d ≥ 0)), at most 1.
    public let pValue: Double?
}

/// Seeded bootstrap over items.
public struct Bootstrap: Sendable, Equatable {
    public let replicates: Int
    public let seed: UInt64
    public let level: Double

    /// The most resamples a bootstrap draws: every replicate keeps one value per statistic, and an
    /// audit keeps about ten statistics (100000 replicates ≈ 8 MB of them).
    public static let maxReplicates = 100_000

    /// - Parameters:
    ///   - replicates: resamples, 1…`maxReplicates` (1000–10000 is usual).
    ///   - seed: generator seed; the same seed gives the same resamples.
    ///   - level: confidence level in (0, 1), e.g. 0.95.
    public init(replicates: Int = 1000, seed: UInt64 = 0, level: Double = 0.95) throws {
        guard replicates >= 1, replicates <= Self.maxReplicates else {
            throw AuditError.invalidOption(
                "bootstrap replicates must be between 1 and \(Self.maxReplicates) (the cap bounds memory; 1000–10000 is usual), got \(replicates)"
            )
        }
        guard level > 0, level < 1 else {
            throw AuditError.invalidOption("confidence level must be in (0, 1), got \(level)")
        }
        self.replicates = replicates
        self.seed = seed
        self.level = level
    }

    /// The resampled item indices, one array of `itemCount` draws with replacement per replicate.
    /// Holds every resample at once; the intervals draw the same resamples one at a time.
    public func resamples(itemCount n: Int) -> [[Int]] {
        var out: [[Int]] = []
        forEachResample(itemCount: n) { out.append($0) }
        return out
    }

    /// Calls `body` with each resample in turn (the same draws, in the same order, as `resamples`),
    /// reusing one buffer; `progress` gets (replicates done, replicates) every 0.5% and at the end.
    func forEachResample(
        itemCount n: Int, progress: ((Int, Int) -> Void)? = nil, _ body: ([Int]) throws -> Void
    ) rethrows {
        var rng = SplitMix64(seed: seed)
        var idx = [Int](repeating: 0, count: max(n, 0))  // (items,)
        let step = max(1, replicates / 200)
        for r in 0..<replicates {
            for i in idx.indices { idx[i] = Int(rng.next(below: UInt64(n))) }
            try body(idx)
            if let progress, (r + 1) % step == 0 || r + 1 == replicates { progress(r + 1, replicates) }
        }
    }

    /// Interval of `statistic` (evaluated on item-index lists) over resampled items.
    public func interval(
        itemCount n: Int, method: IntervalMethod = .bca, statistic: ([Int]) throws -> Double?
    ) rethrows -> ConfidenceInterval {
        let out = try intervals(itemCount: n, method: method) { [try statistic($0)] }
        return out[0]
    }

    /// Intervals of several statistics computed together on the same resamples (one call of
    /// `statistics` per resample returns all of them, in a fixed order).
    /// `progress` gets (`.bootstrap`, done, replicates) and, for BCa, (`.jackknife`, done, items).
    public func intervals(
        itemCount n: Int, method: IntervalMethod = .bca,
        progress: ((AuditProgress.Stage, Int, Int) -> Void)? = nil,
        statistics: ([Int]) throws -> [Double?]
    ) rethrows -> [ConfidenceInterval] {
        let estimates = try statistics(Array(0..<n))
        var values = [[Double]](repeating: [], count: estimates.count)
        var replicateProgress: ((Int, Int) -> Void)? = nil
        if let progress { replicateProgress = { progress(.bootstrap, $0, $1) } }
        try forEachResample(itemCount: n, progress: replicateProgress) { idx in
            for (k, v) in try statistics(idx).enumerated() where k < values.count { if let v { values[k].append(v) } }
        }
        var jackknife = [[Double]](repeating: [], count: estimates.count)
        if method == .bca, estimates.contains(where: { $0 != nil }) {
            let step = max(1, n / 200)
            for i in 0..<n {
                if let progress, i % step == 0 { progress(.jackknife, i, n) }
                for (k, v) in try statistics(Array(0..<i) + Array((i + 1)..<n)).enumerated() where k < jackknife.count {
                    if let v { jackknife[k].append(v) }
                }
            }
            progress?(.jackknife, n, n)
        }
        return estimates.indices.map { k in
            Self.interval(
                estimate: estimates[k], replicates: values[k], jackknife: jackknife[k],
                requested: replicates, level: level, method: method)
        }
    }

    /// Paired test: `a` and `b` on the same resamples; interval and p-value of a − b.
    public func pairedDifference(
        itemCount n: Int, _ a: ([Int]) throws -> Double?, _ b: ([Int]) throws -> Double?
    ) rethrows -> PairedBootstrapTest {
        let all = Array(0..<n)
        var estimate: Double? = nil
        if let x = try a(all), let y = try b(all) { estimate = x - y }
        var diffs: [Double] = []
        try forEachResample(itemCount: n) { idx in
            if let x = try a(idx), let y = try b(idx) { diffs.append(x - y) }
        }
        let ci = Self.interval(
            estimate: estimate, replicates: diffs, jackknife: [], requested: replicates,
            level: level, method: .percentile)
        var p: Double? = nil
        if !diffs.isEmpty {
            let le = Double(diffs.filter { $0 <= 0 }.count) / Double(diffs.count)
            let ge = Double(diffs.filter { $0 >= 0 }.count) / Double(diffs.count)
            p = min(1, 2 * min(le, ge))
        }
        return PairedBootstrapTest(difference: ci, pValue: p)
    }

    /// Reads an interval off replicate values (and, for BCa, jackknife values).
    static func interval(
        estimate: Double?, replicates values: [Double], jackknife: [Double],
        requested: Int, level: Double, method: IntervalMethod
    ) -> ConfidenceInterval {
        let sorted = values.sorted()
        var low: Double? = nil
        var high: Double? = nil
        let alpha = (1 - level) / 2
        if let estimate, !sorted.isEmpty {
            switch method {
            case .percentile:
                low = quantile(sorted, alpha)
                high = quantile(sorted, 1 - alpha)
            case .bca:
                if let (qLow, qHigh) = bcaLevels(estimate: estimate, sorted: sorted, jackknife: jackknife, alpha: alpha)
                {
                    low = quantile(sorted, qLow)
                    high = quantile(sorted, qHigh)
                }
            }
        }
        return ConfidenceInterval(
            estimate: estimate, low: low, high: high, level: level, method: method,
            replicates: requested, validReplicates: values.count)
    }

    /// BCa's adjusted quantile levels, or nil when the bias correction is infinite.
    static func bcaLevels(estimate: Double, sorted: [Double], jackknife: [Double], alpha: Double) -> (Double, Double)? {
        let below = Double(sorted.filter { $0 < estimate }.count)
        let equal = Double(sorted.filter { $0 == estimate }.count)
        let z0 = Normal.quantile((below + equal / 2) / Double(sorted.count))
        guard z0.isFinite else { return nil }
        var a = 0.0
        if jackknife.count >= 2 {
            let mean = jackknife.reduce(0, +) / Double(jackknife.count)
            var s2 = 0.0
            var s3 = 0.0
            for v in jackknife {
                let d = mean - v
                s2 += d * d
                s3 += d * d * d
            }
            if s2 > 0 { a = s3 / (6 * pow(s2, 1.5)) }
        }
        func adjusted(_ z: Double) -> Double {
            let w = z0 + z
            return Normal.cdf(z0 + w / (1 - a * w))
        }
        let lo = adjusted(Normal.quantile(alpha))
        let hi = adjusted(Normal.quantile(1 - alpha))
        guard lo.isFinite, hi.isFinite else { return nil }
        return (lo, hi)
    }

    /// Quantile of sorted values at probability p with linear interpolation between order statistics.
    static func quantile(_ sorted: [Double], _ p: Double) -> Double? {
        guard let first = sorted.first, let last = sorted.last else { return nil }
        let pos = min(max(p, 0), 1) * Double(sorted.count - 1)
        let lo = Int(pos.rounded(.down))
        guard lo + 1 < sorted.count else { return last }
        guard lo >= 0 else { return first }
        let frac = pos - Double(lo)
        return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo])
    }
}

/// The standard normal distribution (for BCa).
public enum Normal {
    /// Φ(x).
    public static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// Φ⁻¹(p): Acklam's rational approximation refined by one Halley step (≈ 1e-15 relative);
    /// −∞ at 0, +∞ at 1, NaN outside [0, 1].
    public static func quantile(_ p: Double) -> Double {
        guard p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00,
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
            6.680131188771972e+01, -1.328068155288572e+01,
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let pLow = 0.02425
        var x: Double
        if p < pLow {
            let q = (-2 * log(p)).squareRoot()
            x =
                (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - pLow {
            let q = p - 0.5
            let r = q * q
            x =
                (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            x =
                -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = cdf(x) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }
}
