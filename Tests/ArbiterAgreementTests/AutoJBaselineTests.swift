// AutoJBaselineTests: reference/agreement/autoj_baselines.json — label distribution and the trivial
// pairwise baselines (always a / always b from the bundled human labels; longer/shorter answer wins
// in characters and words, from the bundled samples file). MT-Bench convention.
import ArbiterAgreement
import ArbiterCore
import ArbiterTestSupport
import Foundation
import Testing

private let autojSamplesFile = "agreement/autoj/samples.jsonl"

@Suite struct AutoJBaselineTests {
    func load() throws -> (ref: [String: Any], humans: [String: [PairwiseVerdict]], ids: [String]) {
        let ref = try dict(try dict(try Fixtures.json("agreement/autoj_baselines.json"))["results"])
        let table = try LabelFile.load(Fixtures.url("agreement/autoj/human_labels.jsonl")).voteTable()
        return (ref, table.labelsByItem, table.itemIDs)
    }

    func check(
        _ baseline: PairwiseBaseline, _ ids: [String], _ humans: [String: [PairwiseVerdict]],
        _ ref: [String: Any], samples: SampleFile?
    ) throws {
        let e = try dict(try dict(ref["baselines"])[baseline.name])
        let votes = try baseline.votes(for: ids, samples: samples)
        let counts = try dict(e["judge_votes"])
        for v in PairwiseVerdict.allCases {
            #expect(votes.values.filter { $0 == v }.count == counts[v.rawValue] as? Int, "\(baseline.name) votes \(v)")
        }
        var t = DeviationTracker()
        for (key, ties) in [("with_ties", true), ("without_ties", false)] {
            let c = Agreement.mtBenchAgreement(judge: votes, humans: humans, includeTies: ties)
            let ec = try dict(e[key])
            #expect(c.agree == ec["agree"] as? Int && c.total == ec["total"] as? Int, "\(baseline.name) \(key)")
            t.check(c.ratio, ec["ratio"], "\(baseline.name) \(key)")
        }
    }

    @Test func distributionAndConstantBaselines() throws {
        let (ref, humans, ids) = try load()
        #expect(ids.count == ref["n_items"] as? Int)
        let dist = try dict(ref["label_distribution"])
        for v in PairwiseVerdict.allCases {
            #expect(humans.values.filter { $0 == [v] }.count == dist[v.rawValue] as? Int)
        }
        try check(.always(.a), ids, humans, ref, samples: nil)
        try check(.always(.b), ids, humans, ref, samples: nil)
    }

    @Test
    func lengthBaselines() throws {
        let (ref, humans, ids) = try load()
        let samples = try SampleFile.load(Fixtures.url(autojSamplesFile))
        for unit in LengthUnit.allCases {
            try check(.longerWins(unit), ids, humans, ref, samples: samples)
            try check(.shorterWins(unit), ids, humans, ref, samples: samples)
        }
    }

    @Test func lengthUnitsCountLikePython() {
        #expect(LengthUnit.characters.length(of: " é👍\n") == 4)
        #expect(LengthUnit.words.length(of: "  two\u{1F}words\u{00A0}and\u{3000}more ") == 4)
        #expect(LengthUnit.words.length(of: "") == 0)
    }
}
