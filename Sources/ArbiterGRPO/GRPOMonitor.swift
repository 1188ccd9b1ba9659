// GRPOMonitor: reward-hacking monitors over a run's metrics. When a judge reward and a held-out
// check (a verifier, a format check, or any `monitor: true` reward) are both present it logs
// their gap per step (`monitor/<judge>_minus_<check>`) and the least-squares slope of each over
// the last `window` steps (`monitor/<name>/slope`); it also logs length drift (mean completion
// length over the first step's). The alarm (`monitor/hacking_alarm` = 1, and a warning) fires
// when a judge's slope is positive while a held-out check's is negative: the policy is learning
// to please the judge, not to do the task. History is read back from metrics.jsonl on resume, so
// a resumed run logs the same values.

struct GRPOMonitor {
    let judges: [String]
    let checks: [String]
    let window: Int
    /// Per step: the metrics logged so far (oldest first).
    var history: [[String: Double]]

    init(specs: [GRPORewardSpec], window: Int, history: [[String: Double]]) {
        judges = specs.filter(\.isJudge).map(\.name)
        checks = specs.filter { !$0.isJudge && ($0.isVerifier || $0.monitor) }.map(\.name)
        self.window = window
        self.history = history
    }

    /// Adds the monitor values to `metrics`; returns a warning when the alarm fires.
    mutating func observe(step: Int, metrics: inout [String: Double]) -> String? {
        if let first = (history.first ?? metrics)["completions/mean_length"], first > 0,
            let now = metrics["completions/mean_length"]
        {
            metrics["monitor/length_drift"] = now / first
        }
        var warning: String? = nil
        if !judges.isEmpty, !checks.isEmpty {
            let series = history + [metrics]
            var slopes: [String: Double] = [:]
            for name in judges + checks {
                let key = "rewards/\(name)/mean"
                let points = series.suffix(window).compactMap { m in m["step"].flatMap { s in m[key].map { (s, $0) } } }
                if points.count >= window, let slope = Self.slope(points) {
                    slopes[name] = slope
                    metrics["monitor/\(name)/slope"] = slope
                }
            }
            var alarm = false
            for judge in judges {
                for check in checks {
                    if let j = metrics["rewards/\(judge)/mean"], let v = metrics["rewards/\(check)/mean"] {
                        metrics["monitor/\(judge)_minus_\(check)"] = j - v
                    }
                    if let sj = slopes[judge], let sv = slopes[check], sj > 0, sv < 0 {
                        alarm = true
                        warning =
                            "reward hacking suspected at step \(step): \(judge) rises (slope \(sj)) while \(check) "
                            + "falls (slope \(sv)) over the last \(window) steps"
                    }
                }
            }
            metrics["monitor/hacking_alarm"] = alarm ? 1 : 0
        }
        history.append(metrics)
        return warning
    }

    /// Least-squares slope of y on x; nil when x does not vary.
    static func slope(_ points: [(Double, Double)]) -> Double? {
        let n = Double(points.count)
        let mx = points.map(\.0).reduce(0, +) / n
        let my = points.map(\.1).reduce(0, +) / n
        let sxx = points.map { ($0.0 - mx) * ($0.0 - mx) }.reduce(0, +)
        guard sxx > 0 else { return nil }
        return points.map { ($0.0 - mx) * ($0.1 - my) }.reduce(0, +) / sxx
    }
}
