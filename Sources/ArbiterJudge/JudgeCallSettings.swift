// JudgeCallSettings: the one settings group every LLM judge calls its backend with (re-asks,
// per-call timeout, concurrency, maximum tokens, temperature, seed), validated once here for the
// pointwise, multi-criterion and pairwise judges and for RubricJudgeOptions. It is not a judge
// and holds nothing about scores or rubrics (LLMJudgeConfiguration, PairwiseJudgeConfiguration).
import Foundation

/// A configuration value a judge cannot run with.
public enum LLMJudgeConfigurationError: LocalizedError, Equatable {
    case invalid(field: String, value: String, fix: String)

    public var errorDescription: String? {
        switch self {
        case .invalid(let field, let value, let fix):
            return "LLMJudgeConfiguration.\(field) = \(value) is invalid; \(fix)"
        }
    }
}

/// How a judge calls its backend, validated in init.
public struct JudgeCallSettings: Sendable, Equatable {
    /// Extra attempts after an unparseable, off-scale or empty answer (0 = no re-ask).
    public var reasks: Int
    /// Wall-clock limit per backend call, in seconds.
    public var timeoutSeconds: Double
    /// Most backend calls in flight at once.
    public var maxConcurrency: Int
    public var maxTokens: Int
    public var temperature: Double
    /// Base seed (a pointwise judge's self-consistency sample k uses seed + k).
    public var seed: UInt64?

    /// The defaults: one re-ask, 120 s a call, 4 calls in flight, 512 tokens, greedy, no seed.
    public static let standard = JudgeCallSettings(
        unchecked: 1, timeoutSeconds: 120, maxConcurrency: 4, maxTokens: 512, temperature: 0, seed: nil)

    public init(
        reasks: Int = 1, timeoutSeconds: Double = 120, maxConcurrency: Int = 4, maxTokens: Int = 512,
        temperature: Double = 0, seed: UInt64? = nil
    ) throws {
        func bad(_ f: String, _ v: Any, _ fix: String) -> LLMJudgeConfigurationError {
            .invalid(field: f, value: "\(v)", fix: fix)
        }
        guard reasks >= 0 else { throw bad("reasks", reasks, "use 0 or more") }
        guard timeoutSeconds > 0, timeoutSeconds.isFinite else {
            throw bad("timeoutSeconds", timeoutSeconds, "use a positive number of seconds")
        }
        guard maxConcurrency >= 1 else { throw bad("maxConcurrency", maxConcurrency, "use 1 or more") }
        guard maxTokens >= 1 else { throw bad("maxTokens", maxTokens, "use 1 or more") }
        guard temperature >= 0, temperature.isFinite else {
            throw bad("temperature", temperature, "use a finite value ≥ 0")
        }
        self.init(
            unchecked: reasks, timeoutSeconds: timeoutSeconds, maxConcurrency: maxConcurrency, maxTokens: maxTokens,
            temperature: temperature, seed: seed)
    }

    private init(
        unchecked reasks: Int, timeoutSeconds: Double, maxConcurrency: Int, maxTokens: Int, temperature: Double,
        seed: UInt64?
    ) {
        self.reasks = reasks
        self.timeoutSeconds = timeoutSeconds
        self.maxConcurrency = maxConcurrency
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.seed = seed
    }
}
