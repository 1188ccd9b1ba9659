// LLMJudge+Run: judging one sample: self-consistency loop, re-ask loop, per-call timeout, and
// assembly of the Judgment; with a verdict prefix, one probability-weighted prefix read per sample
// instead of the answer/re-ask loop. The timeout races the backend in unstructured tasks, so a backend
// that ignores cancellation still cannot hold the judge past the limit.
import ArbiterChat
import ArbiterCore
import Foundation

extension LLMJudge {
    struct SampleOutcome {
        var score: Double?
        var failure: JudgmentFailure?
        var rationale: String?
        var raw: String?
        var distribution: [String: Double]?
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
        var distribution: [String: Double]?
        if !distributions.isEmpty {
            var sum: [String: Double] = [:]
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
                labels: configuration.scoreLabels,
                topLogprobs: configuration.topLogprobs,
                seed: configuration.seed.map { $0 &+ UInt64(index) }, backend: backend,
                timeoutSeconds: configuration.timeoutSeconds)
        }
        var conversation = messages
        var outcome = SampleOutcome()
        let parser = VerdictParser(allowed: configuration.allowed)
        for attempt in 0...configuration.reasks {
            outcome.attempts += 1
            let request = ChatRequest(
                messages: conversation, maxTokens: configuration.maxTokens, temperature: configuration.temperature,
                seed: configuration.seed.map { $0 &+ UInt64(index) },
                logprobs: configuration.probabilityWeighted,
                topLogprobs: configuration.probabilityWeighted ? configuration.topLogprobs : nil)
            let response: ChatResponse
            switch await Self.complete(request, backend: backend, timeoutSeconds: configuration.timeoutSeconds) {
            case .failure(let failure):
                outcome.failure = failure  // timeouts and transport errors are not re-asked
                return outcome
            case .success(let r):
                response = r
            }
            outcome.model = response.model
            outcome.raw = response.text
            switch parser.parseScore(response.text) {
            case .success(let parsed):
                outcome.score = parsed.score
                outcome.rationale = parsed.rationale
                outcome.failure = nil
                if configuration.probabilityWeighted, let tokens = response.tokens,
                    let weighted = ProbabilityWeighted.expectedScore(
                        tokens: tokens, allowed: configuration.allowed.discreteValues),
                    let expected = weighted.score
                {
                    outcome.score = expected
                    outcome.distribution = weighted.distribution
                }
                return outcome
            case .failure(let failure):
                outcome.failure = failure
                outcome.rationale = VerdictParser.clean(response.text)
                if failure == .refusal || attempt == configuration.reasks { return outcome }
                conversation += [
                    .assistant(response.text),
                    .user(
                        "Your answer could not be scored (\(failure.description)). Reply with a final line "
                            + "\"[RESULT] <score>\" where <score> is \(configuration.allowed.promptDescription)."),
                ]
            }
        }
        return outcome
    }

    /// One verdict-prefix read: `ProbabilityWeighted.verdictRequest`, scored by `readVerdict`.
    /// The raw text is the prefix and the continued token; a failure explains itself in the
    /// rationale.
    static func readPrefixVerdict(
        _ messages: [ChatMessage], prefix: String, allowed: [Double], labels: [String: Double], topLogprobs: Int,
        seed: UInt64?, backend: any ChatBackend,
        timeoutSeconds: Double
    ) async -> SampleOutcome {
        var outcome = SampleOutcome()
        outcome.attempts = 1
        let request = ProbabilityWeighted.verdictRequest(
            messages: messages, prefix: prefix, topLogprobs: topLogprobs, seed: seed)
        switch await complete(request, backend: backend, timeoutSeconds: timeoutSeconds) {
        case .failure(let failure):
            outcome.failure = failure
        case .success(let response):
            outcome.model = response.model
            outcome.raw = prefix + response.text
            switch ProbabilityWeighted.readVerdict(response, prefix: prefix, allowed: allowed, labels: labels) {
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

    /// Calls the backend with a wall-clock limit. Never throws.
    static func complete(_ request: ChatRequest, backend: any ChatBackend, timeoutSeconds: Double) async -> Result<
        ChatResponse, JudgmentFailure
    > {
        let race = Race()
        return await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<ChatResponse, JudgmentFailure>, Never>) in
                race.start(continuation)
                let work = Task {
                    do {
                        let response = try await backend.complete(request)
                        race.finish(.success(response))
                    } catch let error as any JudgmentFailureConvertible {
                        race.finish(.failure(error.judgmentFailure))
                    } catch {
                        let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
                        race.finish(.failure(.transport(message: message)))
                    }
                }
                let timer = Task {
                    try? await Task.sleep(for: .milliseconds(Int64(timeoutSeconds * 1000)))
                    race.finish(.failure(.timeout(seconds: timeoutSeconds)))
                }
                race.track(work, timer)
            }
        } onCancel: {
            race.finish(.failure(.transport(message: "cancelled")))
        }
    }
}

/// First-result-wins latch for the timeout race; cancels the losing tasks.
final class Race: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Result<ChatResponse, JudgmentFailure>, Never>?
    private var pending: Result<ChatResponse, JudgmentFailure>?
    private var done = false
    private var tasks: [Task<Void, Never>] = []

    func start(_ c: CheckedContinuation<Result<ChatResponse, JudgmentFailure>, Never>) {
        lock.lock()
        if let pending {
            lock.unlock()
            c.resume(returning: pending)
            return
        }
        continuation = c
        lock.unlock()
    }

    func track(_ work: Task<Void, Never>, _ timer: Task<Void, Never>) {
        lock.lock()
        if done {
            lock.unlock()
            work.cancel()
            timer.cancel()
            return
        }
        tasks = [work, timer]
        lock.unlock()
    }

    func finish(_ result: Result<ChatResponse, JudgmentFailure>) {
        lock.lock()
        guard !done else {
            lock.unlock()
            return
        }
        done = true
        let c = continuation
        continuation = nil
        if c == nil { pending = result }
        let losers = tasks
        tasks = []
        lock.unlock()
        for t in losers { t.cancel() }
        c?.resume(returning: result)
    }
}
