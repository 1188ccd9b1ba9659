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
    /// Ids with human labels but no judgment, and the reverse (sorted, complete lists); ids whose
    /// judgment failed are in `judgeFailures`, not here.
    public internal(set) var onlyHuman: [String]
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
    /// Calibration of the judge's score distributions against the human mean (when the judge file
    /// holds `distribution` fields), else nil.
    public var calibration: CalibrationSummary? = nil
    /// Judge scores that were off the scale and snapped to the nearest level (ties to the lower) for
    /// the categorical statistics (graded; 0 when every score was on the scale).
    public var judgeScoresRoundedToScale: Int = 0
    /// Plot data: the judge scores snapped to the scale (graded), for the label histogram.
    public var judgeScoresOnScale: [Double]? = nil
    /// Bias probes (verbosity, self-preference), when computed.
    public var biasProbes: BiasProbes? = nil
    /// The judge's failed judgments (`score: null`) of this criterion, by failure kind.
    public internal(set) var judgeFailures = JudgeFailureSummary()

    /// Takes the failure summary; failed ids leave `onlyHuman` (they are failures, not missing).
    mutating func record(_ failures: JudgeFailureSummary) {
        judgeFailures = failures
        let failed = Set(failures.failedIDs)
        onlyHuman = onlyHuman.filter { !failed.contains($0) }
    }
}

/// A judge's failed judgments of one criterion: how many of its judgments failed, and why.
public struct JudgeFailureSummary: Sendable, Equatable {
    /// Judgments of this judge and criterion in the judge file (the later line of a repeated key).
    public let judgments: Int
    /// Those with no score (`"score": null`).
    public let failed: Int
    /// Failure kind (the judgment's `failure.kind`, e.g. "timeout"; "unknown" when none is given) → count.
    public let kinds: [String: Int]
    /// Ids with a human label whose judgment failed (sorted); every statistic leaves them out.
    public let failedIDs: [String]

    /// Share of failed judgments; nil when there are none at all.
    public var rate: Double? { judgments > 0 ? Double(failed) / Double(judgments) : nil }

    public init(judgments: Int = 0, failed: Int = 0, kinds: [String: Int] = [:], failedIDs: [String] = []) {
        self.judgments = judgments
        self.failed = failed
        self.kinds = kinds
        self.failedIDs = failedIDs
    }

    /// The summary of one judge's records of one criterion against the human-labelled ids.
    init(judgments records: [LabelRecord], humanIDs: Set<String>) {
        var kinds: [String: Int] = [:]
        var failedIDs: [String] = []
        for r in records where r.value == nil {
            kinds[r.failure ?? "unknown", default: 0] += 1
            if humanIDs.contains(r.id) { failedIDs.append(r.id) }
        }
        self.init(
            judgments: records.count, failed: kinds.values.reduce(0, +), kinds: kinds, failedIDs: failedIDs.sorted())
    }

    /// "4/7 (57.1%)", for the side-by-side tables.
    var share: String { "\(failed)/\(judgments)" + (rate.map { String(format: " (%.1f%%)", $0 * 100) } ?? "") }

    /// "Judge failures: 4 of 7 judgments (57.1%): timeout 2, unparseable 1; 3 human-labelled ids left out."
    var sentence: String {
        var s = "Judge failures: \(failed) of \(judgments) judgments"
        if let rate { s += String(format: " (%.1f%%)", rate * 100) }
        let ordered = kinds.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        if !ordered.isEmpty { s += ": " + ordered.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
        if !failedIDs.isEmpty {
            s +=
                "; \(failedIDs.count) human-labelled id(s) left out of every statistic\(AuditReport.preview(failedIDs))"
        }
        return s + "."
    }

    var json: [String: Any] {
        [
            "judgments": judgments, "failed": failed, "rate": rate.map { $0 as Any } ?? NSNull(),
            "kinds": kinds, "failed_ids": failedIDs, "failed_ids_count": failedIDs.count,
        ]
    }
}

/// One judge's audit: its name and one report per criterion.
public struct JudgeAudit: Sendable {
    public let name: String
    public let criteria: [CriterionReport]
}

/// The full audit of one or several judges against the same human labels.
public struct AuditReport: Sendable {
    public let humanFile: String
    public let judgeFile: String
    public let kind: LabelKind
    public let bootstrap: Bootstrap?
    public let intervalMethod: IntervalMethod
    /// Every audited judge, in name order (one unless the judge file holds several and none was named).
    public let judges: [JudgeAudit]

