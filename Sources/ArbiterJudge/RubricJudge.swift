// RubricJudge: builds the right LLM judge for a rubric (pointwise single criterion → LLMJudge,
// pointwise several criteria → MultiCriterionLLMJudge plus an "overall" aggregate line,
// pairwise → PairwiseLLMJudge), rendering prompts with the rubric and stamping every judgment
// with the rubric's name and content hash. It does not run files or persist (JudgeJob does).
// Probability-weighted with a verdict prefix works for both pointwise shapes: one prefix read
// for a single criterion, one per criterion ("<prefix><id>: ") for several.
//
// Aggregation choice: a multi-criterion rubric yields one extra judgment per sample with
// criterion "overall", whose score is `Rubric.aggregate` over the criteria (weights and rule from
// the rubric). When any criterion failed, "overall" is a failed judgment
// (`invalidSample`, naming the failed criteria) and carries no score. Probability-weighted
// criteria carry expected (fractional) scores, which are not levels `Rubric.aggregate` accepts;
// their "overall" is the expectation of the rubric's aggregate over every combination of levels,
// weighted by the product of the criteria's distributions (criteria read independently); for a
// weighted mean this equals the weighted mean of the expected scores.
import ArbiterChat
import ArbiterCore
import ArbiterRubric
import Foundation

/// Settings for every judge a rubric can build.
public struct RubricJudgeOptions: Sendable {
    /// How the backend is called: re-asks, timeout, concurrency, tokens, temperature, seed.
    public var call: JudgeCallSettings
    /// Score pointwise rubrics as the expected value over score-token probabilities, when the
    /// backend returns top-logprobs. Without `verdictPrefix` only single-criterion rubrics are
    /// weighted (at the verdict token of a free answer).
    public var probabilityWeighted: Bool
    /// With `probabilityWeighted`: read each criterion's score distribution from one prefill-only
    /// request whose assistant turn holds this prefix (e.g. "[RESULT] "; multi-criterion rubrics
    /// get "[RESULT] <id>: "), instead of generating an answer. Single and multi-criterion.
    public var verdictPrefix: String?
    /// Pairwise only: ask twice with A and B swapped (nil = ask once).
    public var swapPolicy: SwapPolicy?

    public init(
        call: JudgeCallSettings = .standard, probabilityWeighted: Bool = false,
        swapPolicy: SwapPolicy? = .inconsistentAsTie, verdictPrefix: String? = nil
    ) {
        self.call = call
        self.probabilityWeighted = probabilityWeighted
        self.swapPolicy = swapPolicy
        self.verdictPrefix = verdictPrefix
    }
}

/// A rubric that cannot build the judge asked for.
public enum RubricJudgeError: LocalizedError, Equatable {
    case wrongKind(rubric: String, kind: String, wanted: String)
    case noScale(rubric: String, criterion: String)

    public var errorDescription: String? {
        switch self {
        case .wrongKind(let r, let k, let w):
            return "rubric \(r) is \(k), but a \(w) judge was asked for; use a \(w) rubric (or drop/add --pairwise)"
        case .noScale(let r, let c):
            return "rubric \(r): criterion \(c) has no score scale; give it a scale in the rubric file"
        }
    }
}

/// Factory for judges driven by a rubric.
public enum RubricJudge {
    /// The criterion id of the aggregate line written for multi-criterion rubrics.
    public static let overallCriterion = "overall"

