// GRPOTrainer+Report: `<output_dir>/report.html`, a self-contained page of SVG panels drawn from
// metrics.jsonl: reward per function, KL, completion length, clip ratios, entropy and the hacking
// monitors (the gap between a judge and a held-out check; steps where the alarm fired are marked).
import ArbiterJudge
import Foundation

extension GRPOTrainer {
    func writeReport() throws {
        let lines = MetricsLog.read(metricsURL)
        try Data(Self.reportHTML(lines, title: configuration.outputDir.lastPathComponent).utf8).write(
            to: reportURL, options: .atomic)
    }

    static func reportHTML(_ lines: [[String: Double]], title: String) -> String {
        let keys = Set(lines.flatMap(\.keys))
        func matching(_ prefix: String, _ suffix: String) -> [String] {
            keys.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }.sorted()
        }
        let alarms = lines.filter { ($0["monitor/hacking_alarm"] ?? 0) > 0 }.compactMap { $0["step"] }
        var panels: [(String, [String])] = [
            ("Reward per function (mean)", matching("rewards/", "/mean")),
            ("Total reward", ["reward", "reward_std"]),
            ("KL to the reference", ["kl"]),
            ("Completion length", ["completions/mean_length", "completions/max_length"]),
            ("Clip ratios", matching("clip_ratio/", "")),
            ("Entropy", ["entropy"]),
        ]
        let gaps = matching("monitor/", "").filter { $0.contains("_minus_") || $0 == "monitor/length_drift" }
        if !gaps.isEmpty { panels.append(("Hacking monitors (judge − held-out check, length drift)", gaps)) }
        var html = """
            <!doctype html><html><head><meta charset="utf-8"><title>GRPO run \(escape(title))</title>
            <style>body{font-family:sans-serif;margin:24px}figure{display:inline-block;margin:8px}</style>
            </head><body><h1>GRPO run \(escape(title))</h1>
            <p>\(lines.count) steps from metrics.jsonl.\(alarms.isEmpty ? "" : " Hacking alarm at steps \(alarms.map { String(Int($0)) }.joined(separator: ", ")) (red marks).")</p>

            """
        for (title, series) in panels where series.contains(where: { k in lines.contains { $0[k] != nil } }) {
            html += "<figure><figcaption>\(escape(title))</figcaption>\n"
            html += svg(lines, series: series, alarms: alarms) + "</figure>\n"
        }
        return html + "</body></html>\n"
    }

    static func svg(_ lines: [[String: Double]], series: [String], alarms: [Double]) -> String {
        let (w, h, left, right, top, bottom) = (420.0, 240.0, 56.0, 12.0, 16.0, 48.0)
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]
        let points = series.map { k in lines.compactMap { l in l["step"].flatMap { s in l[k].map { (s, $0) } } } }
        let all = points.flatMap { $0 }.filter { $0.1.isFinite }
        let maxStep = max(all.map(\.0).max() ?? 1, 1)
        var lo = all.map(\.1).min() ?? 0
        var hi = all.map(\.1).max() ?? 1
        if hi - lo < 1e-12 {
            lo -= 0.5
            hi += 0.5
        }
        func x(_ s: Double) -> Double { left + (s - 1) / max(maxStep - 1, 1) * (w - left - right) }
        func y(_ v: Double) -> Double { h - bottom - (v - lo) / (hi - lo) * (h - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w))" height="\(Int(h))" font-size="10">
            <rect width="100%" height="100%" fill="white"/>
            <line x1="\(f(left))" y1="\(f(h - bottom))" x2="\(f(w - right))" y2="\(f(h - bottom))" stroke="#444"/>
            <line x1="\(f(left))" y1="\(f(top))" x2="\(f(left))" y2="\(f(h - bottom))" stroke="#444"/>
            <text x="\(f(left - 4))" y="\(f(y(hi) + 4))" text-anchor="end">\(String(format: "%.3g", hi))</text>
            <text x="\(f(left - 4))" y="\(f(y(lo) + 4))" text-anchor="end">\(String(format: "%.3g", lo))</text>
            <text x="\(f(w - right))" y="\(f(h - bottom + 14))" text-anchor="end">step \(Int(maxStep))</text>

            """
        for step in alarms {
            s += "<line x1=\"\(f(x(step)))\" y1=\"\(f(top))\" x2=\"\(f(x(step)))\" y2=\"\(f(h - bottom))\" "
            s += "stroke=\"#d62728\" stroke-opacity=\"0.3\"/>\n"
        }
        for (i, (name, pts)) in zip(series, points).enumerated() {
            let color = colors[i % colors.count]
            let finite = pts.filter { $0.1.isFinite }
            let p = finite.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(p)\"/>\n"
            if finite.count == 1 {
                s += "<circle cx=\"\(f(x(finite[0].0)))\" cy=\"\(f(y(finite[0].1)))\" r=\"2\" fill=\"\(color)\"/>\n"
            }
            s += "<text x=\"\(f(left + 4))\" y=\"\(f(h - bottom + 26 + Double(i % 2) * 11))\" "
            s += "dx=\"\(f(Double(i / 2) * 180))\" fill=\"\(color)\">\(escape(name))</text>\n"
        }
        return s + "</svg>\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
