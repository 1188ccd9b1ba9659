// AuditReport+Baselines: does the judge beat the best trivial baseline (always a/b, random, constant,
// longer/shorter response wins)? A judge that does not beat "pick the longer one" is flagged in every
// rendering. Compared on percent agreement (pairwise) or Spearman (graded); a win needs the judge's
// interval above the baseline and, for a correlation, a positive value. Not the baselines' maths
// (TrivialBaselines.swift).
import Foundation

/// The judge against its best trivial baseline on one metric.
///
/// The rule: the judge beats the baseline only when the lower bound of its interval lies above the
/// baseline's point value and, for a correlation, its own value is positive (a judge at −0.10 does
/// not "beat" a baseline at −0.20: neither tracks the humans). Without an interval (no bootstrap)
/// the point value stands in for the lower bound, and every sentence says so.
public struct BaselineVerdict: Sendable, Equatable {
    public let metric: String
    public let judgeValue: Double
    /// Lower end of the judge's interval, when a bootstrap ran.
    public let judgeCILow: Double?
    public let bestBaseline: String
    public let bestValue: Double
    /// True when `metric` is a correlation (its value must also be positive to count as a win).
    public let metricIsCorrelation: Bool

    public init(
        metric: String, judgeValue: Double, judgeCILow: Double?, bestBaseline: String, bestValue: Double,
        metricIsCorrelation: Bool
    ) {
        self.metric = metric
        self.judgeValue = judgeValue
        self.judgeCILow = judgeCILow
        self.bestBaseline = bestBaseline
        self.bestValue = bestValue
        self.metricIsCorrelation = metricIsCorrelation
    }

    /// The judge's point value exceeds the best baseline's (necessary, not sufficient).
    public var pointAboveBest: Bool { judgeValue > bestValue }
    /// The judge's whole interval lies above the best baseline (nil without an interval).
    public var clearlyBeatsBest: Bool? { judgeCILow.map { $0 > bestValue } }
    /// For a correlation: the judge's value is positive; always true for other metrics.
    public var judgeValuePositive: Bool { !metricIsCorrelation || judgeValue > 0 }
    /// The judge beats the best baseline: interval low (else point) above it, and positive when a correlation.
    public var beatsBest: Bool { (judgeCILow ?? judgeValue) > bestValue && judgeValuePositive }

    /// One sentence for reports.
    public var sentence: String {
        let j = AuditReport.format(judgeValue)
        let b = AuditReport.format(bestValue)
        let base = "the trivial baseline \"\(bestBaseline)\" on \(metric)"
        if !pointAboveBest {
            return "WARNING: the judge does NOT beat \(base) (judge \(j) ≤ baseline \(b))."
        }
        if !judgeValuePositive {
            return
                "WARNING: the judge does NOT beat \(base): its \(metric) \(j) is not positive, so it does not track the humans either (baseline \(b))."
        }
        if clearlyBeatsBest == false {
            return
                "WARNING: the judge does NOT clearly beat \(base): judge \(j) > baseline \(b), but its interval reaches down to \(AuditReport.format(judgeCILow)) ≤ \(b)."
        }
        if judgeCILow == nil {
            return
                "The judge's point value beats \(base) (\(j) > \(b)); no interval was computed (run with a bootstrap to check it holds)."
        }
        return
            "The judge beats \(base): its interval's lower bound \(AuditReport.format(judgeCILow)) is above the baseline's \(b) (judge \(j))."
    }

    var json: [String: Any] {
        [
            "metric": metric, "judge_value": judgeValue, "judge_ci_low": judgeCILow.map { $0 as Any } ?? NSNull(),
            "best_baseline": bestBaseline, "best_value": bestValue, "judge_beats_best": beatsBest,
            "judge_point_above_best": pointAboveBest, "judge_value_positive": judgeValuePositive,
            "judge_ci_above_best": clearlyBeatsBest.map { $0 as Any } ?? NSNull(),
        ]
    }
}

extension CriterionReport {
    /// The metric judge and baselines are compared on.
    public var baselineMetric: String { kind == .pairwise ? "percent_agreement" : "spearman" }

    /// The judge against the best baseline with a defined value on `baselineMetric`; nil when the
    /// judge's value or every baseline's is undefined.
    public var baselineVerdict: BaselineVerdict? {
        let key = baselineMetric
        guard let m = metrics[key], let v = m.value else { return nil }
        var best: (String, Double)? = nil
        for b in baselines {
            guard let value = b.values[key], let x = value else { continue }
            if best == nil || x > (best?.1 ?? -.infinity) { best = (b.name, x) }
        }
        guard let (name, x) = best else { return nil }
        return BaselineVerdict(
            metric: key, judgeValue: v, judgeCILow: m.ciLow, bestBaseline: name, bestValue: x,
            metricIsCorrelation: kind == .graded)
    }
}
