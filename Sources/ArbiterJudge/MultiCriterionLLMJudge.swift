// MultiCriterionLLMJudge: scores several criteria of a rubric in ONE backend call per sample,
// reading "[RESULT] <criterion>: <score>" lines or a JSON object keyed by criterion ids. Answers
// missing some criteria are re-asked for those criteria only (JudgeCallSettings.ask); each criterion yields its own
// Judgment (failed ones without score). With a `verdictPrefix` it is probability-weighted
// (G-Eval) instead: one prefill-only request per criterion, the rubric's messages plus an
// assistant turn "<prefix><criterion id>: " (the criterion's own `[RESULT] <id>: ` line), scored
// over that criterion's scale from the first token's top alternatives. Self-consistency is a
// single-criterion feature (LLMJudge); this judge does not do it.
import ArbiterChat
import ArbiterCore
import ArbiterRubric
import Foundation

/// One criterion of a multi-criterion judge: its id, allowed scores and, for rubric criteria,
/// the scale its answers are read through.
public struct CriterionScale: Sendable, Equatable {
    public var id: String
    public var allowed: AllowedScores
    /// The rubric scale: on a label scale a `[RESULT] <id>: <label>` line and, in
    /// probability-weighted reads, a label token count as the level's score. Nil: numbers only.
    public var scale: ScoreScale?

    public init(id: String, allowed: AllowedScores, scale: ScoreScale? = nil) {
        self.id = id
        self.allowed = allowed
        self.scale = scale
    }
}

public struct MultiCriterionLLMJudge: Judge {
    public let name: String
    public let rubric: String
    public let rubricHash: String?
    public let criteria: [CriterionScale]
    /// How the backend is called: re-asks, timeout, concurrency, tokens, temperature, seed.
    public let call: JudgeCallSettings
    /// Alternatives asked for per token in probability-weighted reads (1 to 20).
    public let topLogprobs: Int
    /// Probability-weighted per-criterion reads after this prefix (e.g. "[RESULT] "); nil: one
    /// free answer holding every criterion's verdict line.
    public let verdictPrefix: String?
    let backend: any ChatBackend
    let render: @Sendable (JudgeSample) -> [ChatMessage]

    public init(
        name: String, rubric: String, rubricHash: String? = nil, criteria: [CriterionScale],
        call: JudgeCallSettings = .standard, topLogprobs: Int = 20, backend: any ChatBackend,
        verdictPrefix: String? = nil,
        render: @escaping @Sendable (JudgeSample) -> [ChatMessage]
    ) throws {
        guard !criteria.isEmpty else {
            throw LLMJudgeConfigurationError.invalid(field: "criteria", value: "[]", fix: "give at least one criterion")
        }
        guard Set(criteria.map(\.id)).count == criteria.count else {
            throw LLMJudgeConfigurationError.invalid(
                field: "criteria", value: criteria.map(\.id).joined(separator: ","), fix: "criterion ids must be unique"
            )
        }
        guard (1...20).contains(topLogprobs) else {
            throw LLMJudgeConfigurationError.invalid(field: "topLogprobs", value: "\(topLogprobs)", fix: "use 1 to 20")
        }
        if verdictPrefix != nil, let c = criteria.first(where: { $0.allowed.discreteValues.isEmpty }) {
            throw LLMJudgeConfigurationError.invalid(
                field: "criteria[\(c.id)].allowed", value: "\(c.allowed)",
                fix: "probability-weighted scoring needs discrete scores (a set, or a range with whole-number steps)")
        }
        self.name = name
        self.verdictPrefix = verdictPrefix
        self.rubric = rubric
        self.rubricHash = rubricHash
        self.criteria = criteria
        self.call = call
        self.topLogprobs = topLogprobs
        self.backend = backend
        self.render = render
    }

    /// One judgment per (sample, criterion), samples in order, criteria in the given order.
    public func judge(_ samples: [JudgeSample]) async -> [Judgment] {
        await boundedMap(count: samples.count, limit: call.maxConcurrency) { i in
            await judgeOne(samples[i])
        }.flatMap { $0 }
    }

