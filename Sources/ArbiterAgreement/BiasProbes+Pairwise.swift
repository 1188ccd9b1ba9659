// BiasProbes+Pairwise: the bias probes of a/b/tie audits — verbosity (the judge's rate of picking the
// longer response minus the humans') and self-preference (its rate of picking the response from its
// own model family minus the humans'), from samples with response_a/response_b and generator
// metadata (model_a/model_b, generator_a/generator_b, or PandaLM's cmp_key "<a>_<b>").
import ArbiterCore

extension BiasProbes {
    /// Probes of a pairwise audit. - Parameters: ids and judge are (items,), humans (items, votes).
    static func pairwise(
        ids: [String], judge: [PairwiseVerdict], humans: [[PairwiseVerdict]], judgeModel: String,
        options: AuditOptions
    ) throws -> BiasProbes {
        BiasProbes(
            verbosity: try pairwiseVerbosity(ids: ids, judge: judge, humans: humans, options: options),
            selfPreference: try pairwiseSelfPreference(
                ids: ids, judge: judge, humans: humans,
                judgeModel: judgeModel, options: options))
    }

    /// Judge and human rates of voting for `side[i]` (nil = item left out), and their difference.
    static func sidePreference(
        judge: [PairwiseVerdict], humans: [[PairwiseVerdict]], side: [PairwiseVerdict?],
        options: AuditOptions, prefix: String
    ) throws -> (keys: [String], metrics: [String: MetricValue]) {
        func credit(_ v: PairwiseVerdict, _ s: PairwiseVerdict) -> Double { v == s ? 1 : (v == .tie ? 0.5 : 0) }
        let keys = ["judge_\(prefix)_rate", "human_\(prefix)_rate", "\(prefix)_rate_minus_human"]
        let metrics = try AgreementAudit.withIntervals(itemCount: judge.count, options: options, keys: keys) { idx in
            var j = 0.0
            var nj = 0
            var h = 0.0
            var nh = 0
            for i in idx {
                guard let s = side[i] else { continue }
                j += credit(judge[i], s)
                nj += 1
                for v in humans[i] {
                    h += credit(v, s)
                    nh += 1
                }
            }
            guard nj > 0 else { return [nil, nil, nil] }
            let jr = j / Double(nj)
            let hr: Double? = nh > 0 ? h / Double(nh) : nil
            return [jr, hr, hr.map { jr - $0 }]
        }
        return (keys, metrics)
    }

    static func pairwiseVerbosity(
        ids: [String], judge: [PairwiseVerdict], humans: [[PairwiseVerdict]],
        options: AuditOptions
    ) throws -> BiasProbe {
        guard let samples = options.samples else {
            return .unmeasurable("no samples file with the responses (--samples)", summary: pairVerbositySummary)
        }
        var side: [PairwiseVerdict?] = []
        for id in ids {
            guard let s = samples.byID[id], let a = s.responseA, let b = s.responseB else {
                return .unmeasurable(
                    "\(samples.name) lacks response_a/response_b of some audited ids", summary: pairVerbositySummary)
            }
            let la = LengthUnit.characters.length(of: a)
            let lb = LengthUnit.characters.length(of: b)
            side.append(la == lb ? nil : (la > lb ? .a : .b))
        }
        let used = side.compactMap { $0 }.count
        guard used > 0 else {
            return .unmeasurable("every pair has responses of equal length", summary: pairVerbositySummary)
        }
        let (keys, metrics) = try sidePreference(
            judge: judge, humans: humans, side: side, options: options, prefix: "longer")
        return BiasProbe(
            notMeasurable: nil, summary: pairVerbositySummary, metrics: metrics, metricOrder: keys,
            details: ["length_unit": "characters", "n_items_unequal_length": "\(used)"])
    }

    /// The generator names of response_a and response_b of each id (nil when unknown), and the key(s).
    static func pairGenerators(ids: [String], samples: SampleFile) -> (pairs: [(String, String)?], key: String)? {
        for (ka, kb) in pairGeneratorKeys {
            let pairs: [(String, String)?] = ids.map { id in
                guard let m = samples.byID[id]?.metadata, let a = m[ka], let b = m[kb] else { return nil }
                return (a, b)
            }
            if pairs.contains(where: { $0 != nil }) { return (pairs, "\(ka)/\(kb)") }
        }
        let pairs: [(String, String)?] = ids.map { id in
            guard let c = samples.byID[id]?.metadata[combinedPairKey] else { return nil }
            let parts = c.split(separator: "_", omittingEmptySubsequences: false)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
        return pairs.contains(where: { $0 != nil }) ? (pairs, combinedPairKey) : nil
    }

    static func pairwiseSelfPreference(
        ids: [String], judge: [PairwiseVerdict], humans: [[PairwiseVerdict]], judgeModel: String,
        options: AuditOptions
    ) throws -> BiasProbe {
        guard let samples = options.samples, let (pairs, key) = pairGenerators(ids: ids, samples: samples) else {
            return .unmeasurable(
                "no generator metadata", summary: pairSelfSummary,
                details: [
                    "metadata_keys_tried": (pairGeneratorKeys.map { "\($0.0)/\($0.1)" } + [combinedPairKey]).joined(
                        separator: ", ")
                ])
        }
        guard let own = ModelFamily.family(of: judgeModel) else {
            return .unmeasurable(
                "the judge's model name \"\(judgeModel)\" names no model family", summary: pairSelfSummary)
        }
        let names = Array(Set(pairs.compactMap { $0 }.flatMap { [$0.0, $0.1] })).sorted()
        let side: [PairwiseVerdict?] = pairs.map { p in
            guard let (a, b) = p else { return nil }
            let fa = ModelFamily.family(of: a) == own
            let fb = ModelFamily.family(of: b) == own
            return fa == fb ? nil : (fa ? .a : .b)
        }
        let used = side.compactMap { $0 }.count
        var details = [
            "judge_model": judgeModel, "judge_family": own, "metadata_key": key,
            "generators": names.prefix(20).joined(separator: ", "), "n_items_one_side_same_family": "\(used)",
        ]
        guard used > 0 else {
            details["families"] = Array(Set(names.compactMap(ModelFamily.family(of:)))).sorted().joined(separator: ", ")
            return .unmeasurable(
                "no pair where exactly one response comes from the judge's family (\(own)) (\(key))",
                summary: pairSelfSummary, details: details)
        }
        let (keys, metrics) = try sidePreference(
            judge: judge, humans: humans, side: side, options: options, prefix: "same_family")
        return BiasProbe(
            notMeasurable: nil, summary: pairSelfSummary, metrics: metrics, metricOrder: keys, details: details)
    }
}
