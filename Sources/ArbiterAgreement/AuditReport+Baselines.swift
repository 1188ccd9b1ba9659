// AuditReport+Baselines: does the judge beat the best trivial baseline (always a/b, random, constant,
// longer/shorter response wins)? A judge that does not beat "pick the longer one" is flagged in every
// rendering. Compared on percent agreement (pairwise) or Spearman (graded). Not the baselines' maths
// (TrivialBaselines.swift).
import Foundation


/// The judge against its best trivial baseline on one metric.
public struct BaselineVerdict: Sendable, Equatable {
    public let metric: String
    public let judgeValue: Double
    /// Lower end of the judge's interval, when a bootstrap ran.
    public let judgeCILow: Double?
    public let bestBaseline: String
    public let bestValue: Double
    /// The judge's point value exceeds the best baseline's.
    public var beatsBest: Bool { judgeValue > bestValue }
    /// The judge's whole interval lies above the best baseline (nil without an interval).
    public var clearlyBeatsBest: Bool? { judgeCILow.map { $0 > bestValue } }

    /// One sentence for reports.
    public var sentence: String {
        let j = AuditReport.format(judgeValue), b = AuditReport.format(bestValue)
        if !beatsBest {
            return "WARNING: the judge does NOT beat the trivial baseline \"\(bestBaseline)\" on \(metric) (judge \(j) ≤ baseline \(b))."
        }
        if clearlyBeatsBest == false {
            return "The judge beats the best trivial baseline \"\(bestBaseline)\" on \(metric) (\(j) > \(b)), but its interval reaches below it (CI low \(AuditReport.format(judgeCILow)))."
        }
        return "The judge beats the best trivial baseline \"\(bestBaseline)\" on \(metric) (\(j) > \(b))."
    }

    var json: [String: Any] {
        ["metric": metric, "judge_value": judgeValue, "judge_ci_low": judgeCILow.map { $0 as Any } ?? NSNull(),
         "best_baseline": bestBaseline, "best_value": bestValue, "judge_beats_best": beatsBest,
         "judge_ci_above_best": clearlyBeatsBest.map { $0 as Any } ?? NSNull()]
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
        return BaselineVerdict(metric: key, judgeValue: v, judgeCILow: m.ciLow, bestBaseline: name, bestValue: x)
    }
}
