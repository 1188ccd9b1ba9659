// AuditReport+HTML: a self-contained page (no scripts, no external files; well-formed XHTML) holding
// everything the Markdown holds — metric tables with intervals, the judge − human paired test,
// summary/system levels, trivial baselines with the "does the judge beat them" verdict, calibration —
// plus inline SVG plots (AuditReport+SVG.swift). Several judges get a side-by-side table first.
import Foundation

extension AuditReport {
    /// The generator the HTML report names in its head (`<meta name="generator">`), so the CLI
    /// recognises its own report and refreshes it without --force.
    package static let generator = "arbiter audit"

    /// The report as one HTML document.
    public func html() -> String {
        var h = """
            <!DOCTYPE html>
            <html lang="en" xmlns="http://www.w3.org/1999/xhtml"><head><meta charset="utf-8"/><meta name="generator" content="\(Self.generator)"/><title>Agreement audit: \(Self.escape(judge))</title>
            <style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:.5em 0}
            td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th:first-child,td:first-child{text-align:left}
            .plots{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}svg{background:#fafafa;border:1px solid #ddd}
            .sbs td,.sbs th{white-space:nowrap;font-size:.85em}.warn{background:#fde2e2;border:1px solid #c33;padding:6px 10px;font-weight:bold}.ok{background:#e5f5e5;border:1px solid #393;padding:6px 10px}</style></head><body>
            <h1>Agreement audit: \(Self.escape(judge))</h1>
            <p>Human labels <code>\(Self.escape(humanFile))</code>; judge labels <code>\(Self.escape(judgeFile))</code> (\(kind.rawValue)).
            """
        if let b = bootstrap {
            h +=
                " Intervals: \(intervalMethod.rawValue) bootstrap over items, \(b.replicates) resamples, seed \(b.seed), level \(b.level).</p>\n"
        } else {
            h += " No bootstrap intervals.</p>\n"
        }
        if judges.count > 1 { h += sideBySideHTML() }
        for j in judges {
            for c in j.criteria { h += Self.criterionHTML(c, judge: j.name, several: judges.count > 1) }
        }
        return h + "</body></html>\n"
    }

    func sideBySideHTML() -> String {
        let keys = judges.first?.criteria.first?.metricOrder ?? []
        var h =
            "<h2 id=\"side-by-side\">Judges side by side</h2>\n<div style=\"overflow-x:auto\"><table class=\"sbs\"><tr><th>judge</th><th>criterion</th>"
        h +=
            keys.map { "<th>\(Self.escape($0))</th>" }.joined()
            + "<th>beats trivial baselines</th><th>failed judgments</th></tr>\n"
        for j in judges {
            for c in j.criteria {
                let beats = c.baselineVerdict.map { $0.beatsBest ? "yes" : "<b style=\"color:#c33\">NO</b>" } ?? "n/a"
                h += "<tr><td>\(Self.escape(j.name))</td><td>\(Self.escape(c.criterion))</td>"
                h += keys.map { k in "<td>\(Self.cell(c.metrics[k]))</td>" }.joined() + "<td>\(beats)</td>"
                h += "<td>\(Self.escape(c.judgeFailures.share))</td></tr>\n"
            }
        }
        return h + "</table></div>\n"
    }

    /// "0.8123 [0.79, 0.83]" or "undefined".
    static func cell(_ m: MetricValue?) -> String {
        guard let m, let v = m.value else { return "undefined" }
        guard let a = m.ciLow, let b = m.ciHigh else { return String(format: "%.4f", v) }
        return String(format: "%.4f<br/><small>[%.3f, %.3f]</small>", v, a, b)
    }

