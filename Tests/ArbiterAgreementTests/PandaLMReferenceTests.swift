// PandaLMReferenceTests: reference/agreement/pandalm.json reproduced from the bundled PandaLM
// label files through the JSONL loaders (human κ/α/AC1/Fleiss, MT-Bench agreement with and without
// ties, judge vs majority, judge as a 4th rater). Closed form: 1e-9 absolute, counts exact.
import ArbiterAgreement
import ArbiterCore
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct PandaLMReferenceTests {
    @Test func reproducesPandaLMReference() throws {
        let ref = try dict(try dict(try Fixtures.json("agreement/pandalm.json"))["results"])
        let humanFile = try LabelFile.load(Fixtures.url("agreement/pandalm/human_labels.jsonl"))
        let judgeFile = try LabelFile.load(Fixtures.url("agreement/pandalm/judge_labels.jsonl"))
        #expect(humanFile.kind == .pairwise && judgeFile.kind == .pairwise)
        let table = try humanFile.voteTable()
        #expect(table.itemIDs.count == ref["n_items"] as? Int)
        #expect(table.sources == ref["human_raters"] as? [String])
        let cats = PairwiseVerdict.allCases
        var t = DeviationTracker()

        let kappas = try dict(ref["human_pairwise_cohen_kappa_unweighted"])
        for x in 0..<3 {
            for y in (x + 1)..<3 {
                let a = table.values[x].compactMap { $0 }
                let b = table.values[y].compactMap { $0 }
                t.check(
                    try Agreement.cohenKappa(a, b, categories: cats), kappas["\(table.sources[x])~\(table.sources[y])"],
                    "kappa \(x)~\(y)")
            }
        }
        t.check(try Agreement.percentAgreement(table.values), ref["human_percent_agreement"], "percent")
        t.check(try Agreement.fleissKappa(table.values, categories: cats), ref["human_fleiss_kappa"], "fleiss")
        t.check(
            try Agreement.krippendorffAlpha(nominal: table.values, categories: cats),
            ref["human_krippendorff_alpha_nominal"], "alpha")
        let ac1 = try Agreement.gwetAC1(table.values, categories: cats)
        let refAC1 = try dict(ref["human_gwet_ac1"])
        t.check(ac1.value, refAC1["ac1"], "ac1")
        t.check(ac1.percentAgreement, refAC1["pa"], "pa")
        t.check(ac1.chanceAgreement, refAC1["pe"], "pe")

        let hv = table.labelsByItem
        let hh = try dict(ref["mtbench_human_vs_human"])
        try expectCount(Agreement.mtBenchHumanAgreement(humans: hv, includeTies: true), hh["with_ties"], &t)
        try expectCount(Agreement.mtBenchHumanAgreement(humans: hv, includeTies: false), hh["without_ties"], &t)

        var majority: [String: PairwiseVerdict] = [:]
        for (id, votes) in hv { if let m = Agreement.majority(votes) { majority[id] = m } }
        #expect(majority.count == ref["n_items_with_human_majority"] as? Int)

        let judges = try dict(ref["judges"])
        #expect(judgeFile.sources == judges.keys.sorted())
        for name in judgeFile.sources {
            let r = try dict(judges[name])
            let jt = try judgeFile.voteTable(sources: [name])
            let votes = jt.labelsByItem.compactMapValues(\.first)
            #expect(votes.count == r["n_judged"] as? Int)
            let common = table.itemIDs.filter { votes[$0] != nil && majority[$0] != nil }
            #expect(common.count == r["n_vs_majority"] as? Int)
            let a = common.compactMap { majority[$0] }
            let b = common.compactMap { votes[$0] }
            let accuracy = Double(zip(a, b).filter { $0 == $1 }.count) / Double(common.count)
            t.check(accuracy, r["accuracy_vs_majority"], "\(name) accuracy")
            t.check(
                try Agreement.cohenKappa(a, b, categories: cats), r["cohen_kappa_vs_majority"],
                "\(name) kappa vs majority")
            let mt = try dict(r["mtbench_vs_humans"])
            try expectCount(
                Agreement.mtBenchAgreement(judge: votes, humans: hv, includeTies: true), mt["with_ties"], &t)
            try expectCount(
                Agreement.mtBenchAgreement(judge: votes, humans: hv, includeTies: false), mt["without_ties"], &t)
            let m4 = table.values + [table.itemIDs.map { votes[$0] }]
            t.check(
                try Agreement.krippendorffAlpha(nominal: m4, categories: cats),
                r["krippendorff_alpha_nominal_humans_plus_judge"], "\(name) alpha+judge")
            t.check(
                try Agreement.gwetAC1(m4, categories: cats).value, r["gwet_ac1_humans_plus_judge"], "\(name) ac1+judge")

            // The alignment lists every id that only one side has.
            let aligned = LabelAlignment(humans: table, judge: jt)
            #expect(aligned.judge.count == votes.count)
            #expect(aligned.onlyHuman.count == table.itemIDs.count - votes.count)
            #expect(aligned.onlyJudge.isEmpty)
        }
        #expect(t.compared == 23)
        print("pandalm.json: \(t.compared) values, max |Δ| = \(t.worst)")
    }

    func expectCount(_ c: AgreementCount, _ any: Any?, _ t: inout DeviationTracker) throws {
        let e = try dict(any)
        #expect(c.agree == e["agree"] as? Int)
        #expect(c.total == e["total"] as? Int)
        t.check(c.ratio, e["ratio"], "mtbench ratio")
    }
}
