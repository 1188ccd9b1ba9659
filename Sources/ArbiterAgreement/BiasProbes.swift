// BiasProbes: two audits of how a judge errs, each with bootstrap intervals over items.
// Verbosity — graded: Spearman and Pearson of the judge's score with the response length (characters)
// and of the judge-vs-human residual (judge score − human mean) with it; pairwise: how often the judge
// picks the longer response minus how often the humans do. Self-preference — from generator metadata
// and the judge's model family (ModelFamily.swift): graded, the judge's mean score on same-family
// minus other-family responses, minus the humans' same difference; pairwise, the judge's win rate
// of the same-family response minus the humans'. A probe that cannot be measured says why.
// Not the trivial baselines (TrivialBaselines.swift).
import Foundation

/// One probe: metrics with intervals, or the reason it could not be measured.
public struct BiasProbe: Sendable {
    /// nil when measured; else a sentence starting "not measurable: ".
    public let notMeasurable: String?
    /// What the metrics mean.
    public let summary: String
    public let metrics: [String: MetricValue]
    public let metricOrder: [String]
    /// Context (judge family, metadata key, item counts, …) as strings.
    public let details: [String: String]

    static func unmeasurable(_ why: String, summary: String, details: [String: String] = [:]) -> BiasProbe {
        BiasProbe(
            notMeasurable: "not measurable: " + why, summary: summary, metrics: [:], metricOrder: [], details: details)
    }

    var json: [String: Any] {
        var m: [String: Any] = [:]
        for (k, v) in metrics { m[k] = v.json }
        return [
            "measurable": notMeasurable == nil, "note": notMeasurable.map { $0 as Any } ?? NSNull(),
            "summary": summary, "metrics": m, "details": details,
        ]
    }
}

/// The bias probes of one criterion.
public struct BiasProbes: Sendable {
    public let verbosity: BiasProbe
    public let selfPreference: BiasProbe

    /// (JSON key, probe) in report order.
    public var named: [(key: String, probe: BiasProbe)] {
        [("verbosity", verbosity), ("self_preference", selfPreference)]
    }

    var json: [String: Any] { ["verbosity": verbosity.json, "self_preference": selfPreference.json] }

    /// Sample metadata keys read as the generator of a graded response, in order.
    public static let generatorKeys = ["model", "generator", "generator_model", "model_name"]
    /// Pairs of keys naming the generators of response_a and response_b.
    public static let pairGeneratorKeys = [("model_a", "model_b"), ("generator_a", "generator_b")]
    /// PandaLM's `cmp_key`: "<model of response_a>_<model of response_b>".
    public static let combinedPairKey = "cmp_key"

    static let verbositySummary =
        "Spearman/Pearson of the judge score with response length (characters), and of the residual (judge score − human mean) with it; a residual that grows with length means the judge rewards length more than the humans do"
    static let selfSummary =
        "judge mean score on responses from its own model family minus on other families, minus the same difference for the human mean (self_preference > 0: the judge favours its family more than the humans do)"
    static let pairVerbositySummary =
        "rate at which the judge picks the longer response (ties count ½; items of equal length left out) minus the humans' rate"
    static let pairSelfSummary =
        "rate at which the judge picks the response from its own model family (items where exactly one response is) minus the humans' rate"

    /// Probes of a graded audit. - Parameters: ids, judge and humanMean are (items,).
    static func graded(
        ids: [String], judge: [Double], humanMean: [Double], judgeModel: String,
        options: AuditOptions
    ) throws -> BiasProbes {
        BiasProbes(
            verbosity: try gradedVerbosity(ids: ids, judge: judge, humanMean: humanMean, options: options),
            selfPreference: try gradedSelfPreference(
                ids: ids, judge: judge, humanMean: humanMean,
                judgeModel: judgeModel, options: options))
    }

