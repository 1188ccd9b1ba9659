// SelfConsistency: combines n sampled scores for one item into one score plus its spread.
// Failed samples (nil) are counted apart and never enter the statistics. It does not sample;
// LLMJudge draws the samples and calls this.
import Foundation

/// How n self-consistency samples become one score.
public enum ConsistencyRule: String, Sendable, Codable, CaseIterable {
    /// Arithmetic mean of the successful samples.
    case mean
    /// Median (mean of the two middle values for an even count).
    case median
    /// Most frequent value; ties go to the tied value closest to the median, then to the lower.
    case majority
}

/// Spread of the successful samples, stored with the judgment (`consistency` in JSONL).
public struct ScoreSpread: Sendable, Codable, Equatable {
    /// Samples drawn (successes + failures).
    public var samples: Int
    /// Samples that failed (no score).
    public var failures: Int
    public var mean: Double?
    /// Population standard deviation (divides by the count of successes).
    public var std: Double?
    public var min: Double?
    public var max: Double?
    /// Share of successful samples equal to the modal value (1 = all agree).
    public var agreement: Double?

    public init(
        samples: Int, failures: Int, mean: Double?, std: Double?, min: Double?, max: Double?, agreement: Double?
    ) {
        self.samples = samples
        self.failures = failures
        self.mean = mean
        self.std = std
        self.min = min
        self.max = max
        self.agreement = agreement
    }
}

public enum SelfConsistency {
    /// The combined score (nil when every sample failed) and the spread.
    public static func aggregate(_ scores: [Double?], rule: ConsistencyRule) -> (score: Double?, spread: ScoreSpread) {
        let ok = scores.compactMap { $0 }
        let failures = scores.count - ok.count
        guard !ok.isEmpty else {
            return (
                nil,
                ScoreSpread(
                    samples: scores.count, failures: failures, mean: nil, std: nil, min: nil, max: nil, agreement: nil)
            )
        }
        let mean = ok.reduce(0, +) / Double(ok.count)
        let variance = ok.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(ok.count)
        let med = median(ok)
        let (mode, modeCount) = majority(ok, median: med)
        let spread = ScoreSpread(
            samples: scores.count, failures: failures, mean: mean, std: variance.squareRoot(),
            min: ok.min(), max: ok.max(), agreement: Double(modeCount) / Double(ok.count))
        let score: Double
        switch rule {
        case .mean: score = mean
        case .median: score = med
        case .majority: score = mode
        }
        return (score, spread)
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        let mid = s.count / 2
        return s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
    }

    /// The modal value and its count; ties → closest to the median, then the lower value.
    static func majority(_ values: [Double], median: Double) -> (Double, Int) {
        var counts: [Double: Int] = [:]
        for v in values { counts[v, default: 0] += 1 }
        let best = counts.values.max() ?? 0
        let tied = counts.filter { $0.value == best }.keys.sorted()
        let pick =
            tied.min { a, b in
                let da = abs(a - median)
                let db = abs(b - median)
                return da != db ? da < db : a < b
            } ?? median
        return (pick, best)
    }
}
