// TrustGate: a typed pass/fail rule over an audit, for reward code that must only trust a judge the
// audit vouches for — e.g. Krippendorff's α ≥ 0.6 and the judge at ≥ 90 % of the human-human
// baseline — with the evidence (every threshold, the value and its interval). Parsed from a short
// spec ("alpha>=0.6,ratio>=0.9") for the CLI. Not a statistic; it reads AuditReport values only.
import Foundation

/// Pass/fail thresholds on audit metrics, validated in `init`.
public struct TrustGate: Sendable, Equatable {
    /// One threshold: `metric` (an audit metric key) must be ≥ `minimum`.
    public struct Requirement: Sendable, Equatable {
        public let metric: String
        public let minimum: Double
        /// Compare the interval's lower bound instead of the point value (fails when no interval).
        public let onLowerBound: Bool

        public init(metric: String, minimum: Double, onLowerBound: Bool = false) throws {
            guard !metric.isEmpty, minimum.isFinite else {
                throw AuditError.invalidOption(
                    "a gate threshold needs a metric name and a finite minimum (got \(metric) >= \(minimum))")
            }
            self.metric = metric
            self.minimum = minimum
            self.onLowerBound = onLowerBound
        }
    }

    public let requirements: [Requirement]
    /// Also require the judge to beat its best trivial baseline (AuditReport+Baselines.swift).
    public let mustBeatTrivialBaselines: Bool

    public init(requirements: [Requirement], mustBeatTrivialBaselines: Bool = false) throws {
        guard !requirements.isEmpty || mustBeatTrivialBaselines else {
            throw AuditError.invalidOption("a trust gate needs at least one threshold")
        }
        self.requirements = requirements
        self.mustBeatTrivialBaselines = mustBeatTrivialBaselines
    }

    /// The common gate: α (and/or the judge/human ratio) at least these values; nil = not checked.
    public init(
        minimumAlpha: Double? = nil, minimumFractionOfHumanBaseline: Double? = nil,
        onLowerBound: Bool = false, mustBeatTrivialBaselines: Bool = false
    ) throws {
        var r: [Requirement] = []
        if let a = minimumAlpha {
            r.append(try Requirement(metric: "krippendorff_alpha", minimum: a, onLowerBound: onLowerBound))
        }
        if let f = minimumFractionOfHumanBaseline {
            r.append(try Requirement(metric: "judge_vs_human_ratio", minimum: f, onLowerBound: onLowerBound))
        }
        try self.init(requirements: r, mustBeatTrivialBaselines: mustBeatTrivialBaselines)
    }

    /// Short names accepted in a spec, besides every metric key.
    public static let aliases: [String: String] = [
        "alpha": "krippendorff_alpha", "ratio": "judge_vs_human_ratio", "ac1": "gwet_ac1",
        "agreement": "percent_agreement",
        "kappa_quadratic": "cohen_kappa_quadratic", "kappa": "cohen_kappa", "icc": "icc2_1", "tau": "kendall_tau_b",
    ]

    /// Parses "alpha>=0.6,ratio>=0.9,spearman.ci_low>=0.3,baselines" (`.ci_low` = on the interval's
    /// lower bound; `baselines` = must beat the best trivial baseline).
    public init(parsing spec: String) throws {
        var r: [Requirement] = []
        var beat = false
        for raw in spec.split(separator: ",") {
            let part = raw.trimmingCharacters(in: .whitespaces)
            if part == "baselines" {
                beat = true
                continue
            }
            let sides = part.components(separatedBy: ">=")
            guard sides.count == 2, let minimum = Double(sides[1].trimmingCharacters(in: .whitespaces)) else {
                throw AuditError.invalidOption(
                    "gate term \"\(part)\" must look like alpha>=0.6, ratio>=0.9, spearman.ci_low>=0.3 or baselines")
            }
            var name = sides[0].trimmingCharacters(in: .whitespaces)
            let low = name.hasSuffix(".ci_low")
            if low { name.removeLast(".ci_low".count) }
            r.append(try Requirement(metric: Self.aliases[name] ?? name, minimum: minimum, onLowerBound: low))
        }
        try self.init(requirements: r, mustBeatTrivialBaselines: beat)
    }

    /// Checks every requirement on every (judge, criterion) of the report.
    public func evaluate(_ report: AuditReport) -> TrustGateResult {
        var checks: [TrustGateResult.Check] = []
        for j in report.judges {
            for c in j.criteria {
                for req in requirements {
                    let m = c.metrics[req.metric]
                    let compared = req.onLowerBound ? m?.ciLow : m?.value
                    var why = ""
                    if m == nil {
                        why =
                            "metric \(req.metric) is not reported for \(c.kind.rawValue) data (keys: \(c.metricOrder.joined(separator: ", ")))"
                    } else if compared == nil {
                        why = req.onLowerBound ? "no interval (run with a bootstrap)" : "undefined"
                    }
                    checks.append(
                        .init(
                            judge: j.name, criterion: c.criterion, metric: req.metric,
                            threshold: req.minimum, onLowerBound: req.onLowerBound, value: m?.value, ciLow: m?.ciLow,
                            ciHigh: m?.ciHigh, passed: compared.map { $0 >= req.minimum } ?? false, note: why))
                }
                if mustBeatTrivialBaselines {
                    let v = c.baselineVerdict
                    checks.append(
                        .init(
                            judge: j.name, criterion: c.criterion, metric: "beats_trivial_baselines",
                            threshold: v?.bestValue ?? .nan, onLowerBound: false, value: v?.judgeValue,
                            ciLow: v?.judgeCILow, ciHigh: nil, passed: v?.beatsBest ?? false,
                            note: v.map { "best baseline \($0.bestBaseline) on \($0.metric)" }
                                ?? "no baseline comparison available"))
                }
            }
        }
        return TrustGateResult(checks: checks)
    }
}

/// The gate's verdict with its evidence.
public struct TrustGateResult: Sendable, Equatable {
    public struct Check: Sendable, Equatable {
        public let judge: String
        public let criterion: String
        public let metric: String
        public let threshold: Double
        public let onLowerBound: Bool
        public let value: Double?
        public let ciLow: Double?
        public let ciHigh: Double?
        public let passed: Bool
        /// Why a check could not pass on numbers (undefined metric, no interval, …); "" otherwise.
        public let note: String
    }

    public let checks: [Check]
    /// Every check passed (and there was at least one).
    public var passed: Bool { !checks.isEmpty && checks.allSatisfy(\.passed) }

    /// One line per check, then the verdict.
    public var summary: String {
        var lines = checks.map { c -> String in
            let on = c.onLowerBound ? "\(c.metric).ci_low" : c.metric
            var ci = ""
            if let l = c.ciLow, let h = c.ciHigh { ci = " [\(AuditReport.format(l)), \(AuditReport.format(h))]" }
            let crit = c.criterion.isEmpty ? "" : "/\(c.criterion)"
            return
                "\(c.passed ? "PASS" : "FAIL") \(c.judge)\(crit): \(on) = \(AuditReport.format(c.value))\(ci), needs ≥ \(AuditReport.format(c.threshold))"
                + (c.note.isEmpty ? "" : " (\(c.note))")
        }
        lines.append("trust gate: \(passed ? "PASSED" : "FAILED")")
        return lines.joined(separator: "\n")
    }
}
