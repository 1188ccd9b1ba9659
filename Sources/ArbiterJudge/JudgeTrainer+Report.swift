// JudgeTrainer+Report: the learning curve of a run as a self-contained SVG
// (`<out>/learning-curve.svg`): training loss per step on the left axis, validation agreement on
// the right, from metrics.jsonl. Not the audit's plots (ArbiterAgreement draws those).
import Foundation

extension JudgeTrainer {
    func writeLearningCurve() throws {
        let lines = MetricsLog.read(directory.appendingPathComponent("metrics.jsonl"))
        let svg = Self.learningCurveSVG(lines)
        let url = directory.appendingPathComponent("learning-curve.svg")
        try Data(svg.utf8).write(to: url, options: .atomic)
    }

    /// The SVG text for metrics lines (`step`, `loss`, optional `validation`).
    static func learningCurveSVG(_ lines: [[String: Double]]) -> String {
        let (w, h) = (640.0, 320.0)
        let (left, right, top, bottom) = (56.0, 56.0, 24.0, 40.0)
        let loss = lines.compactMap { l in l["step"].flatMap { s in l["loss"].map { (s, $0) } } }
        let valid = lines.compactMap { l in l["step"].flatMap { s in l["validation"].map { (s, $0) } } }
        let maxStep = max(loss.map(\.0).max() ?? 1, 1)
        let lossMax = max(loss.map(\.1).filter(\.isFinite).max() ?? 1, 1e-9)
        let vLo = min(valid.map(\.1).min() ?? 0, 0)
        let vHi = max(valid.map(\.1).max() ?? 1, 1e-9)
        func x(_ s: Double) -> Double { left + s / maxStep * (w - left - right) }
        func yLoss(_ v: Double) -> Double { h - bottom - min(max(v, 0), lossMax) / lossMax * (h - top - bottom) }
        func yValid(_ v: Double) -> Double { h - bottom - (v - vLo) / (vHi - vLo) * (h - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let lossLabel = String(format: "%.3g", lossMax)
        func polyline(_ points: [(Double, Double)], _ color: String) -> String {
            let p = points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
            return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(p)\"/>"
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w))" height="\(Int(h))" \
            viewBox="0 0 \(Int(w)) \(Int(h))" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <line x1="\(f(left))" y1="\(f(h - bottom))" x2="\(f(w - right))" y2="\(f(h - bottom))" stroke="#444"/>
            <line x1="\(f(left))" y1="\(f(top))" x2="\(f(left))" y2="\(f(h - bottom))" stroke="#444"/>
            <line x1="\(f(w - right))" y1="\(f(top))" x2="\(f(w - right))" y2="\(f(h - bottom))" stroke="#444"/>
            <text x="\(f(w / 2))" y="\(f(h - 8))" text-anchor="middle">optimizer step (of \(Int(maxStep)))</text>
            <text x="\(f(left - 6))" y="\(f(top - 8))" text-anchor="start" fill="#1f77b4">training loss</text>
            <text x="\(f(w - right + 6))" y="\(f(top - 8))" text-anchor="end" fill="#d62728">validation agreement</text>
            <text x="\(f(left - 4))" y="\(f(yLoss(lossMax) + 4))" text-anchor="end">\(lossLabel)</text>
            <text x="\(f(left - 4))" y="\(f(yLoss(0) + 4))" text-anchor="end">0</text>

            """
        if !valid.isEmpty {
            svg += "<text x=\"\(f(w - right + 4))\" y=\"\(f(yValid(vHi) + 4))\">\(String(format: "%.3f", vHi))</text>\n"
            svg += "<text x=\"\(f(w - right + 4))\" y=\"\(f(yValid(vLo) + 4))\">\(String(format: "%.3f", vLo))</text>\n"
        }
        svg += polyline(loss.map { (x($0.0), yLoss($0.1)) }, "#1f77b4") + "\n"
        if !valid.isEmpty {
            svg += polyline(valid.map { (x($0.0), yValid($0.1)) }, "#d62728") + "\n"
            for (s, v) in valid {
                svg += "<circle cx=\"\(f(x(s)))\" cy=\"\(f(yValid(v)))\" r=\"2.5\" fill=\"#d62728\"/>\n"
            }
        }
        return svg + "</svg>\n"
    }
}
