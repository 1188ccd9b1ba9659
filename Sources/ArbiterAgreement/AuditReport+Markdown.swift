// AuditReport+Markdown: the audit as a Markdown page (metric tables with intervals, the human
// baseline, trivial baselines, ids present on one side only). Not the JSON schema (AuditReport.swift).
import Foundation

extension AuditReport {
    /// Fixed-width rendering of a value; "undefined" for nil.
    static func format(_ v: Double?) -> String {
        guard let v else { return "undefined" }
        return String(format: "%.4f", v)
    }

    /// The report as Markdown.
    public func markdown() -> String {
        var md = "# Agreement audit: \(judge)\n\n"
        md += "- human labels: `\(humanFile)`\n- judge labels: `\(judgeFile)` (judge `\(judge)`, \(kind.rawValue))\n"
        if let b = bootstrap {
            md +=
                "- intervals: \(intervalMethod.rawValue) bootstrap over items, \(b.replicates) resamples, seed \(b.seed), level \(b.level)\n"
        } else {
            md += "- intervals: none (no bootstrap)\n"
        }
        if judges.count > 1 { md += "\n" + sideBySideMarkdown() }
        for j in judges {
            for c in j.criteria {
                let title = c.criterion.isEmpty ? "(no criterion)" : c.criterion
                md += "\n## \(judges.count > 1 ? "\(j.name) — \(title)" : title)\n\n"
                md += "\(c.itemCount) items labelled by both; human raters: \(c.humanRaters.joined(separator: ", ")).\n"
                md +=
                    "Only human-labelled: \(c.onlyHuman.count)\(Self.preview(c.onlyHuman)); only judge-labelled: \(c.onlyJudge.count)\(Self.preview(c.onlyJudge)).\n"
                md += "\(c.judgeFailures.sentence)\n\n"
                md += "| metric | value | CI low | CI high |\n|---|---:|---:|---:|\n"
                for key in c.metricOrder {
                    let m = c.metrics[key] ?? MetricValue(value: nil)
                    md += "| \(key) | \(Self.format(m.value)) | \(Self.format(m.ciLow)) | \(Self.format(m.ciHigh)) |\n"
                }
                md += "\n`human_human`: \(c.humanHumanStatistic).\n"
                if let t = c.judgeMinusHuman {
                    md += "\nJudge − human (paired bootstrap): \(Self.format(t.difference.estimate)) "
                    md +=
                        "[\(Self.format(t.difference.low)), \(Self.format(t.difference.high))], p = \(Self.format(t.pValue))\n"
                }
                if let s = c.summaryLevel {
                    md += "\nSummary-level (\(s.groupsUsed) of \(s.groups) groups used): "
                    md +=
                        s.mean.map { m in m.named.map { "\($0.name) \(Self.format($0.value))" }.joined(separator: ", ")
                        } ?? "undefined"
                    md += "\n"
                }
                if let s = c.systemLevel {
                    md += "\nSystem-level (\(s.systems) systems): "
                    md +=
                        s.correlations.named.map { "\($0.name) \(Self.format($0.value))" }.joined(separator: ", ")
                        + "\n"
                }
                if !c.baselines.isEmpty {
                    let keys = Array(Set(c.baselines.flatMap { $0.values.keys })).sorted()
                    md += "\n### Trivial baselines\n\n| baseline | " + keys.joined(separator: " | ") + " |\n|---|"
                    md += String(repeating: "---:|", count: keys.count) + "\n"
                    for b in c.baselines {
                        md +=
                            "| \(b.name) | "
                            + keys.map { k in b.values[k].map { Self.format($0) } ?? "n/a" }.joined(separator: " | ")
                            + " |\n"
                    }
                }
                if let v = c.baselineVerdict { md += "\n\(v.sentence)\n" }
                if let cal = c.calibration {
                    md += "\nCalibration (\(cal.items) items with a score distribution): expected calibration error "
                    md +=
                        "\(Self.format(cal.expectedCalibrationError)); mean expected score − human mean \(Self.format(cal.meanExpectedScoreBias)).\n"
                }
                if c.kind == .graded {
                    md +=
                        "\nScale rounding: \(c.judgeScoresRoundedToScale) of \(c.itemCount) judge scores were off the scale; \(Self.scaleRoundingRule).\n"
                }
                if let probes = c.biasProbes { md += Self.biasProbesMarkdown(probes) }
            }
        }
        return md
    }

    /// The bias probes as a subsection: a metric table per measured probe, else the reason.
    static func biasProbesMarkdown(_ probes: BiasProbes) -> String {
        var md = "\n### Bias probes\n"
        for (key, p) in probes.named {
            md += "\n**\(key)** — \(p.summary).\n"
            if let why = p.notMeasurable {
                md += "\n\(why).\n"
                continue
            }
            md += "\n| metric | value | CI low | CI high |\n|---|---:|---:|---:|\n"
            for k in p.metricOrder {
                let m = p.metrics[k] ?? MetricValue(value: nil)
                md += "| \(k) | \(format(m.value)) | \(format(m.ciLow)) | \(format(m.ciHigh)) |\n"
            }
            if !p.details.isEmpty {
                md +=
                    "\n" + p.details.keys.sorted().map { "\($0): \(p.details[$0] ?? "")" }.joined(separator: "; ")
                    + "\n"
            }
        }
        return md
    }

    /// Rows of (judge, criterion) against the metric columns, for audits of several judges.
    func sideBySideMarkdown() -> String {
        let keys = judges.first?.criteria.first?.metricOrder ?? []
        var md =
            "## Judges side by side\n\n| judge | criterion | " + keys.joined(separator: " | ")
            + " | beats baselines | failed judgments |\n|---|---|"
        md += String(repeating: "---:|", count: keys.count + 2) + "\n"
        for j in judges {
            for c in j.criteria {
                let beats = c.baselineVerdict.map { $0.beatsBest ? "yes" : "**NO**" } ?? "n/a"
                md +=
                    "| \(j.name) | \(c.criterion) | "
                    + keys.map { Self.format(c.metrics[$0]?.value) }.joined(separator: " | ")
                    + " | \(beats) | \(c.judgeFailures.share) |\n"
            }
        }
        return md
    }

    static func preview(_ ids: [String]) -> String {
        guard !ids.isEmpty else { return "" }
        let head = ids.prefix(10).joined(separator: ", ")
        return " (\(head)\(ids.count > 10 ? ", … all listed in the JSON report" : ""))"
    }
}
