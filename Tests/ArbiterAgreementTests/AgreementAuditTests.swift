// AgreementAuditTests: the audit pipeline end to end on bundled data, checked against the reference
// files: PandaLM (MT-Bench agreement per judge, human-human), SummEval with expert1 playing the judge
// (quadratic κ and Spearman = mean of the reference pairwise values), reproducible JSON bytes,
// Markdown/HTML content, and typed errors for ambiguous input.
import ArbiterAgreement
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct AgreementAuditTests {
    @Test func pandaLMAuditMatchesMTBenchReference() throws {
        let ref = try dict(try dict(try dict(try Fixtures.json("agreement/pandalm.json"))["results"])["judges"])
        let humans = Fixtures.url("agreement/pandalm/human_labels.jsonl")
        let judges = Fixtures.url("agreement/pandalm/judge_labels.jsonl")
        var t = DeviationTracker()
        for name in ["gpt-3.5-turbo", "pandalm-7b"] {
            let report = try AgreementAudit.run(
                humanFile: humans, judgeFile: judges, options: try AuditOptions(judge: name))
            let c = try #require(report.criteria.first)
            let mt = try dict(try dict(ref[name])["mtbench_vs_humans"])
            t.check(c.metrics["percent_agreement"]?.value, try dict(mt["with_ties"])["ratio"], "\(name) with ties")
            t.check(
                c.metrics["mtbench_without_ties"]?.value, try dict(mt["without_ties"])["ratio"], "\(name) without ties")
            let judged = try dict(ref[name])["n_judged"] as? Int
            #expect(c.itemCount == judged)
            #expect(c.onlyHuman.count == 799 - c.itemCount && c.onlyJudge.isEmpty)
            #expect(c.baselines.map(\.name).contains("always_a"))
        }
        // pandalm-7b judged every item, so its human-human value is the reference's.
        let full = try AgreementAudit.run(
            humanFile: humans, judgeFile: judges, options: try AuditOptions(judge: "pandalm-7b"))
        let hh = try dict(
            try dict(try dict(try Fixtures.json("agreement/pandalm.json"))["results"])["mtbench_human_vs_human"])
        t.check(full.criteria.first?.metrics["human_human"]?.value, try dict(hh["with_ties"])["ratio"], "human-human")
        // Without a judge name every judge is audited, side by side, with the same numbers.
        let both = try AgreementAudit.run(humanFile: humans, judgeFile: judges, options: try AuditOptions())
        #expect(both.judges.map(\.name) == ["gpt-3.5-turbo", "pandalm-7b"])
        #expect(both.judges.last?.criteria.first?.metrics == full.criteria.first?.metrics)
        #expect(throws: AuditError.self) {
            try AgreementAudit.run(humanFile: humans, judgeFile: judges, options: try AuditOptions(judge: "nobody"))
        }
    }

    /// SummEval experts with expert1 relabelled as a judge.
    func summEvalAsJudge() throws -> (humans: LabelFile, judge: LabelFile) {
        let lines = try jsonLines("agreement/summeval-consistency/human_labels.jsonl")
        var h = ""
        var j = ""
        for var o in lines {
            if o["rater"] as? String == "expert1" {
                o["judge"] = "expert1"
                o.removeValue(forKey: "rater")
                j +=
                    String(
                        decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
                    + "\n"
            } else {
                h +=
                    String(
                        decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
                    + "\n"
            }
        }
        return (
            try LabelFile(parsing: Data(h.utf8), name: "humans.jsonl"),
            try LabelFile(parsing: Data(j.utf8), name: "judge.jsonl")
        )
    }

    @Test func gradedAuditMatchesPairwiseReference() throws {
        let ref = try dict(
            try dict(try dict(try Fixtures.json("agreement/summeval_consistency.json"))["results"])["consistency"])
        let kappa = try dict(ref["pairwise_cohen_kappa"])
        let corr = try dict(ref["pairwise_correlations_items"])
        func mean(_ d: [String: Any], _ key: String) throws -> Double {
            let a = try #require(try dict(d["expert1~expert2"])[key] as? Double)
            let b = try #require(try dict(d["expert1~expert3"])[key] as? Double)
            return (a + b) / 2
        }
        let (humans, judge) = try summEvalAsJudge()
        let report = try AgreementAudit.run(
            human: humans, judge: judge, options: try AuditOptions(scale: [1, 2, 3, 4, 5]))
        let c = try #require(report.criteria.first)
        #expect(c.criterion == "consistency" && c.itemCount == 80 && c.humanRaters == ["expert2", "expert3"])
        var t = DeviationTracker()
        t.check(c.metrics["cohen_kappa_quadratic"]?.value, try mean(kappa, "quadratic"), "quadratic kappa")
        t.check(c.metrics["spearman"]?.value, try mean(corr, "spearman"), "spearman")
        t.check(c.metrics["kendall_tau_b"]?.value, try mean(corr, "kendall_tau_b"), "tau-b")
        t.check(c.metrics["pearson"]?.value, try mean(corr, "pearson"), "pearson")
        // Two humans: each one's "others" is the other human, so human_human is their Spearman.
        t.check(c.metrics["human_human"]?.value, try dict(corr["expert2~expert3"])["spearman"], "human-human")
        #expect(c.confusion.count == 5 && c.confusion.flatMap { $0 }.reduce(0, +) == 160)
    }

    @Test func bootstrapReportIsReproducibleAndRenders() throws {
        let (humans, judge) = try summEvalAsJudge()
        func run(_ seed: UInt64) throws -> AuditReport {
            try AgreementAudit.run(
                human: humans, judge: judge,
                options: try AuditOptions(
                    scale: [1, 2, 3, 4, 5], bootstrap: try Bootstrap(replicates: 40, seed: seed),
                    intervalMethod: .percentile))
        }
        let a = try run(3)
        let b = try run(3)
        #expect(try a.jsonData() == b.jsonData())
        let object = try #require(try JSONSerialization.jsonObject(with: a.jsonData()) as? [String: Any])
        let crit = try dict(try dict(object["criteria"])["consistency"])
        for key in [
            "n_items", "percent_agreement", "cohen_kappa_quadratic", "krippendorff_alpha", "gwet_ac1", "spearman",
            "kendall_tau_b", "pearson", "icc2_1", "human_human", "judge_vs_human_ratio",
        ] {
            #expect(crit[key] != nil, "missing \(key)")
        }
        let sp = try dict(crit["spearman"])
        let lo = try #require(sp["ci_low"] as? Double)
        let v = try #require(sp["value"] as? Double)
        let hi = try #require(sp["ci_high"] as? Double)
        #expect(lo <= v && v <= hi)
        let c = try #require(a.criteria.first)
        let test = try #require(c.judgeMinusHuman)
        let hh = try #require(c.metrics["human_human"]?.value)
        let ratio = try #require(c.metrics["judge_vs_human_ratio"]?.value)
        #expect(abs(try #require(test.difference.estimate) - (hh * ratio - hh)) < 1e-12)
        #expect(try #require(test.pValue) >= 0 && test.pValue ?? 2 <= 1)
        #expect(try dict(crit["judge_minus_human"])["p_value"] is Double)
        let md = a.markdown()
        let html = a.html()
        #expect(md.contains("| spearman |") && md.contains("seed 3"))
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.components(separatedBy: "<svg").count == 5)
        #expect(!html.contains("<script"))
    }

    @Test func mismatchedKindsAreTypedErrors() throws {
        let graded = try LabelFile(parsing: Data(#"{"id":"a","rater":"r","score":1}"#.utf8), name: "h.jsonl")
        let votes = try LabelFile(parsing: Data(#"{"id":"a","judge":"j","winner":"a"}"#.utf8), name: "j.jsonl")
        #expect(throws: AuditError.kindMismatch(human: "h.jsonl", judge: "j.jsonl")) {
            try AgreementAudit.run(human: graded, judge: votes, options: try AuditOptions())
        }
        // Off-scale judge scores inside the scale's range are snapped (ScaleRoundingTests); outside it they are errors.
        let judged = try LabelFile(parsing: Data(#"{"id":"a","judge":"j","score":3.5}"#.utf8), name: "j.jsonl")
        let offScale = try #require(throws: AuditError.self) {
            try AgreementAudit.run(human: graded, judge: judged, options: try AuditOptions(scale: [1, 2, 3]))
        }
        #expect(offScale.errorDescription?.contains("id a") == true)
        #expect(throws: AuditError.self) { try AuditOptions(scale: [1, 1]) }
        let other = try LabelFile(parsing: Data(#"{"id":"b","judge":"j","score":1}"#.utf8), name: "j.jsonl")
        #expect(throws: AuditError.noSharedItems(human: "h.jsonl", judge: "j.jsonl")) {
            try AgreementAudit.run(human: graded, judge: other, options: try AuditOptions())
        }
    }
}
