// HannaReferenceTests: reference/agreement/hanna.json (16 LLM judges × 6 criteria vs the mean of
// 3 humans on 845 stories): pooled, per-prompt (summary-level) and system-level correlations and
// the six ICCs, at 1e-9, from the bundled byte-identical copies of the data files.
import ArbiterAgreement
import ArbiterTestSupport
import Foundation
import Testing

private let hannaJudgeFile = "agreement/hanna/judge_labels.jsonl"

@Suite struct HannaReferenceTests {
    @Test func humanFileShape() throws {
        let humans = try LabelFile.load(Fixtures.url("agreement/hanna/human_labels.jsonl"))
        #expect(humans.criteria == ["coherence", "complexity", "empathy", "engagement", "relevance", "surprise"])
        #expect(humans.sources == ["human_mean_of_3"])
        let table = try humans.scoreTable(criterion: "coherence")
        #expect(table.itemIDs.count == 845)
        #expect(table.values[0].allSatisfy { $0.map { (1...5).contains($0) } ?? false })
    }

    @Test
    func reproducesHannaReference() throws {
        let ref = try dict(try dict(try Fixtures.json("agreement/hanna.json"))["results"])
        let humans = try LabelFile.load(Fixtures.url("agreement/hanna/human_labels.jsonl"))
        let judges = try LabelFile.load(Fixtures.url(hannaJudgeFile))
        let samples = try SampleFile.load(Fixtures.url("agreement/hanna/samples.jsonl"))
        #expect(judges.sources == ref.keys.sorted())
        var t = DeviationTracker()
        for criterion in humans.criteria {
            let humanTable = try humans.scoreTable(criterion: criterion)
            let judgeTable = try judges.scoreTable(criterion: criterion)
            for judge in judges.sources {
                let r = try dict(try dict(ref[judge])[criterion])
                let aligned = LabelAlignment(humans: humanTable, judge: judgeTable.selecting(sources: [judge]))
                let x = aligned.judge
                let y = aligned.humans.values[0].compactMap { $0 }
                #expect(x.count == r["n"] as? Int && y.count == x.count)
                let what = "\(judge)/\(criterion)"
                let pooled = try dict(r["story_level_pooled"])
                for (k, v) in try Correlations(x, y).named { t.check(v, pooled[k], "\(what) pooled \(k)") }
                let prompts = try samples.metadata("index_in_generator_block", for: aligned.humans.itemIDs)
                let grouped = try Correlations.grouped(x, y, groups: prompts)
                #expect(grouped.groupsUsed == r["per_prompt_groups_used"] as? Int)
                let perPrompt = try dict(r["per_prompt_averaged"])
                for (k, v) in try #require(grouped.mean).named { t.check(v, perPrompt[k], "\(what) per-prompt \(k)") }
                let system = try Correlations.systemLevel(
                    x, y, systems: try samples.metadata("generator", for: aligned.humans.itemIDs))
                #expect(system.systems == r["system_level_n_systems"] as? Int)
                let sys = try dict(r["system_level"])
                for (k, v) in system.correlations.named { t.check(v, sys[k], "\(what) system \(k)") }
                let icc = try dict(r["icc_judge_vs_human_mean"])
                let c = try Agreement.intraclassCorrelations(try RatingMatrix(complete: [x, y]))
                for (k, v) in [
                    ("ICC1", c.icc1), ("ICC2_1", c.icc2), ("ICC3_1", c.icc3), ("ICC1k", c.icc1k), ("ICC2k", c.icc2k),
                    ("ICC3k", c.icc3k),
                ] {
                    t.check(v, icc[k], "\(what) \(k)")
                }
            }
        }
        #expect(t.compared == 16 * 6 * 18)
        print("hanna.json: \(t.compared) values, max |Δ| = \(t.worst)")
    }
}
