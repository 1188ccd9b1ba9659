// AuditReport+HTML: a self-contained HTML page (no scripts, no external files) with inline SVG
// plots per criterion: confusion heatmap, judge-vs-human scatter, CI forest plot, score histograms.
import Foundation

extension AuditReport {
    /// The report as one HTML document.
    public func html() -> String {
        var h = """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Agreement audit: \(Self.escape(judge))</title>
            <style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}
            td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th:first-child,td:first-child{text-align:left}
            .plots{display:flex;flex-wrap:wrap;gap:16px}svg{background:#fafafa;border:1px solid #ddd}</style></head><body>
            <h1>Agreement audit: \(Self.escape(judge))</h1>
            <p>Human labels <code>\(Self.escape(humanFile))</code>; judge labels <code>\(Self.escape(judgeFile))</code> (\(kind.rawValue)).
            """
        if let b = bootstrap {
            h += " Intervals: \(intervalMethod.rawValue) bootstrap over items, \(b.replicates) resamples, seed \(b.seed), level \(b.level).</p>\n"
        } else {
            h += " No bootstrap intervals.</p>\n"
        }
        for c in criteria {
            h += "<h2>\(Self.escape(c.criterion.isEmpty ? "(no criterion)" : c.criterion))</h2>\n"
            h += "<p>\(c.itemCount) items; only human-labelled: \(c.onlyHuman.count); only judge-labelled: \(c.onlyJudge.count).</p>\n"
            h += "<table><tr><th>metric</th><th>value</th><th>CI low</th><th>CI high</th></tr>\n"
            for key in c.metricOrder {
                let m = c.metrics[key] ?? MetricValue(value: nil)
                h += "<tr><td>\(key)</td><td>\(Self.format(m.value))</td><td>\(Self.format(m.ciLow))</td><td>\(Self.format(m.ciHigh))</td></tr>\n"
            }
            h += "</table><p><small>human_human: \(Self.escape(c.humanHumanStatistic))</small></p>\n<div class=\"plots\">\n"
            if !c.confusion.isEmpty { h += Self.heatmap(c.confusion, labels: c.confusionLabels) }
            if c.kind == .graded { h += Self.scatter(x: c.humanScores, y: c.judgeScores) }
            h += Self.forest(c)
            h += Self.histograms(judge: c.judgeScores, human: c.humanScores)
            h += "</div>\n"
        }
        return h + "</body></html>\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Judge label (rows) × human label (columns) counts, darker = more.
    static func heatmap(_ m: [[Int]], labels: [String]) -> String {
        let n = labels.count, cell = 36.0, pad = 50.0
        let size = pad + cell * Double(n) + 10
        let peak = max(1, m.flatMap { $0 }.max() ?? 1)
        var s = "<svg width=\"\(f(size))\" height=\"\(f(size + 20))\" role=\"img\"><title>confusion: judge rows × human columns</title>"
        s += "<text x=\"\(f(pad))\" y=\"14\" font-size=\"12\">human →  (judge ↓)</text>"
        for (r, row) in m.enumerated() {
            for (c, v) in row.enumerated() where r < n && c < n {
                let shade = 1 - Double(v) / Double(peak)
                let g = Int(255 * shade)
                let x = pad + Double(c) * cell, y = pad + Double(r) * cell
                s += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"rgb(\(g),\(g),255)\" stroke=\"#fff\"/>"
                s += "<text x=\"\(f(x + cell / 2))\" y=\"\(f(y + cell / 2 + 4))\" font-size=\"11\" text-anchor=\"middle\" fill=\"\(shade < 0.5 ? "#fff" : "#000")\">\(v)</text>"
            }
        }
        for (i, l) in labels.enumerated() {
            s += "<text x=\"\(f(pad + Double(i) * cell + cell / 2))\" y=\"\(f(pad - 6))\" font-size=\"11\" text-anchor=\"middle\">\(escape(l))</text>"
            s += "<text x=\"\(f(pad - 6))\" y=\"\(f(pad + Double(i) * cell + cell / 2 + 4))\" font-size=\"11\" text-anchor=\"end\">\(escape(l))</text>"
        }
        return s + "</svg>\n"
    }

    /// Judge score (y) against mean human score (x).
    static func scatter(x: [Double], y: [Double]) -> String {
        let w = 300.0, pad = 35.0
        let all = x + y
        guard let lo = all.min(), let hi = all.max() else { return "" }
        let span = hi > lo ? hi - lo : 1
        func px(_ v: Double) -> Double { pad + (v - lo) / span * (w - 2 * pad) }
        func py(_ v: Double) -> Double { w - pad - (v - lo) / span * (w - 2 * pad) }
        var s = "<svg width=\"\(f(w))\" height=\"\(f(w))\" role=\"img\"><title>judge vs mean human score</title>"
        s += "<line x1=\"\(f(px(lo)))\" y1=\"\(f(py(lo)))\" x2=\"\(f(px(hi)))\" y2=\"\(f(py(hi)))\" stroke=\"#bbb\"/>"
        for (a, b) in zip(x, y) {
            s += "<circle cx=\"\(f(px(a)))\" cy=\"\(f(py(b)))\" r=\"2.5\" fill=\"#36c\" fill-opacity=\"0.35\"/>"
        }
        s += "<text x=\"\(f(w / 2))\" y=\"\(f(w - 8))\" font-size=\"11\" text-anchor=\"middle\">mean human score</text>"
        s += "<text x=\"12\" y=\"\(f(w / 2))\" font-size=\"11\" transform=\"rotate(-90 12 \(f(w / 2)))\" text-anchor=\"middle\">judge score</text>"
        return s + "</svg>\n"
    }

    /// Each metric's value with its interval on a common −1…1 axis.
    static func forest(_ c: CriterionReport) -> String {
        let rowH = 22.0, left = 170.0, width = 420.0
        let h = 30 + rowH * Double(c.metricOrder.count)
        let lo = -1.0, hi = max(1.0, c.metrics.values.compactMap { $0.ciHigh ?? $0.value }.max() ?? 1)
        func px(_ v: Double) -> Double { left + (min(max(v, lo), hi) - lo) / (hi - lo) * (width - left - 15) }
        var s = "<svg width=\"\(f(width))\" height=\"\(f(h))\" role=\"img\"><title>metrics with intervals</title>"
        s += "<line x1=\"\(f(px(0)))\" y1=\"10\" x2=\"\(f(px(0)))\" y2=\"\(f(h - 10))\" stroke=\"#bbb\"/>"
        s += "<line x1=\"\(f(px(1)))\" y1=\"10\" x2=\"\(f(px(1)))\" y2=\"\(f(h - 10))\" stroke=\"#ddd\"/>"
        for (i, key) in c.metricOrder.enumerated() {
            let y = 25 + rowH * Double(i)
            s += "<text x=\"5\" y=\"\(f(y + 4))\" font-size=\"11\">\(escape(key))</text>"
            guard let m = c.metrics[key], let v = m.value else {
                s += "<text x=\"\(f(left))\" y=\"\(f(y + 4))\" font-size=\"11\" fill=\"#999\">undefined</text>"
                continue
            }
            if let a = m.ciLow, let b = m.ciHigh {
                s += "<line x1=\"\(f(px(a)))\" y1=\"\(f(y))\" x2=\"\(f(px(b)))\" y2=\"\(f(y))\" stroke=\"#333\" stroke-width=\"1.5\"/>"
            }
            s += "<circle cx=\"\(f(px(v)))\" cy=\"\(f(y))\" r=\"4\" fill=\"#c33\"/>"
        }
        return s + "</svg>\n"
    }

    /// Histograms of judge and mean human scores on shared bins.
    static func histograms(judge: [Double], human: [Double]) -> String {
        let all = judge + human
        guard let lo = all.min(), let hi = all.max() else { return "" }
        let bins = min(12, max(1, Set(all).count))
        let span = hi > lo ? hi - lo : 1
        func counts(_ v: [Double]) -> [Int] {
            var c = [Int](repeating: 0, count: bins)
            for x in v { c[min(bins - 1, Int((x - lo) / span * Double(bins)))] += 1 }
            return c
        }
        let cj = counts(judge), ch = counts(human)
        let peak = Double(max(1, (cj + ch).max() ?? 1))
        let w = 320.0, h = 180.0, pad = 25.0
        let bw = (w - 2 * pad) / Double(bins)
        var s = "<svg width=\"\(f(w))\" height=\"\(f(h))\" role=\"img\"><title>score histograms: judge (red), humans (blue)</title>"
        for b in 0..<bins {
            let x = pad + Double(b) * bw
            let hj = Double(cj[b]) / peak * (h - 2 * pad), hh = Double(ch[b]) / peak * (h - 2 * pad)
            s += "<rect x=\"\(f(x + 1))\" y=\"\(f(h - pad - hh))\" width=\"\(f(bw / 2 - 1))\" height=\"\(f(hh))\" fill=\"#36c\"/>"
            s += "<rect x=\"\(f(x + bw / 2))\" y=\"\(f(h - pad - hj))\" width=\"\(f(bw / 2 - 1))\" height=\"\(f(hj))\" fill=\"#c33\"/>"
        }
        s += "<text x=\"\(f(pad))\" y=\"\(f(h - 8))\" font-size=\"11\">\(String(format: "%.2g", lo))</text>"
        s += "<text x=\"\(f(w - pad))\" y=\"\(f(h - 8))\" font-size=\"11\" text-anchor=\"end\">\(String(format: "%.2g", hi))</text>"
        s += "<text x=\"\(f(pad))\" y=\"14\" font-size=\"11\">humans (blue), judge (red)</text>"
        return s + "</svg>\n"
    }
}
