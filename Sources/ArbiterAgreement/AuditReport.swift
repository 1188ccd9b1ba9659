// AuditReport: the result of an agreement audit — per criterion, each metric as {value, ci_low,
// ci_high}, the human-human baseline, the judge/human ratio, trivial baselines, ids on one side only,
// and the data the plots need; rendered as JSON with stable keys. Markdown/HTML: AuditReport+*.swift.
import Foundation

/// A metric with its bootstrap interval (bounds nil without bootstrap or when undefined).
public struct MetricValue: Sendable, Equatable {
    public let value: Double?
    public let ciLow: Double?
    public let ciHigh: Double?

    public init(value: Double?, ciLow: Double? = nil, ciHigh: Double? = nil) {
        self.value = value
        self.ciLow = ciLow
        self.ciHigh = ciHigh
    }

    var json: [String: Any] {
        func j(_ v: Double?) -> Any { v.map { $0 as Any } ?? NSNull() }
        return ["value": j(value), "ci_low": j(ciLow), "ci_high": j(ciHigh)]
    }
}

/// One trivial baseline's numbers (same metric keys as the judge where they apply).
public struct BaselineResult: Sendable, Equatable {
    public let name: String
    public let values: [String: Double?]
}

/// The audit of one criterion.
public struct CriterionReport: Sendable {
    /// Criterion id ("" when the files name none).
    public let criterion: String
    public let kind: LabelKind
    /// Items labelled by humans and the judge.
    public let itemCount: Int
    public let humanRaters: [String]
    /// Ids with human labels but no usable judge label, and the reverse (sorted, complete lists).
    public let onlyHuman: [String]
    public let onlyJudge: [String]
    /// Metric key → value with interval; keys in `metricOrder`.
    public let metrics: [String: MetricValue]
    public let metricOrder: [String]
    /// What `human_human` and `judge_vs_human_ratio` measure.
    public let humanHumanStatistic: String
    public let baselines: [BaselineResult]
    /// Paired bootstrap test of (judge vs humans) − (human vs humans) on the `human_human` statistic;
    /// nil without bootstrap or with fewer than two human raters (graded).
    public let judgeMinusHuman: PairedBootstrapTest?
    public let summaryLevel: GroupedCorrelations?
    public let systemLevel: SystemLevelCorrelations?
    /// Plot data: judge score and mean human score per shared item (graded; vote index for pairwise).
    public let judgeScores: [Double]
    public let humanScores: [Double]
    /// Confusion counts judge (rows) × human labels (columns) over `confusionLabels`.
    public let confusion: [[Int]]
    public let confusionLabels: [String]
}

/// The full audit.
public struct AuditReport: Sendable {
    public let humanFile: String
    public let judgeFile: String
    public let judge: String
    public let kind: LabelKind
    public let bootstrap: Bootstrap?
    public let intervalMethod: IntervalMethod
    public let criteria: [CriterionReport]

    /// The report as a JSON object with stable (sorted) keys.
    public var jsonObject: [String: Any] {
        var crit: [String: Any] = [:]
        for c in criteria {
            var o: [String: Any] = [
                "n_items": c.itemCount,
                "human_raters": c.humanRaters,
                "only_human_ids": c.onlyHuman, "only_human_count": c.onlyHuman.count,
                "only_judge_ids": c.onlyJudge, "only_judge_count": c.onlyJudge.count,
                "human_human_statistic": c.humanHumanStatistic,
            ]
            for (k, v) in c.metrics { o[k] = v.json }
            var b: [String: Any] = [:]
            for base in c.baselines { b[base.name] = base.values.mapValues { v -> Any in v.map { $0 as Any } ?? NSNull() } }
            o["baselines"] = b
            if let t = c.judgeMinusHuman {
                var j = MetricValue(value: t.difference.estimate, ciLow: t.difference.low, ciHigh: t.difference.high).json
                j["p_value"] = t.pValue.map { $0 as Any } ?? NSNull()
                o["judge_minus_human"] = j
            }
            if let s = c.summaryLevel {
                o["summary_level"] = ["groups": s.groups, "groups_used": s.groupsUsed,
                                      "mean": s.mean.map { Self.correlationsJSON($0) as Any } ?? NSNull()]
            }
            if let s = c.systemLevel {
                o["system_level"] = ["systems": s.systems, "correlations": Self.correlationsJSON(s.correlations)]
            }
            crit[c.criterion] = o
        }
        return [
            "arbiter_audit_version": 1,
            "human_file": humanFile, "judge_file": judgeFile, "judge": judge, "kind": kind.rawValue,
            "bootstrap": bootstrap.map { ["replicates": $0.replicates, "seed": NSNumber(value: $0.seed),
                                          "level": $0.level, "method": intervalMethod.rawValue] as [String: Any] } ?? NSNull(),
            "criteria": crit,
        ]
    }

    static func correlationsJSON(_ c: Correlations) -> [String: Any] {
        var o: [String: Any] = [:]
        for (k, v) in c.named { o[k] = v.map { $0 as Any } ?? NSNull() }
        return o
    }

    /// Pretty-printed JSON with sorted keys (byte-stable for the same inputs and seed).
    public func jsonData() throws -> Data {
        try JSONSerialization.data(withJSONObject: jsonObject, options: [.prettyPrinted, .sortedKeys])
    }
}
