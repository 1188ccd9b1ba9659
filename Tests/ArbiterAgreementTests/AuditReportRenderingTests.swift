import ArbiterAgreement
// AuditReportRenderingTests: the report's JSON key set is pinned (graded, pairwise, several judges),
// the HTML is well-formed XML holding every section and plot, a judge no better than a trivial
// baseline is flagged in JSON, Markdown and HTML, the loader keeps `distribution` and the
// calibration numbers are the hand-computed ones, and the trust gate passes/fails with evidence.
import ArbiterCore
import ArbiterTestSupport
import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite struct AuditReportRenderingTests {
    func file(_ text: String, _ name: String) throws -> LabelFile {
        try LabelFile(parsing: Data(text.utf8), name: name)
    }

    /// Three raters and a judge with a score distribution on 5 items, scale 1…3.
    func graded() throws -> (LabelFile, LabelFile) {
        var h = ""
        var j = ""
        let scores: [[Double]] = [[1, 1, 2], [2, 2, 2], [3, 3, 2], [1, 2, 1], [3, 3, 3]]
        let judge: [Double] = [1, 2, 3, 2, 3]
        for (i, row) in scores.enumerated() {
            for (r, s) in row.enumerated() { h += #"{"id":"i\#(i)","rater":"r\#(r)","score":\#(s)}"# + "\n" }
            let top = judge[i]
            j +=
                #"{"id":"i\#(i)","judge":"J","score":\#(top),"distribution":{"\#(Int(top))":0.7,"\#(Int(top) == 1 ? 2 : 1)":0.3}}"#
                + "\n"
        }
        return (try file(h, "h.jsonl"), try file(j, "j.jsonl"))
    }

    static let gradedKeys: Set<String> = [
        "n_items", "percent_agreement", "cohen_kappa_quadratic", "krippendorff_alpha", "gwet_ac1", "spearman",
        "kendall_tau_b",
        "pearson", "icc2_1", "human_human", "judge_vs_human_ratio", "human_raters", "only_human_ids",
        "only_human_count",
        "only_judge_ids", "only_judge_count", "human_human_statistic", "baselines", "trivial_baseline_check",
        "judge_minus_human",
        "calibration", "judge_scores_rounded_to_scale", "scale_rounding", "bias_probes", "judge_failures",
    ]

    @Test func jsonKeysAreStable() throws {
        let (h, j) = try graded()
        let report = try AgreementAudit.run(
            human: h, judge: j,
            options: try AuditOptions(
                scale: [1, 2, 3], bootstrap: try Bootstrap(replicates: 30, seed: 1), intervalMethod: .percentile))
        let object = try #require(try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "arbiter_audit_version", "human_file", "judge_file", "judge", "kind", "bootstrap", "judges", "criteria",
            ])
        let crit = try dict(try dict(object["criteria"])[""])
        #expect(Set(crit.keys) == Self.gradedKeys)
        let viaJudges = try dict(try dict(try dict(try dict(object["judges"])["J"])["criteria"])[""])
        #expect(Set(viaJudges.keys) == Self.gradedKeys)
        for key in AgreementAuditKeys.required {
            guard key != "n_items" else { continue }
            #expect(Set(try dict(crit[key]).keys) == ["value", "ci_low", "ci_high"], "\(key)")
        }
        #expect(
            Set(try dict(crit["trivial_baseline_check"]).keys) == [
                "metric", "judge_value", "judge_ci_low", "best_baseline",
                "best_value", "judge_beats_best", "judge_ci_above_best",
                "judge_point_above_best", "judge_value_positive",
            ])

        // Pairwise, two judges: no top-level criteria; not-applicable keys are listed with reasons.
        let votes = try file(
            "{\"id\":\"1\",\"rater\":\"x\",\"winner\":\"a\"}\n{\"id\":\"2\",\"rater\":\"x\",\"winner\":\"b\"}\n{\"id\":\"1\",\"rater\":\"y\",\"winner\":\"a\"}\n{\"id\":\"2\",\"rater\":\"y\",\"winner\":\"tie\"}",
            "hv.jsonl")
        let judges = try file(
            "{\"id\":\"1\",\"judge\":\"P\",\"winner\":\"a\"}\n{\"id\":\"2\",\"judge\":\"P\",\"winner\":\"b\"}\n{\"id\":\"1\",\"judge\":\"Q\",\"winner\":\"b\"}\n{\"id\":\"2\",\"judge\":\"Q\",\"winner\":\"b\"}",
            "jv.jsonl")
        let two = try AgreementAudit.run(human: votes, judge: judges, options: try AuditOptions())
        let o2 = try #require(try JSONSerialization.jsonObject(with: two.jsonData()) as? [String: Any])
        let judgeNames = Set(try dict(o2["judges"]).keys)
        #expect(o2["criteria"] == nil && judgeNames == ["P", "Q"])
        let p = try dict(try dict(try dict(try dict(o2["judges"])["P"])["criteria"])[""])
        #expect(
            Set(p.keys).isSuperset(of: [
                "n_items", "percent_agreement", "mtbench_without_ties", "cohen_kappa", "krippendorff_alpha",
                "gwet_ac1", "human_human", "judge_vs_human_ratio", "not_applicable",
            ]))
        let na = Set(try dict(p["not_applicable"]).keys)
        #expect(na == Set(AgreementAuditKeys.required).subtracting(p.keys))
    }

    @Test func htmlIsWellFormedAndHoldsEverySection() throws {
        let (h, j) = try graded()
        let report = try AgreementAudit.run(
            human: h, judge: j,
            options: try AuditOptions(
                scale: [1, 2, 3], bootstrap: try Bootstrap(replicates: 30, seed: 1), intervalMethod: .percentile))
        let html = report.html()
        for section in [
            "<h3>Metrics</h3>", "<h3>Judge − human</h3>", "<h3>Trivial baselines</h3>", "<h3>Calibration</h3>",
            "<h3>Plots</h3>", "Confusion counts", "judge label →", "human label →", "Judge vs mean human score",
            "Metrics with bootstrap intervals", "Label distribution", "Calibration (ECE", "count</text>",
        ] {
            #expect(html.contains(section), "missing \(section)")
        }
        #expect(html.components(separatedBy: "<svg").count - 1 == 5)
        #expect(!html.contains("<script"))
        // Every metric appears in the forest plot with its printed value.
        let spearman = try #require(report.criteria.first?.metrics["spearman"]?.value)
        #expect(html.contains(String(format: "%.3f [", spearman)))
        #if canImport(FoundationXML)
            let parser = XMLParser(data: Data(html.utf8))
            #expect(parser.parse(), "HTML is not well-formed: \(String(describing: parser.parserError))")
        #endif
        // Several judges: a side-by-side table, and each judge's sections.
        let votes = try file(
            "{\"id\":\"1\",\"rater\":\"x\",\"winner\":\"a\"}\n{\"id\":\"2\",\"rater\":\"x\",\"winner\":\"b\"}",
            "hv.jsonl")
        let judges = try file(
            "{\"id\":\"1\",\"judge\":\"P\",\"winner\":\"a\"}\n{\"id\":\"2\",\"judge\":\"P\",\"winner\":\"b\"}\n{\"id\":\"1\",\"judge\":\"Q\",\"winner\":\"b\"}\n{\"id\":\"2\",\"judge\":\"Q\",\"winner\":\"b\"}",
            "jv.jsonl")
        let two = try AgreementAudit.run(human: votes, judge: judges, options: try AuditOptions()).html()
        #expect(
            two.contains("Judges side by side") && two.contains("P — (no criterion)")
                && two.contains("Q — (no criterion)"))
        // category labels of the histogram and heatmap
        #expect(two.contains(">a</text>") && two.contains(">tie</text>"))
        #if canImport(FoundationXML)
            #expect(XMLParser(data: Data(two.utf8)).parse())
        #endif
    }

    @Test func judgeNoBetterThanATrivialBaselineIsFlagged() throws {
        // Humans mostly say b; the judge always says b: it ties the always_b baseline, so it does not beat it.
        var h = ""
        var j = ""
        for i in 0..<10 {
            h += #"{"id":"\#(i)","rater":"x","winner":"\#(i < 8 ? "b" : "a")"}"# + "\n"
            j += #"{"id":"\#(i)","judge":"lazy","winner":"b"}"# + "\n"
        }
        let report = try AgreementAudit.run(
            human: try file(h, "h.jsonl"), judge: try file(j, "j.jsonl"), options: try AuditOptions())
        let v = try #require(report.criteria.first?.baselineVerdict)
        #expect(!v.beatsBest && v.bestBaseline == "always_b" && v.judgeValue == 0.8)
        #expect(report.markdown().contains("does NOT beat the trivial baseline \"always_b\""))
        #expect(report.html().contains("class=\"warn\""))
        let crit = try dict(
            try dict((try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])?["criteria"])[""])
        #expect(try dict(crit["trivial_baseline_check"])["judge_beats_best"] as? Bool == false)
        let gate = try TrustGate(parsing: "baselines")
        #expect(!gate.evaluate(report).passed)
    }

    @Test func calibrationMatchesHandComputedValues() throws {
        // conf 0.8 hit (bin 8), conf 0.6 miss (bin 6): ECE = ½·|1 − 0.8| + ½·|0 − 0.6| = 0.4.
        let cal = try #require(
            CalibrationSummary(distributions: [[1: 0.8, 2: 0.2], [1: 0.6, 2: 0.4], nil], humanMeans: [1.2, 1.9, 3]))
        #expect(cal.items == 2 && abs(cal.expectedCalibrationError - 0.4) < 1e-12)
        #expect(cal.bins[8].count == 1 && cal.bins[8].accuracy == 1 && cal.bins[6].accuracy == 0)
        // Expected scores 1.2 and 1.4 against human means 1.2 and 1.9: bias = (0 − 0.5) / 2.
        #expect(abs(cal.meanExpectedScoreBias + 0.25) < 1e-12)
        #expect(CalibrationSummary(distributions: [nil], humanMeans: [1]) == nil)

        let (h, j) = try graded()
        #expect(j.records.first?.distribution == [1: 0.7, 2: 0.3])
        let report = try AgreementAudit.run(human: h, judge: j, options: try AuditOptions(scale: [1, 2, 3]))
        let c = try #require(report.criteria.first?.calibration)
        #expect(c.items == 5 && c.bins[7].count == 5)
        // Consensus = level nearest the human mean: 1, 2, 3, 1, 3 vs judge tops 1, 2, 3, 2, 3 → 4 of 5 hit.
        #expect(abs(c.expectedCalibrationError - abs(0.8 - 0.7)) < 1e-12)

        for bad in [
            #""distribution":{"x":1}"#, #""distribution":{"1":-0.5}"#, #""distribution":[0.5]"#,
            #""distribution":{"1":0}"#, #""distribution":{}"#,
        ] {
            #expect(throws: LabelFileError.self) { try file(#"{"id":"a","judge":"J","score":1,\#(bad)}"#, "bad.jsonl") }
        }
    }

    @Test func fuzzedDistributionLinesParseOrThrowNeverTrap() throws {
        var good = ""
        for i in 0..<20 {
            good += #"{"id":"i\#(i)","judge":"J","score":2,"distribution":{"1":0.25,"2":0.5,"3":0.25}}"# + "\n"
        }
        var rng = SplitMix64(seed: 99)
        var parsed = 0
        var rejected = 0
        for _ in 0..<200 {
            var bytes = [UInt8](good.utf8)
            for _ in 0..<(1 + Int(rng.next(below: 6))) {
                bytes[Int(rng.next(below: UInt64(bytes.count)))] = UInt8(truncatingIfNeeded: rng.next())
            }
            do {
                let f = try LabelFile(parsing: Data(bytes), name: "fuzz.jsonl")
                for r in f.records { if let d = r.distribution { #expect(abs(d.values.reduce(0, +) - 1) < 1e-9) } }
                parsed += 1
            } catch is LabelFileError { rejected += 1 }
        }
        #expect(parsed + rejected == 200 && rejected > 0)
    }

    @Test func trustGatePassesAndFailsWithEvidence() throws {
        let report = try AgreementAudit.run(
            humanFile: Fixtures.url("agreement/pandalm/human_labels.jsonl"),
            judgeFile: Fixtures.url("agreement/pandalm/judge_labels.jsonl"),
            options: try AuditOptions(judge: "pandalm-7b"))
        let alpha = try #require(report.criteria.first?.metrics["krippendorff_alpha"]?.value)
        let ratio = try #require(report.criteria.first?.metrics["judge_vs_human_ratio"]?.value)
        let pass = try TrustGate(minimumAlpha: alpha - 0.01, minimumFractionOfHumanBaseline: ratio - 0.01).evaluate(
            report)
        #expect(pass.passed && pass.checks.count == 2 && pass.checks[0].value == alpha)
        let fail = try TrustGate(parsing: "alpha>=\(alpha + 0.01), ratio >= 0.5").evaluate(report)
        #expect(!fail.passed && fail.checks.map(\.passed) == [false, true])
        #expect(
            fail.summary.contains("FAIL pandalm-7b: krippendorff_alpha") && fail.summary.hasSuffix("trust gate: FAILED")
        )
        // No bootstrap: a lower-bound requirement cannot pass, and says why; unknown metrics say so too.
        let low = try TrustGate(parsing: "alpha.ci_low>=0,spearman>=0").evaluate(report)
        #expect(!low.passed && low.checks[0].note.contains("bootstrap") && low.checks[1].note.contains("not reported"))
        for bad in ["", "alpha>0.6", "alpha>=x", "alpha>=inf"] {
            #expect(throws: AuditError.self, "\(bad)") { try TrustGate(parsing: bad) }
        }
    }
}

/// The per-criterion keys the audit JSON promises (graded data reports all of them).
enum AgreementAuditKeys {
    static let required = [
        "n_items", "percent_agreement", "cohen_kappa_quadratic", "krippendorff_alpha", "gwet_ac1", "spearman",
        "kendall_tau_b", "pearson", "icc2_1", "human_human", "judge_vs_human_ratio",
    ]
}
