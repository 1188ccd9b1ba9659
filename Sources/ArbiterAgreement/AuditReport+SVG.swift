// AuditReport+SVG: the inline SVG plots of the HTML report — confusion heatmap (rows = human label,
// columns = judge label, counts and a colour legend), judge-vs-human-mean scatter with axes, forest
// plot of every metric with ticks, whiskers and printed values, per-category histograms, and the
// calibration reliability diagram. Pure string building; no layout engine.
import Foundation

extension AuditReport {
    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Tick label: integers without a decimal point, else up to two decimals.
    static func tick(_ v: Double) -> String {
        guard v != v.rounded() || abs(v) >= 1e15 else { return String(Int(v)) }
        guard abs(v) < 1e15 else { return String(format: "%.3g", v) }
        var t = String(format: "%.2f", v)
        while t.hasSuffix("0") { t.removeLast() }
        return t
    }

    /// Label of a score level, as the graded confusion labels are written.
    static func levelLabel(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }

    static func text(
        _ x: Double, _ y: Double, _ s: String, size: Int = 11, anchor: String = "start", extra: String = ""
    ) -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\"\(extra)>\(escape(s))</text>"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ stroke: String, width: Double = 1)
        -> String
    {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(f(width))\"/>"
    }

    /// Colour of a count: white (0) to dark blue (peak).
    static func shade(_ v: Int, peak: Int) -> (fill: String, dark: Bool) {
        let t = Double(v) / Double(max(peak, 1))
        let r = Int(255 - 215 * t)
        let g = Int(255 - 175 * t)
        let b = Int(255 - 55 * t)
        return ("rgb(\(r),\(g),\(b))", t > 0.55)
    }

    /// Confusion counts: rows = human label, columns = judge label (`m` is judge × human).
    static func heatmap(_ m: [[Int]], labels: [String]) -> String {
        let n = labels.count
        let cell = 40.0
        let left = 70.0
        let top = 62.0
        let w = left + cell * Double(n) + 90
        let h = top + cell * Double(n) + 20
        let peak = max(1, m.flatMap { $0 }.max() ?? 1)
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(w))\" height=\"\(f(h))\" role=\"img\"><title>confusion counts: rows human label, columns judge label</title>"
        s += text(8, 16, "Confusion counts (human × judge)", size: 13, extra: " font-weight=\"bold\"")
        s += text(left + cell * Double(n) / 2, 34, "judge label →", anchor: "middle")
        let midY = top + cell * Double(n) / 2
        s += text(16, midY, "human label →", anchor: "middle", extra: " transform=\"rotate(90 16 \(f(midY)))\"")
        for hr in 0..<n {
            for jc in 0..<n {
                let v = jc < m.count && hr < m[jc].count ? m[jc][hr] : 0
                let (fill, dark) = shade(v, peak: peak)
                let x = left + Double(jc) * cell
                let y = top + Double(hr) * cell
                s +=
                    "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"\(fill)\" stroke=\"\(hr == jc ? "#393" : "#fff")\" stroke-width=\"\(hr == jc ? 2 : 1)\"/>"
                s += text(
                    x + cell / 2, y + cell / 2 + 4, "\(v)", anchor: "middle",
                    extra: " fill=\"\(dark ? "#fff" : "#000")\"")
            }
        }
        for (i, l) in labels.enumerated() {
            s += text(left + Double(i) * cell + cell / 2, top - 6, l, anchor: "middle")
            s += text(left - 6, top + Double(i) * cell + cell / 2 + 4, l, anchor: "end")
        }
        // Colour legend: five swatches from 0 to the peak count.
        let lx = left + cell * Double(n) + 20
        s += text(lx, top - 6, "count")
        for k in 0..<5 {
            let v = Int((Double(peak) * Double(4 - k) / 4).rounded())
            let y = top + Double(k) * 18
            s +=
                "<rect x=\"\(f(lx))\" y=\"\(f(y))\" width=\"16\" height=\"16\" fill=\"\(shade(v, peak: peak).fill)\" stroke=\"#999\"/>"
            s += text(lx + 22, y + 12, "\(v)")
        }
        return s + "</svg>\n"
    }

    /// Ticks at round steps covering [lo, hi].
    static func ticks(_ lo: Double, _ hi: Double, target: Int = 5) -> [Double] {
        let span = max(hi - lo, 1e-9)
        let raw = span / Double(target)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
        var out: [Double] = []
        var t = (lo / step).rounded(.up) * step
        guard step.isFinite, step > 0, t.isFinite else { return [lo, hi].filter(\.isFinite) }
        while t <= hi + step * 1e-9 && out.count < 50 {
            out.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return out
    }

    /// Judge score (y) against mean human score (x), with the identity line and ticked axes.
    static func scatter(x: [Double], y: [Double]) -> String {
        let w = 340.0
        let left = 45.0
        let bottom = 40.0
        let top = 28.0
        let right = 12.0
        let all = x + y
        guard var lo = all.min(), var hi = all.max() else { return "" }
        if hi == lo {
            lo -= 1
            hi += 1
        }
        func px(_ v: Double) -> Double { left + (v - lo) / (hi - lo) * (w - left - right) }
        func py(_ v: Double) -> Double { w - bottom - (v - lo) / (hi - lo) * (w - bottom - top) }
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(w))\" height=\"\(f(w))\" role=\"img\"><title>judge score vs mean human score</title>"
        s += text(8, 16, "Judge vs mean human score (\(x.count) items)", size: 13, extra: " font-weight=\"bold\"")
        s += line(px(lo), py(lo), px(hi), py(lo), "#333") + line(px(lo), py(lo), px(lo), py(hi), "#333")
        for t in ticks(lo, hi) {
            s +=
                line(px(t), py(lo), px(t), py(lo) + 4, "#333")
                + text(px(t), py(lo) + 16, tick(t), size: 10, anchor: "middle")
            s +=
                line(px(lo) - 4, py(t), px(lo), py(t), "#333")
                + text(px(lo) - 6, py(t) + 3, tick(t), size: 10, anchor: "end")
        }
        s += line(px(lo), py(lo), px(hi), py(hi), "#bbb")
        for (a, b) in zip(x, y) {
            s += "<circle cx=\"\(f(px(a)))\" cy=\"\(f(py(b)))\" r=\"2.5\" fill=\"#36c\" fill-opacity=\"0.35\"/>"
        }
        s += text((px(lo) + px(hi)) / 2, w - 6, "mean human score", anchor: "middle")
        s += text(12, w / 2, "judge score", anchor: "middle", extra: " transform=\"rotate(-90 12 \(f(w / 2)))\"")
        return s + "</svg>\n"
    }

    /// Each metric as a point with its interval whisker on a ticked axis; the value is printed.
    static func forest(_ c: CriterionReport) -> String {
        let rowH = 24.0
        let left = 160.0
        let plotW = 300.0
        let valueW = 170.0
        let top = 46.0
        let h = top + rowH * Double(c.metricOrder.count) + 30
        let ends = c.metrics.values.flatMap { [$0.ciLow, $0.value, $0.ciHigh].compactMap { $0 } }
        let lo = min(0, ((ends.min() ?? 0) * 2).rounded(.down) / 2)
        let hi = max(1, ((ends.max() ?? 1) * 4).rounded(.up) / 4)
        func px(_ v: Double) -> Double { left + (min(max(v, lo), hi) - lo) / (hi - lo) * plotW }
        let w = left + plotW + valueW
        let axisY = top + rowH * Double(c.metricOrder.count)
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(w))\" height=\"\(f(h))\" role=\"img\"><title>metrics with intervals</title>"
        s += text(
            8, 16,
            "Metrics with \(c.metrics.values.contains { $0.ciLow != nil } ? "bootstrap intervals" : "no intervals (no bootstrap)")",
            size: 13, extra: " font-weight=\"bold\"")
        s += text(left + plotW + 10, top - 14, "value [CI]", size: 11)
        for t in ticks(lo, hi, target: 6) {
            s += line(px(t), top - 8, px(t), axisY, t == 0 ? "#999" : "#e4e4e4")
            s +=
                line(px(t), axisY, px(t), axisY + 4, "#333")
                + text(px(t), axisY + 16, tick(t), size: 10, anchor: "middle")
        }
        s += line(px(lo), axisY, px(hi), axisY, "#333")
        for (i, key) in c.metricOrder.enumerated() {
            let y = top + rowH * Double(i) + rowH / 2 - 4
            s += text(5, y + 4, key)
            guard let m = c.metrics[key], let v = m.value else {
                s += text(left + plotW + 10, y + 4, "undefined", extra: " fill=\"#999\"")
                continue
            }
            if let a = m.ciLow, let b = m.ciHigh {
                s += line(px(a), y, px(b), y, "#333", width: 1.5)
                s +=
                    line(px(a), y - 5, px(a), y + 5, "#333", width: 1.5)
                    + line(px(b), y - 5, px(b), y + 5, "#333", width: 1.5)
                s += text(left + plotW + 10, y + 4, String(format: "%.3f [%.3f, %.3f]", v, a, b))
            } else {
                s += text(left + plotW + 10, y + 4, String(format: "%.3f", v))
            }
            s += "<circle cx=\"\(f(px(v)))\" cy=\"\(f(y))\" r=\"4\" fill=\"#c33\"/>"
        }
        return s + "</svg>\n"
    }

    /// Shares of judge labels and of human labels per category (pairwise votes, score levels), or per
    /// bin of width 0.5 (or a tenth of the range) when scores are means off a fixed scale.
    static func histogram(_ c: CriterionReport) -> String {
        var labels: [String] = []
        var judgeCounts: [Int] = []
        var humanCounts: [Int] = []
        var note = "share of human labels"
        if !c.confusion.isEmpty {
            labels = c.confusionLabels
            humanCounts = labels.indices.map { h in c.confusion.reduce(0) { $0 + (h < $1.count ? $1[h] : 0) } }
            judgeCounts = [Int](repeating: 0, count: labels.count)
            for v in c.judgeScoresOnScale ?? c.judgeScores {  // snapped to the scale, as the confusion matrix
                let i = c.kind == .pairwise ? Int(v) : (labels.firstIndex(of: levelLabel(v)) ?? -1)
                if labels.indices.contains(i) { judgeCounts[i] += 1 }
            }
        } else {
            let all = c.judgeScores + c.humanScores
            guard let mn = all.min(), let mx = all.max() else { return "" }
            let lo = mn.rounded(.down)
            let hi = max(mx.rounded(.up), lo + 1)
            let width = hi - lo <= 10 ? 0.5 : (hi - lo) / 10
            guard width.isFinite, width > 0 else { return "" }
            let bins = max(1, Int(((hi - lo) / width).rounded(.up)))
            func bin(_ v: Double) -> Int { min(bins - 1, max(0, Int(min(Double(bins), max(0, (v - lo) / width))))) }
            judgeCounts = [Int](repeating: 0, count: bins)
            humanCounts = judgeCounts
            for v in c.judgeScores { judgeCounts[bin(v)] += 1 }
            for v in c.humanScores { humanCounts[bin(v)] += 1 }
            labels = (0..<bins).map { "\(tick(lo + Double($0) * width))–\(tick(lo + Double($0 + 1) * width))" }
            note = "share of items (human mean)"
        }
        let jt = Double(max(1, judgeCounts.reduce(0, +)))
        let ht = Double(max(1, humanCounts.reduce(0, +)))
        let js = judgeCounts.map { Double($0) / jt }
        let hs = humanCounts.map { Double($0) / ht }
        let peak = max(0.05, ((js + hs).max() ?? 1) * 10).rounded(.up) / 10
        let left = 45.0
        let top = 46.0
        let plotH = 170.0
        let group = max(34.0, 460.0 / Double(max(labels.count, 1)))
        let w = left + group * Double(labels.count) + 15
        let h = top + plotH + 50
        let base = top + plotH
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(w))\" height=\"\(f(h))\" role=\"img\"><title>label distribution: humans (blue), judge (red)</title>"
        s += text(8, 16, "Label distribution", size: 13, extra: " font-weight=\"bold\"")
        s += "<rect x=\"\(f(left))\" y=\"24\" width=\"10\" height=\"10\" fill=\"#36c\"/>" + text(left + 14, 33, note)
        s +=
            "<rect x=\"\(f(left + 190))\" y=\"24\" width=\"10\" height=\"10\" fill=\"#c33\"/>"
            + text(left + 204, 33, "share of judge labels")
        for t in ticks(0, peak, target: 4) {
            let y = base - t / peak * plotH
            s +=
                line(left, y, w - 10, y, "#e4e4e4")
                + text(left - 4, y + 3, "\(Int((t * 100).rounded()))%", size: 10, anchor: "end")
        }
        s += line(left, base, w - 10, base, "#333")
        let bw = group * 0.38
        for (i, l) in labels.enumerated() {
            let x = left + Double(i) * group + group * 0.1
            let hh = hs[i] / peak * plotH
            let hj = js[i] / peak * plotH
            s += "<rect x=\"\(f(x))\" y=\"\(f(base - hh))\" width=\"\(f(bw))\" height=\"\(f(hh))\" fill=\"#36c\"/>"
            s += "<rect x=\"\(f(x + bw))\" y=\"\(f(base - hj))\" width=\"\(f(bw))\" height=\"\(f(hj))\" fill=\"#c33\"/>"
            s += text(x + bw, base + 14, l, size: labels.count > 8 ? 9 : 11, anchor: "middle")
        }
        s += text(left + (w - left) / 2, h - 8, c.kind == .pairwise ? "verdict" : "score", anchor: "middle")
        return s + "</svg>\n"
    }

    /// Reliability diagram: accuracy against mean confidence per bin, diagonal = perfect calibration.
    static func reliability(_ cal: CalibrationSummary) -> String {
        let w = 340.0
        let left = 45.0
        let bottom = 40.0
        let top = 28.0
        let right = 12.0
        func px(_ v: Double) -> Double { left + v * (w - left - right) }
        func py(_ v: Double) -> Double { w - bottom - v * (w - bottom - top) }
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(w))\" height=\"\(f(w))\" role=\"img\"><title>calibration reliability diagram</title>"
        s += text(
            8, 16, String(format: "Calibration (ECE %.3f)", cal.expectedCalibrationError), size: 13,
            extra: " font-weight=\"bold\"")
        s +=
            line(px(0), py(0), px(1), py(0), "#333") + line(px(0), py(0), px(0), py(1), "#333")
            + line(px(0), py(0), px(1), py(1), "#bbb")
        for t in ticks(0, 1) {
            s +=
                text(px(t), py(0) + 16, tick(t), size: 10, anchor: "middle")
                + text(px(0) - 6, py(t) + 3, tick(t), size: 10, anchor: "end")
        }
        var points: [String] = []
        for b in cal.bins {
            guard let c = b.meanConfidence, let a = b.accuracy else { continue }
            points.append("\(f(px(c))),\(f(py(a)))")
            let r = 2 + 6 * (Double(b.count) / Double(max(cal.items, 1))).squareRoot()
            s += "<circle cx=\"\(f(px(c)))\" cy=\"\(f(py(a)))\" r=\"\(f(r))\" fill=\"#c33\" fill-opacity=\"0.6\"/>"
        }
        if points.count > 1 {
            s += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#c33\"/>"
        }
        s += text((px(0) + px(1)) / 2, w - 6, "judge confidence (top-score probability)", anchor: "middle")
        s += text(12, w / 2, "accuracy vs human", anchor: "middle", extra: " transform=\"rotate(-90 12 \(f(w / 2)))\"")
        return s + "</svg>\n"
    }
}