    /// A pointwise judge for `rubric` (which must be pointwise).
    public static func pointwise(
        name: String, rubric: Rubric, backend: any ChatBackend, options: RubricJudgeOptions = RubricJudgeOptions()
    ) throws -> RubricPointwiseJudge {
        guard rubric.kind == .pointwise else {
            throw RubricJudgeError.wrongKind(rubric: rubric.name, kind: rubric.kind.rawValue, wanted: "pointwise")
        }
        if let c = rubric.criteria.first(where: { $0.scale == nil }) {
            throw RubricJudgeError.noScale(rubric: rubric.name, criterion: c.id)
        }
        let hash = rubric.contentHash
        let render: @Sendable (JudgeSample) -> [ChatMessage] = { sample in
            rubric.renderPointwise(prompt: sample.prompt, response: sample.response, reference: sample.reference)
        }
        let prefix = options.probabilityWeighted ? options.verdictPrefix : nil
        // Answers (and prefix-read tokens) are read through each criterion's ScoreScale, so label
        // scales ("pass", "most") count as their levels' scores.
        if rubric.criteria.count == 1, let only = rubric.criteria.first, let scale = only.scale {
            let config = try LLMJudgeConfiguration(
                rubric: rubric.name, rubricHash: hash, criterion: only.id, allowed: AllowedScores(scale: scale),
                call: options.call, probabilityWeighted: options.probabilityWeighted, verdictPrefix: prefix,
                scale: scale)
            let inner = LLMJudge(name: name, backend: backend, configuration: config, render: render)
            return RubricPointwiseJudge(name: name, rubric: rubric, inner: inner, criteria: [only.id])
        }
        let criteria = rubric.criteria.compactMap { c in
            c.scale.map { CriterionScale(id: c.id, allowed: AllowedScores(scale: $0), scale: $0) }
        }
        let inner = try MultiCriterionLLMJudge(
            name: name, rubric: rubric.name, rubricHash: hash, criteria: criteria, call: options.call, backend: backend,
            verdictPrefix: prefix, render: render)
        return RubricPointwiseJudge(
            name: name, rubric: rubric, inner: inner, criteria: criteria.map(\.id) + [overallCriterion])
    }

    /// A pairwise judge for `rubric` (which must be pairwise); its judgments use the criterion
    /// "pairwise".
    public static func pairwise(
        name: String, rubric: Rubric, backend: any ChatBackend, options: RubricJudgeOptions = RubricJudgeOptions()
    ) throws -> PairwiseLLMJudge {
        guard rubric.kind == .pairwise else {
            throw RubricJudgeError.wrongKind(rubric: rubric.name, kind: rubric.kind.rawValue, wanted: "pairwise")
        }
        let config = PairwiseJudgeConfiguration(
            rubric: rubric.name, rubricHash: rubric.contentHash, criterion: "pairwise", swapPolicy: options.swapPolicy,
            call: options.call)
        return PairwiseLLMJudge(name: name, backend: backend, configuration: config) { prompt, first, second in
            rubric.renderPairwise(prompt: prompt, responseA: first, responseB: second)
        }
    }
}

/// A pointwise judge built from a rubric: the inner LLM judge's per-criterion judgments, plus an
/// "overall" line for multi-criterion rubrics.
public struct RubricPointwiseJudge: Judge {
    public let name: String
    public let rubric: Rubric
    let inner: any Judge<JudgeSample>
    /// The criterion ids each sample yields, in output order ("overall" last when present).
    public let criteria: [String]

    public func judge(_ samples: [JudgeSample]) async -> [Judgment] {
        let judged = await inner.judge(samples)
        guard criteria.contains(RubricJudge.overallCriterion) else { return judged }
        var bySample: [String: [Judgment]] = [:]
        for j in judged { bySample[j.id, default: []].append(j) }
        var out: [Judgment] = []
        var seen = Set<String>()
        for sample in samples where seen.insert(sample.id).inserted {
            let lines = bySample[sample.id] ?? []
            out += lines
            out.append(overall(sample.id, lines))
        }
        return out
    }