    static func gradedVerbosity(ids: [String], judge: [Double], humanMean: [Double], options: AuditOptions) throws
        -> BiasProbe
    {
        guard let samples = options.samples else {
            return .unmeasurable("no samples file with the responses (--samples)", summary: verbositySummary)
        }
        let texts = ids.map { samples.byID[$0]?.response }
        guard texts.allSatisfy({ $0 != nil }) else {
            return .unmeasurable("\(samples.name) lacks the response of some audited ids", summary: verbositySummary)
        }
        let lengths = texts.map { Double(LengthUnit.characters.length(of: $0 ?? "")) }
        guard lengths.contains(where: { $0 > 0 }) else {
            return .unmeasurable("the samples hold no response text", summary: verbositySummary)
        }
        let keys = [
            "score_vs_length_spearman", "score_vs_length_pearson", "residual_vs_length_spearman",
            "residual_vs_length_pearson", "human_vs_length_spearman",
        ]
        let residual = zip(judge, humanMean).map { $0 - $1 }
        let metrics = try AgreementAudit.withIntervals(itemCount: ids.count, options: options, keys: keys) { idx in
            let x = idx.map { lengths[$0] }
            let s = try Correlations(x, idx.map { judge[$0] })
            let r = try Correlations(x, idx.map { residual[$0] })
            return [s.spearman, s.pearson, r.spearman, r.pearson, try Agreement.spearman(x, idx.map { humanMean[$0] })]
        }
        return BiasProbe(
            notMeasurable: nil, summary: verbositySummary, metrics: metrics, metricOrder: keys,
            details: ["length_unit": "characters", "n_items": "\(ids.count)"])
    }

    /// The family of each id's generator (nil = unknown) and the metadata key used, or why none.
    static func generatorFamilies(ids: [String], samples: SampleFile?) -> (
        families: [String?], key: String, names: [String]
    )? {
        guard let samples else { return nil }
        for key in generatorKeys {
            let names = ids.map { samples.byID[$0]?.metadata[key] }
            guard names.contains(where: { $0 != nil }) else { continue }
            return (
                names.map { $0.flatMap(ModelFamily.family(of:)) }, key, Array(Set(names.compactMap { $0 })).sorted()
            )
        }
        return nil
    }

    static func gradedSelfPreference(
        ids: [String], judge: [Double], humanMean: [Double], judgeModel: String,
        options: AuditOptions
    ) throws -> BiasProbe {
        guard let (families, key, names) = generatorFamilies(ids: ids, samples: options.samples) else {
            return .unmeasurable(
                "no generator metadata", summary: selfSummary,
                details: ["metadata_keys_tried": generatorKeys.joined(separator: ", ")])
        }
        guard let own = ModelFamily.family(of: judgeModel) else {
            return .unmeasurable("the judge's model name \"\(judgeModel)\" names no model family", summary: selfSummary)
        }
        var details = [
            "judge_model": judgeModel, "judge_family": own, "metadata_key": key,
            "generators": names.prefix(20).joined(separator: ", "),
        ]
        let same = families.map { $0 == own }
        let known = families.map { $0 != nil }
        let nSame = same.filter { $0 }.count
        let nOther = zip(same, known).filter { !$0 && $1 }.count
        details["n_same_family"] = "\(nSame)"
        details["n_other_family"] = "\(nOther)"
        guard nSame > 0, nOther > 0 else {
            let why =
                families.allSatisfy({ $0 == nil })
                ? "generator metadata (\(key): \(names.prefix(8).joined(separator: ", "))) names no model family"
                : "no response from \(nSame == 0 ? "the judge's family (\(own))" : "another family") among the generators (\(key))"
            return .unmeasurable(why, summary: selfSummary, details: details)
        }
        let keys = ["judge_same_minus_other", "human_same_minus_other", "self_preference"]
        let metrics = try AgreementAudit.withIntervals(itemCount: ids.count, options: options, keys: keys) { idx in
            var js = 0.0
            var jo = 0.0
            var hs = 0.0
            var ho = 0.0
            var ns = 0
            var no = 0
            for i in idx where known[i] {
                if same[i] {
                    js += judge[i]
                    hs += humanMean[i]
                    ns += 1
                } else {
                    jo += judge[i]
                    ho += humanMean[i]
                    no += 1
                }
            }
            guard ns > 0, no > 0 else { return [nil, nil, nil] }
            let j = js / Double(ns) - jo / Double(no)
            let h = hs / Double(ns) - ho / Double(no)
            return [j, h, j - h]
        }
        return BiasProbe(
            notMeasurable: nil, summary: selfSummary, metrics: metrics, metricOrder: keys, details: details)
    }
}