    /// The judge's name, or the names joined with ", " when several were audited.
    public var judge: String { judges.map(\.name).joined(separator: ", ") }
    /// The first judge's criteria (the only judge's in a single-judge audit).
    public var criteria: [CriterionReport] { judges.first?.criteria ?? [] }

    /// Required graded metric keys that pairwise (a/b/tie) audits do not report, with the reason.
    public static let notApplicableToPairwise: [String: String] = [
        "cohen_kappa_quadratic": "votes are nominal; unweighted cohen_kappa is reported instead",
        "spearman": "no order among a, b and tie", "kendall_tau_b": "no order among a, b and tie",
        "pearson": "votes are not numbers", "icc2_1": "votes are not numbers",
    ]

    static func criterionJSON(_ c: CriterionReport) -> [String: Any] {
        var o: [String: Any] = [
            "n_items": c.itemCount,
            "human_raters": c.humanRaters,
            "only_human_ids": c.onlyHuman, "only_human_count": c.onlyHuman.count,
            "only_judge_ids": c.onlyJudge, "only_judge_count": c.onlyJudge.count,
            "human_human_statistic": c.humanHumanStatistic,
        ]
        for (k, v) in c.metrics { o[k] = v.json }
        o["judge_failures"] = c.judgeFailures.json
        if c.kind == .pairwise {
            o["not_applicable"] = notApplicableToPairwise.mapValues { $0 as Any }
        }
        var b: [String: Any] = [:]
        for base in c.baselines { b[base.name] = base.values.mapValues { v -> Any in v.map { $0 as Any } ?? NSNull() } }
        o["baselines"] = b
        if let v = c.baselineVerdict { o["trivial_baseline_check"] = v.json }
        if let t = c.judgeMinusHuman {
            var j = MetricValue(value: t.difference.estimate, ciLow: t.difference.low, ciHigh: t.difference.high).json
            j["p_value"] = t.pValue.map { $0 as Any } ?? NSNull()
            o["judge_minus_human"] = j
        }
        if let s = c.summaryLevel {
            o["summary_level"] = [
                "groups": s.groups, "groups_used": s.groupsUsed,
                "mean": s.mean.map { Self.correlationsJSON($0) as Any } ?? NSNull(),
            ]
        }
        if let s = c.systemLevel {
            o["system_level"] = ["systems": s.systems, "correlations": Self.correlationsJSON(s.correlations)]
        }
        if let cal = c.calibration { o["calibration"] = cal.json }
        if c.kind == .graded {
            o["judge_scores_rounded_to_scale"] = c.judgeScoresRoundedToScale
            o["scale_rounding"] = AuditReport.scaleRoundingRule
        }
        if let b = c.biasProbes { o["bias_probes"] = b.json }
        return o
    }

    /// The report as a JSON object with stable (sorted) keys: `judges: {name: {criteria: {id: …}}}`,
    /// and, when one judge was audited, the same `criteria` object at the top level too.
    public var jsonObject: [String: Any] {
        var perJudge: [String: Any] = [:]
        for j in judges {
            var crit: [String: Any] = [:]
            for c in j.criteria { crit[c.criterion] = Self.criterionJSON(c) }
            perJudge[j.name] = ["criteria": crit]
        }
        var out: [String: Any] = [
            "arbiter_audit_version": 2,
            "human_file": humanFile, "judge_file": judgeFile, "judge": judge, "kind": kind.rawValue,
            "bootstrap": bootstrap.map {
                [
                    "replicates": $0.replicates, "seed": NSNumber(value: $0.seed),
                    "level": $0.level, "method": intervalMethod.rawValue,
                ] as [String: Any]
            } ?? NSNull(),
            "judges": perJudge,
        ]
        if judges.count == 1, let only = judges.first, let crit = perJudge[only.name] as? [String: Any] {
            out["criteria"] = crit["criteria"]
        }
        return out
    }

    /// How graded judge scores meet the categorical statistics (the reports print it).
    public static let scaleRoundingRule =
        "judge scores off the scale are snapped to the nearest scale level (ties to the lower level) for percent_agreement, cohen_kappa_quadratic, gwet_ac1, nominal/ordinal krippendorff_alpha and the confusion matrix; correlations, ICC and interval/ratio alpha use the raw scores"

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
