// LLMJudge+Run: judging one sample: the self-consistency loop, reading each answer inside the
// shared re-ask loop (JudgeCallSettings.ask, which also holds the per-call timeout), and assembly
// of the Judgment; with a verdict prefix, one probability-weighted prefix read per sample instead
// of the answer/re-ask loop.
import ArbiterChat
import ArbiterCore
import ArbiterRubric
import Foundation

extension LLMJudge {
    struct SampleOutcome {
        var score: Double?
        var failure: JudgmentFailure?
        var rationale: String?
        var raw: String?
        var distribution: [Double: Double]?
        var attempts = 0
        var model: String?
    }

    func judgeOne(_ sample: JudgeSample) async -> Judgment {
        let clock = ContinuousClock()
        let started = clock.now
        let messages = render(sample)
        var outcomes: [SampleOutcome] = []
        for k in 0..<configuration.samples {
            outcomes.append(await drawSample(messages, index: k))
        }
        let elapsed = clock.now - started
        let latencyMs = elapsed.milliseconds

        let scores = outcomes.map(\.score)
        var score = scores.first ?? nil
        var spread: ScoreSpread?
        if configuration.samples > 1 {
            let agg = SelfConsistency.aggregate(scores, rule: configuration.rule)
            score = agg.score
            spread = agg.spread
        }
        // Report the last successful sample's text (or the last sample's when all failed).
        let shown = outcomes.last { $0.score != nil } ?? outcomes.last
        let distributions = outcomes.compactMap(\.distribution)
        var distribution: [Double: Double]?
        if !distributions.isEmpty {
            var sum: [Double: Double] = [:]
            for d in distributions { for (k, v) in d { sum[k, default: 0] += v / Double(distributions.count) } }
            distribution = sum
        }
        return Judgment(
            id: sample.id, judge: name, rubric: configuration.rubric, rubricHash: configuration.rubricHash,
            criterion: configuration.criterion, score: score, distribution: distribution,
            rationale: shown?.rationale, raw: shown?.raw, promptHash: Self.promptHash(messages),
            model: outcomes.compactMap(\.model).last ?? "unknown", latencyMs: latencyMs,
            attempts: outcomes.reduce(0) { $0 + $1.attempts }, consistency: spread,
            failure: score == nil ? (shown?.failure ?? .unparseable) : nil)
    }

    /// One self-consistency sample, with re-asks after answers that have no usable verdict.
    func drawSample(_ messages: [ChatMessage], index: Int) async -> SampleOutcome {
        if let prefix = configuration.verdictPrefix {
            return await Self.readPrefixVerdict(
                messages, prefix: prefix, allowed: configuration.allowed.discreteValues,
                scale: configuration.scale,
                topLogprobs: configuration.topLogprobs,
                seed: configuration.call.seed.map { $0 &+ UInt64(index) }, backend: backend,
                timeoutSeconds: configuration.call.timeoutSeconds)
        }
        let parser = VerdictParser(allowed: configuration.allowed, scale: configuration.scale)
        let weighted = configuration.probabilityWeighted
        let asked = await configuration.call.askForVerdict(
            messages, backend: backend, seed: configuration.call.seed.map { $0 &+ UInt64(index) },
            topLogprobs: weighted ? configuration.topLogprobs : nil,
            parse: { response in parser.parseScore(response.text).map { ($0, response.tokens) } },
            reask: { failure in
                "Your answer could not be scored (\(failure.description)). Reply with a final line "
                    + "\"[RESULT] <score>\" where <score> is \(configuration.allowed.promptDescription)."
            })
        var outcome = SampleOutcome()
        outcome.attempts = asked.record.attempts
        outcome.model = asked.record.model
        outcome.raw = asked.record.raw
        outcome.failure = asked.failure
        guard let verdict = asked.verdict else {
            outcome.rationale = asked.record.raw.flatMap { VerdictParser.clean($0) }
            return outcome
        }
        let (parsed, tokens) = verdict
        outcome.score = parsed.score
        outcome.rationale = parsed.rationale
        if weighted, let tokens,
            let expected = ProbabilityWeighted.expectedScore(
                tokens: tokens, allowed: configuration.allowed.discreteValues),
            let score = expected.score
        {
            outcome.score = score
            outcome.distribution = expected.distribution
        }
        return outcome
    }

    /// One verdict-prefix read: `ProbabilityWeighted.verdictRequest`, scored by `readVerdict`.
    /// The raw text is the prefix and the continued token; a failure explains itself in the
    /// rationale.
    static func readPrefixVerdict(
        _ messages: [ChatMessage], prefix: String, allowed: [Double], scale: ScoreScale?, topLogprobs: Int,
        seed: UInt64?, backend: any ChatBackend,
        timeoutSeconds: Double
    ) async -> SampleOutcome {
        var outcome = SampleOutcome()
        let request = ProbabilityWeighted.verdictRequest(
            messages: messages, prefix: prefix, topLogprobs: topLogprobs, seed: seed)
        let (result, requests) = await JudgeCallSettings.complete(
            request, backend: backend, timeoutSeconds: timeoutSeconds)
        outcome.attempts = requests
        switch result {
        case .failure(let failure):
            outcome.failure = failure
        case .success(let response):
            outcome.model = response.model
            outcome.raw = prefix + response.text
            switch ProbabilityWeighted.readVerdict(response, prefix: prefix, allowed: allowed, scale: scale) {
            case .success(let verdict):
                outcome.score = verdict.score
                outcome.distribution = verdict.distribution
                outcome.rationale =
                    "expected score over the first token after \"\(prefix)\" (scale values hold p = \(String(format: "%.4g", verdict.mass)))"
            case .failure(let failed):
                outcome.failure = failed.failure
                outcome.rationale = failed.explanation
            }
        }
        return outcome
    }
}
