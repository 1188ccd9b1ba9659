// SummEvalReferenceTests: reference/agreement/summeval_consistency.json (3 experts × 80 summaries,
// 1–5) reproduced from the bundled label and sample files: α, Fleiss, pairwise Cohen (3 weightings),
// ICC ×6, percent agreement, pairwise correlations, leave-one-rater-out (all items, summary-level).
import ArbiterAgreement
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct SummEvalReferenceTests {
    @Test func reproducesSummEvalConsistency() throws {
        let all = try dict(try dict(try Fixtures.json("agreement/summeval_consistency.json"))["results"])
        let ref = try dict(all["consistency"])
        let labels = try LabelFile.load(Fixtures.url("agreement/summeval-consistency/human_labels.jsonl"))
        let samples = try SampleFile.load(Fixtures.url("agreement/summeval-consistency/samples.jsonl"))
        #expect(labels.criteria == ["consistency"])
        let table = try labels.scoreTable(criterion: "consistency")
        #expect(table.sources == ref["raters"] as? [String])
        #expect(table.itemIDs.count == ref["n_items"] as? Int)
        let m = try RatingMatrix(table.values)
        #expect(m.isComplete)
        let docs = try samples.metadata("cnndm_id", for: table.itemIDs)
        #expect(Set(docs).count == ref["n_documents"] as? Int)
        let cats: [Double] = [1, 2, 3, 4, 5]
        var t = DeviationTracker()

        let alpha = try dict(ref["krippendorff_alpha"])
        t.check(try Agreement.krippendorffAlpha(m, level: .ordinal, domain: cats), alpha["ordinal"], "alpha ordinal")
        t.check(try Agreement.krippendorffAlpha(m, level: .interval), alpha["interval"], "alpha interval")
        t.check(try Agreement.krippendorffAlpha(m, level: .nominal, domain: cats), alpha["nominal"], "alpha nominal")
        t.check(try Agreement.fleissKappa(table.values, categories: cats), ref["fleiss_kappa_categories_1_5"], "fleiss")

        let rows = table.values.map { $0.compactMap { $0 } }
        let pw = try dict(ref["pairwise_cohen_kappa"])
        let pc = try dict(ref["pairwise_correlations_items"])
        var kappaSums: [KappaWeighting: Double] = [:]
        var corrs: [Correlations] = []
        for x in 0..<3 {
            for y in (x + 1)..<3 {
                let key = "\(table.sources[x])~\(table.sources[y])"
                let e = try dict(pw[key])
                for w in KappaWeighting.allCases {
                    let k = try #require(try Agreement.cohenKappa(rows[x], rows[y], categories: cats, weighting: w))
                    t.check(k, e[w.rawValue], "\(key) kappa \(w)")
                    kappaSums[w, default: 0] += k
                }
                let c = try Correlations(rows[x], rows[y])
                corrs.append(c)
                let ec = try dict(pc[key])
                for (name, v) in c.named { t.check(v, ec[name], "\(key) \(name)") }
            }
        }
        let meanKappa = try dict(ref["mean_pairwise_cohen_kappa"])
        for w in KappaWeighting.allCases {
            t.check(kappaSums[w].map { $0 / 3 }, meanKappa[w.rawValue], "mean kappa \(w)")
        }
        let meanCorr = try dict(ref["mean_pairwise_correlations_items"])
        for (name, v) in try #require(Correlations.mean(corrs)).named { t.check(v, meanCorr[name], "mean \(name)") }

        let icc = try dict(ref["icc"])
        let r = try Agreement.intraclassCorrelations(m)
        for (key, v) in [
            ("ICC1", r.icc1), ("ICC2_1", r.icc2), ("ICC3_1", r.icc3), ("ICC1k", r.icc1k), ("ICC2k", r.icc2k),
            ("ICC3k", r.icc3k),
        ] {
            t.check(v, icc[key], key)
        }
        t.check(Agreement.percentAgreement(m), ref["percent_agreement"], "percent")

        let loo = try dict(ref["leave_one_rater_out"])
        let baselines = try Agreement.leaveOneRaterOut(m, groups: docs)
        for b in baselines {
            let e = try dict(loo[table.sources[b.rater]])
            let ea = try dict(e["all_items"])
            for (name, v) in b.allItems.named { t.check(v, ea[name], "loo \(b.rater) \(name)") }
            let es = try dict(e["summary_level"])
            let s = try #require(b.summaryLevel)
            #expect(s.groups == es["documents"] as? Int)
            #expect(s.groupsWithMoreThanOneItem == es["documents_with_gt1_summary"] as? Int)
            #expect(s.groupsUsed == es["documents_used"] as? Int)
            #expect(s.mean == nil && es["mean"] is NSNull)
        }
        let looMean = try dict(ref["leave_one_rater_out_mean"])
        let ma = try dict(looMean["all_items"])
        for (name, v) in try #require(Agreement.meanLeaveOneRaterOut(baselines)).named {
            t.check(v, ma[name], "loo mean \(name)")
        }
        #expect(looMean["summary_level"] is NSNull)
        #expect(t.compared == 55)
        print("summeval_consistency.json: \(t.compared) values, max |Δ| = \(t.worst)")
    }
}
