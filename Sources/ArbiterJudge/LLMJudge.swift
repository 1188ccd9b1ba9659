// LLMJudge: a single-criterion pointwise judge over any ChatBackend. It renders a prompt with a
// caller-supplied closure (the rubric module's renderer, once connected), asks the backend,
// parses the verdict, re-asks on a parse failure (JudgeCallSettings.ask), optionally draws n
// self-consistency samples and
// scores from top-logprobs (G-Eval): read at the verdict token of a free answer, or, with a
// `verdictPrefix`, from one prefill-only request whose assistant turn holds the prefix
// (ProbabilityWeighted.verdictRequest). It never throws: timeouts and transport errors become
// failed judgments without a score. Backend calls run with bounded concurrency.
import ArbiterChat
import ArbiterCore
import ArbiterModels
import ArbiterRubric
import Foundation

/// Settings for an LLMJudge, validated in init.
public struct LLMJudgeConfiguration: Sendable {
    public var rubric: String
    public var rubricHash: String?
    public var criterion: String
    public var allowed: AllowedScores
    /// How the backend is called: re-asks, timeout, concurrency, tokens, temperature, seed.
    public var call: JudgeCallSettings
    /// Self-consistency samples per item (1 = a single answer).
    public var samples: Int
    public var rule: ConsistencyRule
    /// Score as the expected value over score-token probabilities when the backend returns them.
    public var probabilityWeighted: Bool
    public var topLogprobs: Int
    /// With `probabilityWeighted`: instead of a free answer, send the messages plus an
    /// assistant turn holding this prefix (e.g. "[RESULT] ") and score the expectation over the
    /// allowed values among the first continued token's top alternatives (no re-asks: the read
    /// is deterministic). Nil: read the verdict token of a free answer.
    public var verdictPrefix: String?
    /// The rubric scale answers are read through: on a label scale ("pass", "good") a
    /// `[RESULT] <label>` line and, after `verdictPrefix`, a label token count as the level's
    /// score (`ScoreScale.level(forAnswer:)` / `level(forToken:)`). Nil: numbers only.
    public var scale: ScoreScale?

    public init(
        rubric: String, rubricHash: String? = nil, criterion: String, allowed: AllowedScores,
        call: JudgeCallSettings = .standard, samples: Int = 1, rule: ConsistencyRule = .mean,
        probabilityWeighted: Bool = false, topLogprobs: Int = 20, verdictPrefix: String? = nil,
        scale: ScoreScale? = nil
    ) throws {
        func bad(_ f: String, _ v: Any, _ fix: String) -> LLMJudgeConfigurationError {
            .invalid(field: f, value: "\(v)", fix: fix)
        }
        guard samples >= 1 else { throw bad("samples", samples, "use 1 or more") }
        guard (1...20).contains(topLogprobs) else { throw bad("topLogprobs", topLogprobs, "use 1 to 20") }
        if probabilityWeighted, allowed.discreteValues.isEmpty {
            throw bad(
                "allowed", allowed,
                "probability-weighted scoring needs discrete scores (a set, or a range with whole-number steps)")
        }
        if verdictPrefix != nil, !probabilityWeighted {
            throw bad(
                "verdictPrefix", verdictPrefix ?? "",
                "a verdict prefix is read probability-weighted; set probabilityWeighted or drop the prefix")
        }
        self.rubric = rubric
        self.rubricHash = rubricHash
        self.criterion = criterion
        self.allowed = allowed
        self.call = call
        self.samples = samples
        self.rule = rule
        self.probabilityWeighted = probabilityWeighted
        self.topLogprobs = topLogprobs
        self.verdictPrefix = verdictPrefix
        self.scale = scale
    }
}

/// A pointwise LLM judge for one criterion.
public struct LLMJudge: Judge {
    public let name: String
    public let configuration: LLMJudgeConfiguration
    let backend: any ChatBackend
    let render: @Sendable (JudgeSample) -> [ChatMessage]

    /// - Parameter render: builds the chat messages for a sample (system + user prompt).
    public init(
        name: String, backend: any ChatBackend, configuration: LLMJudgeConfiguration,
        render: @escaping @Sendable (JudgeSample) -> [ChatMessage]
    ) {
        self.name = name
        self.backend = backend
        self.configuration = configuration
        self.render = render
    }

    public func judge(_ samples: [JudgeSample]) async -> [Judgment] {
        // Items run in parallel up to maxConcurrency; within an item, samples and re-asks are
        // sequential, so in-flight backend calls never exceed maxConcurrency.
        await boundedMap(count: samples.count, limit: configuration.call.maxConcurrency) { i in
            await judgeOne(samples[i])
        }
    }

    /// Hash of the rendered prompt: SHA-256 over "role\ncontent\n" for each message.
    public static func promptHash(_ messages: [ChatMessage]) -> String {
        SHA256Hex.digest(of: Data(messages.map { "\($0.role.rawValue)\n\($0.content)\n" }.joined().utf8))
    }
}