    func judgeOne(_ sample: JudgeSample) async -> [Judgment] {
        let clock = ContinuousClock()
        let started = clock.now
        let messages = render(sample)
        if let prefix = verdictPrefix {
            return await weighted(sample, messages, prefix: prefix, started: started, clock: clock)
        }
        var results: [String: Result<ParsedScore, JudgmentFailure>] = [:]
        let record = await call.ask(messages, backend: backend, seed: call.seed) { response in
            var missing: [String] = []
            // Parse all ids together (rationales are cut between verdicts), then check each
            // criterion's own scale.
            let all = VerdictParser(allowed: .range(-Double.infinity...Double.infinity))
                .parseCriteria(
                    response.text, criteria: criteria.map(\.id),
                    scales: criteria.reduce(into: [:]) { $0[$1.id] = $1.scale })
            for c in criteria where (try? results[c.id]?.get()) == nil {
                var parsed = all[c.id] ?? .failure(.unparseable)
                if case .success(let p) = parsed, !c.allowed.contains(p.score) {
                    parsed = .failure(.offScale(value: p.score, allowed: c.allowed.reported))
                }
                results[c.id] = parsed
                if case .failure(let f) = parsed, f != .refusal { missing.append(c.id) }
            }
            if missing.isEmpty { return nil }
            let lines = missing.map { id in
                "[RESULT] \(id): <score>, where <score> is \(criteria.first { $0.id == id }?.allowed.promptDescription ?? "a score")"
            }
            return "Some criteria could not be scored. Reply with one line per criterion:\n"
                + lines.joined(separator: "\n")
        }
        if let failure = record.callFailure {
            // Criteria not yet scored fail with the transport/timeout reason.
            for c in criteria where (try? results[c.id]?.get()) == nil { results[c.id] = .failure(failure) }
        }
        return assemble(
            sample, messages, results, record.raw, record.model ?? "unknown", record.attempts, clock.now - started)
    }

    /// Probability-weighted: one verdict-prefix read per criterion, in criterion order.
    func weighted(
        _ sample: JudgeSample, _ messages: [ChatMessage], prefix: String, started: ContinuousClock.Instant,
        clock: ContinuousClock
    ) async -> [Judgment] {
        var outcomes: [LLMJudge.SampleOutcome] = []
        for c in criteria {
            outcomes.append(
                await LLMJudge.readPrefixVerdict(
                    messages, prefix: prefix + "\(c.id): ", allowed: c.allowed.discreteValues, scale: c.scale,
                    topLogprobs: topLogprobs,
                    seed: call.seed, backend: backend, timeoutSeconds: call.timeoutSeconds))
        }
        let elapsed = clock.now - started
        let ms = elapsed.milliseconds
        let hash = LLMJudge.promptHash(messages)
        return zip(criteria, outcomes).map { c, o in
            Judgment(
                id: sample.id, judge: name, rubric: rubric, rubricHash: rubricHash, criterion: c.id, score: o.score,
                distribution: o.distribution, rationale: o.rationale, raw: o.raw, promptHash: hash,
                model: o.model ?? "unknown",
                latencyMs: ms, attempts: o.attempts, failure: o.score == nil ? (o.failure ?? .unparseable) : nil)
        }
    }

    func assemble(
        _ sample: JudgeSample, _ messages: [ChatMessage], _ results: [String: Result<ParsedScore, JudgmentFailure>],
        _ raw: String?, _ model: String, _ attempts: Int, _ elapsed: Duration
    ) -> [Judgment] {
        let ms = elapsed.milliseconds
        let hash = LLMJudge.promptHash(messages)
        return criteria.map { c in
            let result = results[c.id] ?? .failure(.unparseable)
            let parsed = try? result.get()
            var failure: JudgmentFailure?
            if case .failure(let f) = result { failure = f }
            return Judgment(
                id: sample.id, judge: name, rubric: rubric, rubricHash: rubricHash, criterion: c.id,
                score: parsed?.score, rationale: parsed?.rationale, raw: raw, promptHash: hash, model: model,
                latencyMs: ms, attempts: attempts, failure: failure)
        }
    }
}
