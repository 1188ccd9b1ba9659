// PairwiseLLMJudge: compares two responses to one prompt with a ChatBackend. With a swap policy
// it asks twice, as (A, B) and as (B, A), and reconciles the verdicts (PositionSwap); the
// judgment records the final verdict and whether the two orders agreed. Timeouts and transport
// errors become failed judgments; unparseable answers are re-asked in the judges' one re-ask loop
// (JudgeCallSettings.ask).
import ArbiterChat
import ArbiterCore
import Foundation

/// A pairwise sample: `{"id", "prompt", "response_a", "response_b"}` from samples JSONL.
public struct PairwiseSample: Sendable, Equatable, Codable {
    public var id: String
    public var prompt: String
    public var responseA: String
    public var responseB: String

    public init(id: String, prompt: String, responseA: String, responseB: String) {
        self.id = id
        self.prompt = prompt
        self.responseA = responseA
        self.responseB = responseB
    }

    enum CodingKeys: String, CodingKey {
        case id, prompt
        case responseA = "response_a"
        case responseB = "response_b"
    }
}

/// Settings for a PairwiseLLMJudge.
public struct PairwiseJudgeConfiguration: Sendable {
    public var rubric: String
    public var rubricHash: String?
    public var criterion: String
    /// nil: judge only the (A, B) order. Otherwise also (B, A), reconciled by this policy.
    public var swapPolicy: SwapPolicy?
    /// How the backend is called: re-asks, timeout, concurrency, tokens, temperature, seed.
    public var call: JudgeCallSettings

    public init(
        rubric: String, rubricHash: String? = nil, criterion: String = "pairwise",
        swapPolicy: SwapPolicy? = .inconsistentAsTie, call: JudgeCallSettings = .standard
    ) {
        self.rubric = rubric
        self.rubricHash = rubricHash
        self.criterion = criterion
        self.swapPolicy = swapPolicy
        self.call = call
    }
}

public struct PairwiseLLMJudge: Judge {
    public let name: String
    public let configuration: PairwiseJudgeConfiguration
    let backend: any ChatBackend
    let render: @Sendable (_ prompt: String, _ first: String, _ second: String) -> [ChatMessage]

    /// - Parameter render: builds the messages showing `first` as response A, `second` as B.
    public init(
        name: String, backend: any ChatBackend, configuration: PairwiseJudgeConfiguration,
        render: @escaping @Sendable (_ prompt: String, _ first: String, _ second: String) -> [ChatMessage]
    ) {
        self.name = name
        self.backend = backend
        self.configuration = configuration
        self.render = render
    }

    /// One judgment per sample, in order; `verdict` is in the original (A, B) frame.
    public func judge(_ samples: [PairwiseSample]) async -> [Judgment] {
        await boundedMap(count: samples.count, limit: configuration.call.maxConcurrency) { i in
            await judgeOne(samples[i])
        }
    }

    struct Ask {
        var verdict: PairwiseVerdict?
        var failure: JudgmentFailure?
        var rationale: String?
        var raw: String?
        var model: String?
        var attempts = 0
    }

    func judgeOne(_ sample: PairwiseSample) async -> Judgment {
        let clock = ContinuousClock()
        let started = clock.now
        let forward = render(sample.prompt, sample.responseA, sample.responseB)
        let first = await ask(forward)
        var verdict = first.verdict
        var failure = first.failure
        var consistent: Bool?
        var attempts = first.attempts
        var shown = first
        if let policy = configuration.swapPolicy {
            let second = await ask(render(sample.prompt, sample.responseB, sample.responseA))
            attempts += second.attempts
            let outcome = PositionSwap.resolve(original: first.verdict, swapped: second.verdict, policy: policy)
            verdict = outcome.verdict
            if first.verdict != nil, second.verdict != nil { consistent = outcome.consistent }
            if first.verdict != nil, second.verdict == nil { shown = second }
            failure = first.failure ?? second.failure
            if verdict == nil, failure == nil, let o = first.verdict, let s = outcome.swappedMapped {
                failure = .positionInconsistent(original: o, swapped: s)
            }
            if verdict != nil { failure = nil }
        }
        let elapsed = clock.now - started
        return Judgment(
            id: sample.id, judge: name, rubric: configuration.rubric, rubricHash: configuration.rubricHash,
            criterion: configuration.criterion, verdict: verdict, rationale: shown.rationale, raw: shown.raw,
            promptHash: LLMJudge.promptHash(forward), model: shown.model ?? first.model ?? "unknown",
            latencyMs: elapsed.milliseconds,
            attempts: attempts, positionConsistent: consistent,
            failure: verdict == nil ? (failure ?? .unparseable) : nil)
    }

    func ask(_ messages: [ChatMessage]) async -> Ask {
        let asked = await configuration.call.askForVerdict(
            messages, backend: backend, seed: configuration.call.seed,
            parse: { VerdictParser.parsePairwise($0.text) },
            reask: { failure in
                "Your answer could not be read (\(failure.description)). Reply with a final line \"[RESULT] A\", \"[RESULT] B\" or \"[RESULT] TIE\"."
            })
        return Ask(
            verdict: asked.verdict?.verdict, failure: asked.failure, rationale: asked.verdict?.rationale,
            raw: asked.record.raw, model: asked.record.model, attempts: asked.record.attempts)
    }
}