    /// The aggregate judgment of one sample's criterion judgments.
    func overall(_ id: String, _ lines: [Judgment]) -> Judgment {
        let failed = rubric.criteria.map(\.id).filter { c in
            !lines.contains { $0.criterion == c && $0.succeeded && $0.score != nil }
        }
        let latency = lines.map(\.latencyMs).max() ?? 0
        let model = lines.first?.model ?? "unknown"
        var scores: [String: Double] = [:]
        for j in lines { if let s = j.score { scores[j.criterion] = s } }
        var failure: JudgmentFailure?
        var score: Double?
        if !failed.isEmpty {
            failure = .invalidSample(message: "no overall score: criteria \(failed.joined(separator: ", ")) failed")
        }
        var rationale = "\(rubric.aggregation.rawValue) over \(rubric.criteria.count) criteria"
        let distributions = lines.filter { $0.score != nil }.compactMap { j in
            j.distribution.map { (criterion: j.criterion, distribution: $0) }
        }
        if failure == nil, !distributions.isEmpty {
            rationale = "expected " + rationale + " (criteria's score distributions taken as independent)"
            switch expectedAggregate(distributions) {
            case .success(let value): score = value
            case .failure(let problem): failure = .invalidSample(message: "no overall score: \(problem.message)")
            }
        } else if failure == nil {
            do {
                score = try rubric.aggregate(scores).value
            } catch {
                failure = .invalidSample(message: "no overall score: \(error.localizedDescription)")
            }
        }
        return Judgment(
            id: id, judge: name, rubric: rubric.name, rubricHash: rubric.contentHash,
            criterion: RubricJudge.overallCriterion,
            score: score, rationale: rationale,
            promptHash: lines.first?.promptHash, model: model, latencyMs: latency, attempts: 0, failure: failure)
    }

    /// E[aggregate] over all level combinations, each weighted by Π p(criterion level); every
    /// criterion must have a distribution (keyed by level score). Fails (with a reason) on a
    /// non-finite probability, a criterion without a distribution, more than 200 000
    /// combinations, or an aggregation error.
    func expectedAggregate(_ distributions: [(criterion: String, distribution: [Double: Double])]) -> Result<
        Double, ExpectedAggregateProblem
    > {
        var levels: [(criterion: String, outcomes: [(score: Double, p: Double)])] = []
        for c in rubric.criteria {
            guard let d = distributions.first(where: { $0.criterion == c.id })?.distribution else {
                return .failure(
                    ExpectedAggregateProblem(
                        message: "criterion \(c.id) has no score distribution (mixing weighted and unweighted criteria)"
                    ))
            }
            var outcomes: [(score: Double, p: Double)] = []
            for (score, p) in d.sorted(by: { $0.key < $1.key }) where p > 0 {
                guard p.isFinite else {
                    return .failure(
                        ExpectedAggregateProblem(
                            message:
                                "criterion \(c.id): probability \(p) of score \(JudgmentFailure.format(score)) is not finite"
                        )
                    )
                }
                outcomes.append((score, p))
            }
            guard !outcomes.isEmpty else {
                return .failure(ExpectedAggregateProblem(message: "criterion \(c.id) has an empty score distribution"))
            }
            levels.append((c.id, outcomes))
        }
        let combinations = levels.reduce(1.0) { $0 * Double($1.outcomes.count) }
        guard combinations <= 200_000 else {
            return .failure(
                ExpectedAggregateProblem(
                    message:
                        "\(Int(combinations)) level combinations are too many to take the expected aggregate; use fewer criteria or levels"
                ))
        }
        var expected = 0.0
        var total = 0.0
        var index = Array(repeating: 0, count: levels.count)
        while true {
            var scores: [String: Double] = [:]
            var p = 1.0
            for (k, entry) in levels.enumerated() {
                scores[entry.criterion] = entry.outcomes[index[k]].score
                p *= entry.outcomes[index[k]].p
            }
            do {
                expected += p * (try rubric.aggregate(scores).value)
            } catch {
                return .failure(ExpectedAggregateProblem(message: error.localizedDescription))
            }
            total += p
            // Next combination (odometer order).
            var k = levels.count - 1
            while k >= 0 {
                index[k] += 1
                if index[k] < levels[k].outcomes.count { break }
                index[k] = 0
                k -= 1
            }
            if k < 0 { break }
        }
        return total > 0
            ? .success(expected / total)
            : .failure(ExpectedAggregateProblem(message: "the score distributions hold no probability"))
    }
}

/// Why the expected aggregate of probability-weighted criteria could not be taken.
struct ExpectedAggregateProblem: Error {
    let message: String
}
