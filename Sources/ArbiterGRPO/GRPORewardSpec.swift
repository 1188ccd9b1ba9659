// GRPORewardSpec: one entry of a GRPO configuration's `rewards:` list, and the RewardFunction it
// builds. Kinds: a verifier (`exact-match`, `numeric-match`, `regex`, `python-tests`), a
// `format` pattern the whole completion must match, a trained judge (`judge: trained:DIR`, with
// an optional trust gate over its saved audit), DAPO's soft overlong punishment and a length
// penalty. `monitor: true` logs the reward (as a held-out check for the hacking monitors) without
// training on it. Not the reward code itself (ArbiterReward).
import ArbiterAgreement
import ArbiterJudge
import ArbiterModels
import ArbiterReward
import Foundation

/// One reward of a GRPO run.
public struct GRPORewardSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `exact-match`, `numeric-match`, `regex` (with `pattern`) or `python-tests`.
        case verifier(String)
        /// The completion must match this regular expression as a whole.
        case format(String)
        /// A judge: `trained:DIR`.
        case judge(String)
        /// DAPO's soft overlong punishment: 0 up to max − cache tokens, −1 at max.
        case softOverlong(maxLength: Int, cacheLength: Int)
        /// −rate per token over `budget`.
        case lengthPenalty(budget: Int, rate: Double)
    }

    public var name: String
    public var kind: Kind
    public var weight = 1.0
    /// Metadata column with the reference answer (verifiers, judges that read one).
    public var referenceField: String? = nil
    /// Regular expression of the `regex` verifier.
    public var pattern: String? = nil
    /// Logged and watched, not trained on (weight 0 in the sum).
    public var monitor = false
    /// The judge's saved audit report (`arbiter audit --json`), checked before training.
    public var audit: URL? = nil
    /// The trust gate the audit must pass, e.g. "alpha>=0.6" (with `audit`).
    public var require: String? = nil
    /// A judge score range mapped onto [0, 1].
    public var scoreRange: ClosedRange<Double>? = nil
    /// Extra rounds for failed judgments before they become unscored.
    public var retries = 0

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// The verifier names a `verifier:` entry accepts.
    public static let verifierKinds = ["exact-match", "numeric-match", "regex", "python-tests"]

    /// Whether this reward reads a judge (so it is gated and watched by the hacking monitors).
    public var isJudge: Bool { if case .judge = kind { return true } else { return false } }
    /// Whether this reward is a programmatic check (a held-out signal for the monitors).
    public var isVerifier: Bool {
        switch kind {
        case .verifier, .format: return true
        default: return false
        }
    }

    /// The weight the trainer sums with (0 for monitors).
    public var trainingWeight: Double { monitor ? 0 : weight }

    /// Builds the reward function (loading a trained judge).
    public func makeReward(store: ModelStore = ModelStore()) throws -> any RewardFunction {
        switch kind {
        case .verifier(let kind):
            let verifier: any Verifier
            switch kind {
            case "exact-match": verifier = ExactMatchVerifier(normalization: [.trim])
            case "numeric-match": verifier = try NumericMatchVerifier()
            case "regex": verifier = try RegexMatchVerifier(pattern: pattern ?? "")
            case "python-tests": verifier = try PythonExecutionVerifier()
            default:
                throw GRPOConfigurationError.invalidField(
                    field: "rewards.\(name).verifier", value: kind,
                    expected: "exact-match, numeric-match, regex or python-tests")
            }
            return VerifierReward(name: name, verifier: verifier, referenceField: referenceField)
        case .format(let pattern):
            return VerifierReward(name: name, verifier: try RegexMatchVerifier(pattern: pattern, wholeMatch: true))
        case .judge(let spec):
            guard spec.hasPrefix("trained:") else {
                throw GRPOConfigurationError.invalidField(
                    field: "rewards.\(name).judge", value: spec,
                    expected: "trained:DIR (a judge from arbiter train-judge)")
            }
            let directory = URL(fileURLWithPath: String(spec.dropFirst("trained:".count)))
            let judge = try TrainedJudge.load(directory: directory, store: store)
            return JudgeReward(
                name: name, judge: judge, referenceField: referenceField, scoreRange: scoreRange,
                fallbacks: retries > 0 ? [.retry(times: retries)] : [])
        case .softOverlong(let maxLength, let cacheLength):
            return SoftOverlongPunishment(name: name, maxCompletionLength: maxLength, softCacheLength: cacheLength)
        case .lengthPenalty(let budget, let rate):
            return LengthPenalty(name: name, budget: budget, rate: rate)
        }
    }

    /// The trust gate's verdict on the judge's saved audit; nil when no gate is configured.
    public func trustGateResult() throws -> TrustGateResult? {
        guard let require else { return nil }
        guard let audit else {
            throw GRPOConfigurationError.invalidField(
                field: "rewards.\(name).require", value: require, expected: "an `audit:` report to check it against")
        }
        let gate = try TrustGate(parsing: require)
        guard let data = try? Data(contentsOf: audit) else {
            throw GRPOConfigurationError.fileNotFound(field: "rewards.\(name).audit", path: audit.path)
        }
        return try gate.evaluate(reportJSON: data, source: audit.path)
    }
}
