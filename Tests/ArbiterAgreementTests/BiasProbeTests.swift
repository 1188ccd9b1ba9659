// BiasProbeTests: the model-family normalisation on the names in the bundled data; the graded
// verbosity probe (score and judge − human residual against response length) and self-preference
// probe (same-family minus other-family, judge minus humans) against hand-computed values; the
// pairwise probes (longer-response and same-family win rates) on PandaLM-style cmp_key metadata;
// and "not measurable: no generator metadata" instead of a silent omission, in JSON, Markdown, HTML.
import ArbiterAgreement
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct BiasProbeTests {
    @Test func modelFamilies() {
        let cases: [(String, String?)] = [
            ("gpt-3.5-turbo", "gpt"), ("gpt-4", "gpt"), ("GPT-2 (tag)", "gpt"), ("ChatGPT/prompt1", "gpt"),
            ("GPT", "gpt"),
            ("llama-2-13b", "llama"), ("meta-llama/Llama-2-7b-chat-hf", "llama"), ("Llama-13B/prompt4", "llama"),
            ("pandalm-7b", "llama"), ("Beluga-13B/prompt2", "llama"), ("Mistral-7B/prompt1", "mistral"),
            ("Mixtral-8x7B", "mistral"), ("bloom-7b", "bloom"), ("cerebras-gpt-6.7B", "cerebras"), ("opt-7b", "opt"),
            ("pythia-6.9b", "pythia"), ("BertGeneration", "bert"), ("local:smollm2-135m", "smollm"),
            ("flan-t5-xl", "t5"),
            ("HINT", "hint"), ("Human", "human"), ("M11", nil), ("", nil), ("7b", nil),
        ]
        for (name, family) in cases { #expect(ModelFamily.family(of: name) == family, "\(name)") }
    }

    func files(humans: [Double], judge: [Double], judgeName: String, samples: [String]) throws
        -> (LabelFile, LabelFile, SampleFile)
    {
        var h = ""
        var j = ""
        var s = ""
        for i in humans.indices {
            h += #"{"id":"i\#(i)","rater":"r","score":\#(humans[i])}"# + "\n"
            j += #"{"id":"i\#(i)","judge":"\#(judgeName)","score":\#(judge[i])}"# + "\n"
            s += samples[i] + "\n"
        }
        return (
            try LabelFile(parsing: Data(h.utf8), name: "h.jsonl"),
            try LabelFile(parsing: Data(j.utf8), name: "j.jsonl"),
            try SampleFile(parsing: Data(s.utf8), name: "s.jsonl")
        )
    }

    @Test func gradedProbesMatchHandComputedValues() throws {
        let humans: [Double] = [2, 3, 3, 4, 2, 5]
        let judge: [Double] = [3, 3, 4, 5, 2, 5]
        let lengths = [10, 20, 30, 40, 50, 60]
        let generators = ["gpt-4", "GPT-2", "llama-2-7b", "gpt-3.5-turbo", "Mistral-7B", "Human"]
        let samples = humans.indices.map { i in
            #"{"id":"i\#(i)","prompt":"p","response":"\#(String(repeating: "w", count: lengths[i]))","metadata":{"generator":"\#(generators[i])"}}"#
        }
        let (h, j, s) = try files(humans: humans, judge: judge, judgeName: "gpt-3.5-turbo", samples: samples)
        let options = try AuditOptions(
            bootstrap: try Bootstrap(replicates: 100, seed: 2), intervalMethod: .percentile, samples: s)
        let report = try AgreementAudit.run(human: h, judge: j, options: options)
        let probes = try #require(report.criteria.first?.biasProbes)

        let x = lengths.map(Double.init)
        let residual = zip(judge, humans).map { $0 - $1 }
        let v = probes.verbosity
        #expect(v.notMeasurable == nil)
        func value(_ p: BiasProbe, _ k: String) throws -> Double { try #require(p.metrics[k]?.value, "\(k)") }
        #expect(
            abs(try value(v, "score_vs_length_spearman") - (try #require(try Agreement.spearman(x, judge)))) < 1e-12)
        #expect(abs(try value(v, "score_vs_length_pearson") - (try #require(try Agreement.pearson(x, judge)))) < 1e-12)
        #expect(
            abs(try value(v, "residual_vs_length_spearman") - (try #require(try Agreement.spearman(x, residual))))
                < 1e-12)
        #expect(
            abs(try value(v, "residual_vs_length_pearson") - (try #require(try Agreement.pearson(x, residual)))) < 1e-12
        )
        #expect(v.metrics["residual_vs_length_pearson"]?.ciLow != nil)

        // Same family (gpt): items 0, 1, 3; other: 2, 4, 5.
        let sp = probes.selfPreference
        #expect(sp.notMeasurable == nil && sp.details["judge_family"] == "gpt" && sp.details["n_same_family"] == "3")
        let judgeDiff = (3.0 + 3 + 5) / 3 - (4.0 + 2 + 5) / 3
        let humanDiff = (2.0 + 3 + 4) / 3 - (3.0 + 2 + 5) / 3
        #expect(abs(try value(sp, "judge_same_minus_other") - judgeDiff) < 1e-12)
        #expect(abs(try value(sp, "human_same_minus_other") - humanDiff) < 1e-12)
        #expect(abs(try value(sp, "self_preference") - (judgeDiff - humanDiff)) < 1e-12)
        let sm = try #require(sp.metrics["self_preference"])
        #expect(try #require(sm.ciLow) <= sm.value ?? .nan && sm.value ?? .nan <= (try #require(sm.ciHigh)))

        let json = try #require(try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        let bp = try dict(try dict(try dict(json["criteria"])[""])["bias_probes"])
        #expect(Set(bp.keys) == ["verbosity", "self_preference"])
        #expect(Set(try dict(bp["self_preference"]).keys) == ["measurable", "note", "summary", "metrics", "details"])
        #expect(Set(try dict(try dict(bp["verbosity"])["metrics"]).keys) == Set(v.metricOrder))
        #expect(
            report.markdown().contains("| residual_vs_length_spearman |")
                && report.html().contains("<h4>self_preference</h4>"))
    }

    @Test func missingMetadataIsSaidNotOmitted() throws {
        let samples = (0..<4).map {
            #"{"id":"i\#($0)","prompt":"p","response":"r\#(String(repeating: "x", count: $0))"}"#
        }
        let (h, j, s) = try files(humans: [1, 2, 3, 4], judge: [1, 3, 3, 4], judgeName: "J", samples: samples)
        let report = try AgreementAudit.run(human: h, judge: j, options: try AuditOptions(samples: s))
        let sp = try #require(report.criteria.first?.biasProbes?.selfPreference)
        #expect(sp.notMeasurable == "not measurable: no generator metadata")
        #expect(report.markdown().contains("not measurable: no generator metadata"))
        #expect(report.html().contains("not measurable: no generator metadata"))
        // Without a samples file both probes say why.
        let bare = try AgreementAudit.run(human: h, judge: j, options: try AuditOptions())
        let probes = try #require(bare.criteria.first?.biasProbes)
        #expect(probes.verbosity.notMeasurable?.hasPrefix("not measurable: no samples file") == true)
        #expect(probes.selfPreference.notMeasurable == "not measurable: no generator metadata")
        // System ids that name no model family (SummEval's M11…) are not a family either.
        let systems = (0..<4).map {
            #"{"id":"i\#($0)","prompt":"p","response":"r","metadata":{"model_name":"M1\#($0)"}}"#
        }
        let (h2, j2, s2) = try files(humans: [1, 2, 3, 4], judge: [1, 3, 3, 4], judgeName: "gpt-4", samples: systems)
        let r2 = try AgreementAudit.run(human: h2, judge: j2, options: try AuditOptions(samples: s2))
        #expect(r2.criteria.first?.biasProbes?.selfPreference.notMeasurable?.contains("names no model family") == true)
    }

    @Test func pairwiseProbesFromCmpKey() throws {
        // Four pairs; the judge (pandalm-7b, a LLaMA fine-tune) is from the family of llama-7b.
        let pairs = [
            ("llama-7b", "opt-7b"), ("bloom-7b", "llama-7b"), ("opt-7b", "pythia-6.9b"), ("llama-7b", "bloom-7b"),
        ]
        let lengths = [(30, 10), (10, 30), (10, 10), (5, 50)]
        let judgeVotes = ["a", "b", "a", "tie"]
        let humanVotes = [["a", "b"], ["a", "a"], ["b", "b"], ["b", "b"]]
        var h = ""
        var j = ""
        var s = ""
        for i in 0..<4 {
            for (r, vote) in humanVotes[i].enumerated() {
                h += #"{"id":"p\#(i)","rater":"h\#(r)","winner":"\#(vote)"}"# + "\n"
            }
            j += #"{"id":"p\#(i)","judge":"pandalm-7b","winner":"\#(judgeVotes[i])"}"# + "\n"
            s +=
                #"{"id":"p\#(i)","prompt":"q","response_a":"\#(String(repeating: "a", count: lengths[i].0))","response_b":"\#(String(repeating: "b", count: lengths[i].1))","metadata":{"cmp_key":"\#(pairs[i].0)_\#(pairs[i].1)"}}"#
                + "\n"
        }
        let report = try AgreementAudit.run(
            human: try LabelFile(parsing: Data(h.utf8), name: "h.jsonl"),
            judge: try LabelFile(parsing: Data(j.utf8), name: "j.jsonl"),
            options: try AuditOptions(samples: try SampleFile(parsing: Data(s.utf8), name: "s.jsonl")))
        let probes = try #require(report.criteria.first?.biasProbes)
        // Same-family side: p0 a, p1 b, p3 a (p2 has none). Judge credits 1, 1, ½; humans 1,0, 0,0, 0,0.
        let sp = probes.selfPreference
        #expect(
            sp.notMeasurable == nil && sp.details["metadata_key"] == "cmp_key" && sp.details["judge_family"] == "llama")
        #expect(sp.metrics["judge_same_family_rate"]?.value == 2.5 / 3)
        #expect(sp.metrics["human_same_family_rate"]?.value == 1.0 / 6)
        let expected: Double = 2.5 / 3 - 1.0 / 6
        let difference = try #require(sp.metrics["same_family_rate_minus_human"]?.value)
        #expect(abs(difference - expected) < 1e-12)
        // Longer side: p0 a, p1 b, p3 b (p2 equal). Judge 1, 1, ½; humans 1,0, 0,0, 1,1.
        let vb = probes.verbosity
        #expect(vb.metrics["judge_longer_rate"]?.value == 2.5 / 3 && vb.metrics["human_longer_rate"]?.value == 0.5)
        // gpt-3.5-turbo has no family member among these generators: said, not omitted.
        let gpt = j.replacingOccurrences(of: "pandalm-7b", with: "gpt-3.5-turbo")
        let other = try AgreementAudit.run(
            human: try LabelFile(parsing: Data(h.utf8), name: "h.jsonl"),
            judge: try LabelFile(parsing: Data(gpt.utf8), name: "j.jsonl"),
            options: try AuditOptions(samples: try SampleFile(parsing: Data(s.utf8), name: "s.jsonl")))
        #expect(
            other.criteria.first?.biasProbes?.selfPreference.notMeasurable?.contains("judge's family (gpt)") == true)
    }
}
