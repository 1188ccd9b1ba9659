// Calibration: how far a judge's stated confidence (the probability of its most likely score, from
// the `distribution` field of a judgment) is from how often that score matches the human consensus
// (the scale level nearest the mean human score). Reliability curve over equal-width confidence
// bins and the expected calibration error (ECE). Not a recalibration method.
import Foundation

/// One reliability bin: items whose confidence falls in [low, high).
public struct CalibrationBin: Sendable, Equatable {
    public let low: Double
    public let high: Double
    public let count: Int
    /// Mean confidence of the items in the bin (nil when empty).
    public let meanConfidence: Double?
    /// Share of items in the bin whose most likely score equals the human consensus (nil when empty).
    public let accuracy: Double?
}

/// Reliability curve and expected calibration error of one judge on one criterion.
public struct CalibrationSummary: Sendable, Equatable {
    public let bins: [CalibrationBin]
    /// Σ_b (n_b / N) |accuracy_b − confidence_b|.
    public let expectedCalibrationError: Double
    /// Items with a distribution (N).
    public let items: Int
    /// Mean over items of the probability-weighted score Σ s·p(s) minus the mean human score.
    public let meanExpectedScoreBias: Double

    /// - Parameters:
    ///   - distributions: (items,) the judge's score → probability (normalised), nil = none given.
    ///   - humanMeans: (items,) mean human score of each item.
    ///   - bins: number of equal-width confidence bins over [0, 1], ≥ 1.
    /// - Returns: nil when no item has a distribution.
    public init?(distributions: [[Double: Double]?], humanMeans: [Double], bins binCount: Int = 10) {
        precondition(
            binCount >= 1 && distributions.count == humanMeans.count, "calibration needs ≥ 1 bin and aligned inputs")
        var conf = [Double](repeating: 0, count: binCount)
        var hits = [Double](repeating: 0, count: binCount)
        var counts = [Int](repeating: 0, count: binCount)
        var n = 0
        var bias = 0.0
        for (d, h) in zip(distributions, humanMeans) {
            guard let d, !d.isEmpty else { continue }
            let levels = d.keys.sorted()
            // Most likely score; ties go to the lower score (deterministic).
            guard let top = levels.max(by: { d[$0] ?? 0 < d[$1] ?? 0 || (d[$0] == d[$1] && $0 > $1) }) else { continue }
            guard let nearest = levels.min(by: { abs($0 - h) < abs($1 - h) || (abs($0 - h) == abs($1 - h) && $0 < $1) })
            else { continue }
            let p = d[top] ?? 0
            let b = min(binCount - 1, max(0, Int(p * Double(binCount))))
            conf[b] += p
            hits[b] += top == nearest ? 1 : 0
            counts[b] += 1
            n += 1
            bias += levels.reduce(0) { $0 + $1 * (d[$1] ?? 0) } - h
        }
        guard n > 0 else { return nil }
        var ece = 0.0
        var out: [CalibrationBin] = []
        for b in 0..<binCount {
            let c = counts[b]
            let mc = c > 0 ? conf[b] / Double(c) : nil
            let acc = c > 0 ? hits[b] / Double(c) : nil
            if let mc, let acc { ece += Double(c) / Double(n) * abs(acc - mc) }
            out.append(
                CalibrationBin(
                    low: Double(b) / Double(binCount), high: Double(b + 1) / Double(binCount),
                    count: c, meanConfidence: mc, accuracy: acc))
        }
        self.bins = out
        self.expectedCalibrationError = ece
        self.items = n
        self.meanExpectedScoreBias = bias / Double(n)
    }

    var json: [String: Any] {
        func j(_ v: Double?) -> Any { v.map { $0 as Any } ?? NSNull() }
        return [
            "expected_calibration_error": expectedCalibrationError, "items": items,
            "mean_expected_score_minus_human": meanExpectedScoreBias,
            "bins": bins.map {
                [
                    "low": $0.low, "high": $0.high, "count": $0.count,
                    "mean_confidence": j($0.meanConfidence), "accuracy": j($0.accuracy),
                ] as [String: Any]
            },
        ]
    }
}
