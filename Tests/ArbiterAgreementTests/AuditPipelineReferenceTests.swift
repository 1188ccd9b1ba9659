// AuditPipelineReferenceTests: `AgreementAudit.run` itself (loaders → alignment → metrics → report),
// not the raw statistics, reproduces the reference files on the bundled real data: PandaLM
// (pandalm.json MT-Bench agreement, human-human and their ratio, every judge in one run), SummEval
// (summeval_consistency.json leave-one-rater-out: each expert audited against the mean of the other
// two, and the human_human mean over all three) and HANNA (hanna.json pooled, per-prompt,
// system-level correlations and ICC(2,1) for every judge and criterion). Tolerance 1e-9 absolute.
import ArbiterAgreement
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct AuditPipelineReferenceTests {
    @Test func pandaLMEveryJudgeInOneRun() throws {
        let ref = try dict(try dict(try Fixtures.json("agreement/pandalm.json"))["results"])
        let report = try AgreementAudit.run(
            humanFile: Fixtures.url("agreement/pandalm/human_labels.jsonl"),
            judgeFile: Fixtures.url("agreement/pandalm/judge_labels.jsonl"), options: try AuditOptions())
        let judges = try dict(ref["judges"])
        #expect(report.judges.map(\.name) == judges.keys.sorted())
        let hh = try dict(try dict(ref["mtbench_human_vs_human"])["with_ties"])
        var t = DeviationTracker()
        for j in report.judges {
            let c = try #require(j.criteria.first)
            let r = try dict(judges[j.name])
            let mt = try dict(r["mtbench_vs_humans"])
            #expect(c.itemCount == r["n_judged"] as? Int)
            #expect(c.onlyHuman.count == (ref["n_items"] as? Int ?? 0) - c.itemCount)
            t.check(c.metrics["percent_agreement"]?.value, try dict(mt["with_ties"])["ratio"], "\(j.name) with ties")
            t.check(
                c.metrics["mtbench_without_ties"]?.value, try dict(mt["without_ties"])["ratio"],
                "\(j.name) without ties")
            if c.itemCount == ref["n_items"] as? Int {
                // A judge that labelled every item shares the reference's human-human pairs.
                t.check(c.metrics["human_human"]?.value, hh["ratio"], "\(j.name) human-human")
                let ratio =
                    try #require(try dict(mt["with_ties"])["ratio"] as? Double) / (try #require(hh["ratio"] as? Double))
                t.check(c.metrics["judge_vs_human_ratio"]?.value, ratio, "\(j.name) ratio")
            }
        }
        #expect(t.compared >= 6)
        print("pandalm.json via AgreementAudit.run: \(t.compared) values, max |Δ| = \(t.worst)")
    }

    /// SummEval consistency experts as label lines.
    func experts() throws -> [[String: Any]] { try jsonLines("agreement/summeval-consistency/human_labels.jsonl") }

    func jsonl(_ objects: [[String: Any]]) throws -> Data {
        var out = Data()
        for o in objects {
            out += try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
            out += Data("\n".utf8)
        }
        return out
    }

    @Test func summEvalLeaveOneRaterOutThroughTheAudit() throws {
        let ref = try dict(
            try dict(try dict(try Fixtures.json("agreement/summeval_consistency.json"))["results"])["consistency"])
        let loo = try dict(ref["leave_one_rater_out"])
        let lines = try experts()
        var t = DeviationTracker()
        for expert in ["expert1", "expert2", "expert3"] {
            // Humans: one rater, the mean of the other two experts; judge: the held-out expert.
            var others: [String: [Double]] = [:]
            var judge: [[String: Any]] = []
            for o in lines {
                guard let id = o["id"] as? String, let s = (o["score"] as? NSNumber)?.doubleValue else { continue }
                if o["rater"] as? String == expert {
                    judge.append(["id": id, "judge": expert, "criterion": "consistency", "score": s])
                } else {
                    others[id, default: []].append(s)
                }
            }
            let humans = others.keys.sorted().map { id -> [String: Any] in
                let v = others[id] ?? []
                return [
                    "id": id, "rater": "mean_of_others", "criterion": "consistency",
                    "score": v.reduce(0, +) / Double(v.count),
                ]
            }
            let report = try AgreementAudit.run(
                human: try LabelFile(parsing: try jsonl(humans), name: "others.jsonl"),
                judge: try LabelFile(parsing: try jsonl(judge), name: "\(expert).jsonl"),
                options: try AuditOptions())
            let c = try #require(report.criteria.first)
            let r = try dict(try dict(loo[expert])["all_items"])
            for key in ["pearson", "spearman", "kendall_tau_b"] {
                t.check(c.metrics[key]?.value, r[key], "\(expert) \(key)")
            }
        }
        // All three experts as humans: human_human is the mean leave-one-out Spearman.
        let humansOnly = try LabelFile(parsing: try jsonl(lines), name: "experts.jsonl")
        let copy = lines.filter { $0["rater"] as? String == "expert1" }.map { o -> [String: Any] in
            var j = o
            j.removeValue(forKey: "rater")
            j["judge"] = "copy_of_expert1"
            return j
        }
        let all = try AgreementAudit.run(
            human: humansOnly, judge: try LabelFile(parsing: try jsonl(copy), name: "copy.jsonl"),
            options: try AuditOptions(scale: [1, 2, 3, 4, 5]))
        let mean = try dict(try dict(ref["leave_one_rater_out_mean"])["all_items"])
        t.check(
            try #require(all.criteria.first).metrics["human_human"]?.value, mean["spearman"], "human_human = LOO mean")
        #expect(t.compared == 10)
        print("summeval_consistency.json via AgreementAudit.run: \(t.compared) values, max |Δ| = \(t.worst)")
    }

    @Test func hannaHumanMeansAgainstEveryJudge() throws {
        let ref = try dict(try dict(try Fixtures.json("agreement/hanna.json"))["results"])
        let options = try AuditOptions(
            criteria: ["coherence", "surprise"], level: .interval,
            samples: try SampleFile.load(Fixtures.url("agreement/hanna/samples.jsonl")),
            groupBy: "index_in_generator_block", systemKey: "generator")
        // Four of the sixteen judges (one per model, prompt 1) keep the debug run short; the raw
        // statistics of all sixteen are checked in HannaReferenceTests.
        let picked = ["Beluga-13B/prompt1", "ChatGPT/prompt1", "Llama-13B/prompt1", "Mistral-7B/prompt1"]
        let judgeLines = try jsonLines("agreement/hanna/judge_labels.jsonl").filter {
            picked.contains($0["judge"] as? String ?? "")
        }
        let report = try AgreementAudit.run(
            human: try LabelFile.load(Fixtures.url("agreement/hanna/human_labels.jsonl")),
            judge: try LabelFile(parsing: try jsonl(judgeLines), name: "judges.jsonl"), options: options)
        #expect(report.judges.map(\.name) == picked)
        var t = DeviationTracker()
        for j in report.judges {
            for c in j.criteria {
                let r = try dict(try dict(ref[j.name])[c.criterion])
                let what = "\(j.name)/\(c.criterion)"
                #expect(c.itemCount == r["n"] as? Int)
                let pooled = try dict(r["story_level_pooled"])
                for key in ["pearson", "spearman", "kendall_tau_b"] {
                    t.check(c.metrics[key]?.value, pooled[key], "\(what) \(key)")
                }
                t.check(c.metrics["icc2_1"]?.value, try dict(r["icc_judge_vs_human_mean"])["ICC2_1"], "\(what) icc2_1")
                let summary = try #require(c.summaryLevel?.mean)
                #expect(c.summaryLevel?.groupsUsed == r["per_prompt_groups_used"] as? Int)
                let perPrompt = try dict(r["per_prompt_averaged"])
                for (k, v) in summary.named { t.check(v, perPrompt[k], "\(what) per-prompt \(k)") }
                let system = try #require(c.systemLevel)
                let sys = try dict(r["system_level"])
                for (k, v) in system.correlations.named { t.check(v, sys[k], "\(what) system \(k)") }
            }
        }
        #expect(t.compared == 4 * 2 * 12)
        print("hanna.json via AgreementAudit.run: \(t.compared) values, max |Δ| = \(t.worst)")
    }
}