    static func criterionHTML(_ c: CriterionReport, judge: String, several: Bool) -> String {
        let title = c.criterion.isEmpty ? "(no criterion)" : c.criterion
        var h = "<h2>\(escape(several ? "\(judge) — \(title)" : title))</h2>\n"
        h +=
            "<p>\(c.itemCount) items labelled by both; human raters: \(escape(c.humanRaters.joined(separator: ", "))).<br/>"
        h +=
            "Only human-labelled: \(c.onlyHuman.count)\(escape(preview(c.onlyHuman))); only judge-labelled: \(c.onlyJudge.count)\(escape(preview(c.onlyJudge))).<br/>"
        h += "\(escape(c.judgeFailures.sentence))</p>\n"
        if let v = c.baselineVerdict {
            h += "<p class=\"\(v.beatsBest ? "ok" : "warn")\">\(escape(v.sentence))</p>\n"
        }
        h += "<h3>Metrics</h3>\n<table><tr><th>metric</th><th>value</th><th>CI low</th><th>CI high</th></tr>\n"
        for key in c.metricOrder {
            let m = c.metrics[key] ?? MetricValue(value: nil)
            h +=
                "<tr><td>\(escape(key))</td><td>\(format(m.value))</td><td>\(format(m.ciLow))</td><td>\(format(m.ciHigh))</td></tr>\n"
        }
        h += "</table>\n<p><small>human_human: \(escape(c.humanHumanStatistic)).</small></p>\n"
        if c.kind == .pairwise {
            h += "<p><small>Not applicable to a/b/tie votes: "
            h += notApplicableToPairwise.keys.sorted().map { "\($0) (\(escape(notApplicableToPairwise[$0] ?? "")))" }
                .joined(separator: "; ")
            h += ".</small></p>\n"
        }
        h += "<h3>Judge − human</h3>\n"
        if let t = c.judgeMinusHuman {
            h += "<p>Paired bootstrap of (judge vs humans) − (human vs humans) on the human_human statistic: "
            h +=
                "<b>\(format(t.difference.estimate))</b> [\(format(t.difference.low)), \(format(t.difference.high))], p = \(format(t.pValue)).</p>\n"
        } else {
            h += "<p>No paired test (needs a bootstrap and at least two human raters).</p>\n"
        }
        if let s = c.summaryLevel {
            h += "<p>Summary-level (\(s.groupsUsed) of \(s.groups) groups used): "
            h +=
                escape(
                    s.mean.map { m in m.named.map { "\($0.name) \(format($0.value))" }.joined(separator: ", ") }
                        ?? "undefined") + "</p>\n"
        }
        if let s = c.systemLevel {
            h += "<p>System-level (\(s.systems) systems): "
            h +=
                escape(s.correlations.named.map { "\($0.name) \(format($0.value))" }.joined(separator: ", ")) + "</p>\n"
        }
        h += "<h3>Trivial baselines</h3>\n"
        if c.baselines.isEmpty {
            h += "<p>None.</p>\n"
        } else {
            let keys = Array(Set(c.baselines.flatMap { $0.values.keys })).sorted()
            h += "<table><tr><th>baseline</th>" + keys.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
            h +=
                "<tr><td><b>judge</b></td>" + keys.map { "<td><b>\(format(c.metrics[$0]?.value))</b></td>" }.joined()
                + "</tr>\n"
            for b in c.baselines {
                h +=
                    "<tr><td>\(escape(b.name))</td>"
                    + keys.map { k in "<td>\(b.values[k].map { format($0) } ?? "n/a")</td>" }.joined() + "</tr>\n"
            }
            h += "</table>\n"
            if !c.baselines.contains(where: { $0.name.hasPrefix("longer") || $0.name.hasPrefix("longest") }) {
                h += "<p><small>Length baselines need a samples file with the responses (--samples).</small></p>\n"
            }
        }
        if let cal = c.calibration {
            h += "<h3>Calibration</h3>\n<p>\(cal.items) items with a score distribution; expected calibration error "
            h +=
                "<b>\(format(cal.expectedCalibrationError))</b>; mean expected score − human mean \(format(cal.meanExpectedScoreBias)).</p>\n"
        }
        if c.kind == .graded {
            h +=
                "<p><small>Scale rounding: \(c.judgeScoresRoundedToScale) of \(c.itemCount) judge scores were off the scale; \(escape(scaleRoundingRule)).</small></p>\n"
        }
        if let probes = c.biasProbes { h += biasProbesHTML(probes) }
        h += "<h3>Plots</h3>\n<div class=\"plots\">\n"
        if !c.confusion.isEmpty { h += heatmap(c.confusion, labels: c.confusionLabels) }
        if c.kind == .graded { h += scatter(x: c.humanScores, y: c.judgeScores) }
        h += forest(c)
        h += histogram(c)
        if let cal = c.calibration { h += reliability(cal) }
        return h + "</div>\n"
    }

    /// The bias probes: a metric table per measured probe, else the reason it was not measurable.
    static func biasProbesHTML(_ probes: BiasProbes) -> String {
        var h = "<h3>Bias probes</h3>\n"
        for (key, p) in probes.named {
            h += "<h4>\(escape(key))</h4>\n<p><small>\(escape(p.summary)).</small></p>\n"
            if let why = p.notMeasurable {
                h += "<p><i>\(escape(why)).</i></p>\n"
                continue
            }
            h += "<table><tr><th>metric</th><th>value</th><th>CI low</th><th>CI high</th></tr>\n"
            for k in p.metricOrder {
                let m = p.metrics[k] ?? MetricValue(value: nil)
                h +=
                    "<tr><td>\(escape(k))</td><td>\(format(m.value))</td><td>\(format(m.ciLow))</td><td>\(format(m.ciHigh))</td></tr>\n"
            }
            h += "</table>\n"
            if !p.details.isEmpty {
                h +=
                    "<p><small>"
                    + escape(p.details.keys.sorted().map { "\($0): \(p.details[$0] ?? "")" }.joined(separator: "; "))
                    + "</small></p>\n"
            }
        }
        return h
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
