// SyntheticReferenceTests: every statistic of every case in reference/agreement/synthetic.json
// (hand-made cases: Krippendorff 2011, Shrout & Fleiss 1979, prevalence paradox, missing data, ties)
// and the MT-Bench pairwise case, at 1e-9 absolute.
import ArbiterAgreement
import ArbiterCore
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct SyntheticReferenceTests {
    let doc: [String: Any]
    init() throws { doc = try dict(try Fixtures.json("agreement/synthetic.json")) }

    @Test func everyRatingCase() throws {
        let cases = try #require(doc["cases"] as? [[String: Any]])
        #expect(cases.count == 10)
        var tracker = DeviationTracker()
        for c in cases {
            let name = try #require(c["name"] as? String)
            let rows = try #require(c["ratings"] as? [[Any]])
            let results = try dict(c["results"])
            let isText = rows.contains { $0.contains { $0 is String } }
            if isText {
                try checkText(name, rows, c["categories"], results, &tracker)
            } else {
                try checkNumeric(name, rows, c["categories"], results, &tracker)
            }
        }
        #expect(tracker.compared == 154)
        print("synthetic.json: \(tracker.compared) values, max |Δ| = \(tracker.worst)")
    }

    func checkText(_ name: String, _ rows: [[Any]], _ cats: Any?, _ res: [String: Any], _ t: inout DeviationTracker)
        throws
    {
        let labels: [[String?]] = rows.map { $0.map { $0 as? String } }
        let categories = try #require(cats as? [String])
        t.check(try Agreement.percentAgreement(labels), res["percent_agreement"], "\(name) percent")
        if let ck = res["cohen_kappa"] as? [String: Any] {
            let a = labels[0].compactMap { $0 }
            let b = labels[1].compactMap { $0 }
            t.check(try Agreement.cohenKappa(a, b, categories: categories), ck["unweighted"], "\(name) cohen")
        }
        if res["fleiss_kappa"] != nil {
            t.check(try Agreement.fleissKappa(labels, categories: categories), res["fleiss_kappa"], "\(name) fleiss")
        }
        let alpha = try dict(res["krippendorff_alpha"])
        t.check(
            try Agreement.krippendorffAlpha(nominal: labels, categories: categories), alpha["nominal"],
            "\(name) alpha nominal")
        #expect(alpha.count == 1)
        let g = try dict(res["gwet_ac1"])
        let ac1 = try Agreement.gwetAC1(labels, categories: categories)
        t.check(ac1.value, g["ac1"], "\(name) ac1")
        t.check(ac1.percentAgreement, g["pa"], "\(name) ac1 pa")
        t.check(ac1.chanceAgreement, g["pe"], "\(name) ac1 pe")
        t.check(ac1.value, g["irrCAC_crosscheck"], "\(name) ac1 vs irrCAC")
    }

    func checkNumeric(_ name: String, _ rows: [[Any]], _ cats: Any?, _ res: [String: Any], _ t: inout DeviationTracker)
        throws
    {
        let values: [[Double?]] = rows.map { $0.map { ($0 as? NSNumber)?.doubleValue } }
        let matrix = try RatingMatrix(values)
        let declared = (cats as? [NSNumber])?.map(\.doubleValue)
        let observed = Array(Set(values.flatMap { $0.compactMap { $0 } })).sorted()
        let categories = declared ?? observed
        t.check(Agreement.percentAgreement(matrix), res["percent_agreement"], "\(name) percent")
        if let ck = res["cohen_kappa"] as? [String: Any] {
            let a = values[0].compactMap { $0 }
            let b = values[1].compactMap { $0 }
            for w in KappaWeighting.allCases {
                t.check(
                    try Agreement.cohenKappa(a, b, categories: categories, weighting: w), ck[w.rawValue],
                    "\(name) cohen \(w)")
            }
        }
        if res["fleiss_kappa"] != nil {
            t.check(try Agreement.fleissKappa(values, categories: categories), res["fleiss_kappa"], "\(name) fleiss")
        }
        let alpha = try dict(res["krippendorff_alpha"])
        #expect(alpha.count == 4)
        for level in MeasurementLevel.allCases {
            let domain = (level == .nominal || level == .ordinal) ? declared : nil
            t.check(
                try Agreement.krippendorffAlpha(matrix, level: level, domain: domain), alpha[level.rawValue],
                "\(name) alpha \(level)")
        }
        if let g = res["gwet_ac1"] as? [String: Any] {
            let ac1 = try Agreement.gwetAC1(values, categories: categories)
            t.check(ac1.value, g["ac1"], "\(name) ac1")
            t.check(ac1.percentAgreement, g["pa"], "\(name) ac1 pa")
            t.check(ac1.chanceAgreement, g["pe"], "\(name) ac1 pe")
            t.check(ac1.value, g["irrCAC_crosscheck"], "\(name) ac1 vs irrCAC")
        }
        if let corr = res["correlation"] as? [String: Any] {
            let c = try Correlations(values[0].compactMap { $0 }, values[1].compactMap { $0 })
            for (key, value) in c.named { t.check(value, corr[key], "\(name) \(key)") }
        }
        if let icc = res["icc"] as? [String: Any] {
            let r = try Agreement.intraclassCorrelations(matrix)
            t.check(r.icc1, icc["ICC1"], "\(name) ICC1")
            t.check(r.icc2, icc["ICC2_1"], "\(name) ICC2_1")
            t.check(r.icc3, icc["ICC3_1"], "\(name) ICC3_1")
            t.check(r.icc1k, icc["ICC1k"], "\(name) ICC1k")
            t.check(r.icc2k, icc["ICC2k"], "\(name) ICC2k")
            t.check(r.icc3k, icc["ICC3k"], "\(name) ICC3k")
        }
    }

    @Test func pairwiseMTBenchCase() throws {
        let cases = try #require(doc["pairwise_cases"] as? [[String: Any]])
        let c = try #require(cases.first)
        let judgeRaw = try #require(c["judge"] as? [String: String])
        let humansRaw = try #require(c["humans"] as? [String: [String]])
        let judge = try judgeRaw.mapValues { try #require(PairwiseVerdict(rawValue: $0)) }
        let humans = try humansRaw.mapValues { try $0.map { try #require(PairwiseVerdict(rawValue: $0)) } }
        let res = try dict(c["results"])
        let got: [String: AgreementCount] = [
            "judge_vs_human_with_ties": Agreement.mtBenchAgreement(judge: judge, humans: humans, includeTies: true),
            "judge_vs_human_without_ties": Agreement.mtBenchAgreement(judge: judge, humans: humans, includeTies: false),
            "human_vs_human_with_ties": Agreement.mtBenchHumanAgreement(humans: humans, includeTies: true),
            "human_vs_human_without_ties": Agreement.mtBenchHumanAgreement(humans: humans, includeTies: false),
        ]
        var t = DeviationTracker()
        for (key, count) in got {
            let e = try dict(res[key])
            #expect(count.agree == (e["agree"] as? Int), "\(key) agree")
            #expect(count.total == (e["total"] as? Int), "\(key) total")
            t.check(count.ratio, e["ratio"], "\(key) ratio")
        }
    }

    @Test func levelNamesAreStable() {
        #expect(MeasurementLevel.allCases.map(\.rawValue) == ["nominal", "ordinal", "interval", "ratio"])
    }
}
