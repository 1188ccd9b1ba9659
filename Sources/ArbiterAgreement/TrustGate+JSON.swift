// TrustGate+JSON: the gate evaluated on a saved audit report (the JSON `arbiter audit --json`
// writes), so reward code can check a judge's latest audit without re-running it. Same checks
// and evidence as `evaluate(_:)` on an in-memory report.
import Foundation

extension TrustGate {
    /// Checks every requirement on every (judge, criterion) of a JSON audit report
    /// (`AuditReport.jsonObject`). Throws `AuditError.invalidOption` when `data` is not one.
    public func evaluate(reportJSON data: Data, source: String) throws -> TrustGateResult {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            object["arbiter_audit_version"] != nil, let judges = object["judges"] as? [String: Any]
        else {
            throw AuditError.invalidOption(
                "\(source) is not an Arbiter audit report; write one with `arbiter audit … --json \(source)`")
        }
        var checks: [TrustGateResult.Check] = []
        for judge in judges.keys.sorted() {
            let criteria = ((judges[judge] as? [String: Any])?["criteria"] as? [String: Any]) ?? [:]
            for criterion in criteria.keys.sorted() {
                let c = criteria[criterion] as? [String: Any] ?? [:]
                for req in requirements {
                    let m = c[req.metric] as? [String: Any]
                    let value = m?["value"] as? Double
                    let low = m?["ci_low"] as? Double
                    let compared = req.onLowerBound ? low : value
                    var why = ""
                    if m == nil {
                        why = "metric \(req.metric) is not in the report"
                    } else if compared == nil {
                        why = req.onLowerBound ? "no interval (run with a bootstrap)" : "undefined"
                    }
                    checks.append(
                        .init(
                            judge: judge, criterion: criterion, metric: req.metric, threshold: req.minimum,
                            onLowerBound: req.onLowerBound, value: value, ciLow: low, ciHigh: m?["ci_high"] as? Double,
                            passed: compared.map { $0 >= req.minimum } ?? false, note: why))
                }
                if mustBeatTrivialBaselines {
                    let v = c["trivial_baseline_check"] as? [String: Any]
                    checks.append(
                        .init(
                            judge: judge, criterion: criterion, metric: "beats_trivial_baselines",
                            threshold: v?["best_value"] as? Double ?? .nan, onLowerBound: false,
                            value: v?["judge_value"] as? Double, ciLow: v?["judge_ci_low"] as? Double, ciHigh: nil,
                            passed: v?["judge_beats_best"] as? Bool ?? false,
                            note: (v?["best_baseline"] as? String).map { "best baseline \($0)" }
                                ?? "no baseline comparison available"))
                }
            }
        }
        return TrustGateResult(checks: checks)
    }
}
