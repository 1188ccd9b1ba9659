// GRPORewardSet: the rewards of a GRPO configuration without the trainer, for serving them to
// other RL frameworks (`arbiter serve --reward FILE`). A reward file is a YAML mapping with the
// `rewards:` list `arbiter grpo` reads (same specs, same checks, trust gates included) and
// `on_unscored: error|value` (+ `unscored_value`) for completions no function scored: there is no
// default that invents a score. A whole GRPO configuration is a valid reward file (its training
// fields are ignored). Labels fill every reward's reference field (OpenRLHF's `labels`). Rewards
// that count completion tokens (`soft_overlong`, `length_penalty`) need the policy's tokenizer,
// which a server of text does not have: they are refused with the reason.
import ArbiterJudge
import ArbiterModels
import ArbiterReward
import Foundation
import Yams

/// What a served batch does with a completion that no reward function scored.
public enum UnscoredPolicy: Sendable, Equatable {
    /// Fail the batch with the rows and the functions' reasons (the default).
    case error
    /// Send this value instead, counted in the logs.
    case value(Double)
}

/// The `rewards:` of a configuration file, loaded and ready to score batches of text.
public struct GRPORewardSet: Sendable {
    public let specs: [GRPORewardSpec]
    public let onUnscored: UnscoredPolicy
    let functions: [any RewardFunction]
    /// Judge rewards' values kept between batches (GRPORewardSet+Cache); nil: none.
    var cache: RewardCache?

    /// Fields a reward file may hold besides a GRPO configuration's.
    static let rewardFileFields = ["on_unscored", "unscored_value"]

    /// Reads `url`, checks every judge reward's trust gate (refused with the evidence unless
    /// `force`) and builds the reward functions (loading trained judges).
    public static func load(_ url: URL, force: Bool = false, store: ModelStore = ModelStore()) throws -> GRPORewardSet {
        let text = try GRPOConfiguration.readText(url, field: "--reward")
        let (specs, policy) = try parse(text, file: url.path, base: url.deletingLastPathComponent())
        for spec in specs {
            if let result = try spec.trustGateResult(), !result.passed, !force {
                throw GRPOTrustGateRefusal(reward: spec.name, evidence: result.summary)
            }
        }
        return GRPORewardSet(
            specs: specs, onUnscored: policy, functions: try specs.map { try $0.makeReward(store: store) })
    }

    /// A set over already-built functions (one per spec, same order).
    public init(specs: [GRPORewardSpec], onUnscored: UnscoredPolicy, functions: [any RewardFunction]) {
        precondition(specs.count == functions.count, "GRPORewardSet: one function per spec")
        self.specs = specs
        self.onUnscored = onUnscored
        self.functions = functions
    }

    /// The specs and the unscored policy of a reward file's text.
    static func parse(_ text: String, file: String, base: URL) throws -> ([GRPORewardSpec], UnscoredPolicy) {
        let base = URL(fileURLWithPath: base.path, isDirectory: true)
        let map = try GRPOConfiguration.rootMapping(text, file: file)
        let fields = Fields(map: map, known: GRPOConfiguration.knownFields + rewardFileFields, prefix: "")
        try fields.checkKnown()
        guard let node = fields.node("rewards") else { throw GRPOConfigurationError.missingField(field: "rewards") }
        let specs = try GRPOConfiguration.parseRewards(node, base: base)
        for spec in specs {
            switch spec.kind {
            case .softOverlong, .lengthPenalty:
                throw GRPOConfigurationError.invalidField(
                    field: "rewards.\(spec.name)", value: "a token-length reward",
                    expected: "a verifier, format or judge reward (a reward server gets text, not the policy's tokens)")
            default: break
            }
        }
        let policy: UnscoredPolicy
        switch try fields.string("on_unscored") ?? "error" {
        case "error":
            guard fields.node("unscored_value") == nil else {
                throw GRPOConfigurationError.invalidField(
                    field: "unscored_value", value: "set", expected: "only with on_unscored: value")
            }
            policy = .error
        case "value":
            guard let value = try fields.double("unscored_value") else {
                throw GRPOConfigurationError.missingField(field: "unscored_value")
            }
            policy = .value(value)
        case let other:
            throw GRPOConfigurationError.invalidField(field: "on_unscored", value: other, expected: "error or value")
        }
        return (specs, policy)
    }

    /// The weighted sum of the trained (non-monitor) functions per completion, TRL's nansum rule
    /// (nil where every one of them is nil), each function's values, and its failure and fallback
    /// counts. `labels[i]` fills every reward's reference field of row i.
    public func score(prompts: [String], completions: [String], labels: [String?]) async throws -> GRPORewardSetScores {
        precondition(prompts.count == completions.count && labels.count == completions.count, "one row each")
        let metadata = labels.map { label -> [String: String] in
            guard let label else { return [:] }
            var row: [String: String] = [:]
            for spec in specs { row[spec.referenceField ?? "answer"] = label }
            return row
        }
        let batch = RewardBatch(prompts: prompts, completions: completions, metadata: metadata)
        var perFunction: [RewardScores] = []
        var cachedRows: [[Bool]] = []
        for (index, function) in functions.enumerated() {
            if let cache, let hash = cache.configurationHashes[index] {
                let (scores, cached) = try await cachedScore(
                    function, spec: specs[index], hash: hash, cache: cache, batch: batch)
                perFunction.append(scores)
                cachedRows.append(cached)
            } else {
                perFunction.append(try await function.checkedScore(batch))
                cachedRows.append([])
            }
        }
        let totals = (0..<batch.count).map { i -> Double? in
            var sum = 0.0
            var any = false
            for (spec, scores) in zip(specs, perFunction) where !spec.monitor {
                if let v = scores.values[i] {
                    sum += spec.weight * v
                    any = true
                }
            }
            return any ? sum : nil
        }
        return GRPORewardSetScores(totals: totals, perFunction: perFunction, cached: cachedRows)
    }
}

extension GRPORewardSet {
    /// What a reward server sends: one finite reward per completion (the unscored policy applied)
    /// and per-completion logs: each function's value (0 where it gave none), `<name>/unscored`
    /// flags, `<name>/failures` and `<name>/fallbacks` counts (on the first row), `<name>/cached`
    /// flags for cached judge rewards, and `unscored`
    /// flags of the totals. Throws `GRPORewardSetError.unscored` under `on_unscored: error`.
    public func served(prompts: [String], completions: [String], labels: [String?]) async throws
        -> (rewards: [Double], logs: [String: [Double]])
    {
        let scored = try await score(prompts: prompts, completions: completions, labels: labels)
        let n = completions.count
        var logs: [String: [Double]] = [:]
        for (spec, scores) in zip(specs, scored.perFunction) {
            logs[spec.name] = scores.values.map { $0 ?? 0 }
            logs["\(spec.name)/unscored"] = scores.values.map { $0 == nil ? 1 : 0 }
            logs["\(spec.name)/failures"] = (0..<n).map { $0 == 0 ? Double(scores.failures) : 0 }
            logs["\(spec.name)/fallbacks"] = (0..<n).map { $0 == 0 ? Double(scores.fallbacks) : 0 }
        }
        for (spec, cached) in zip(specs, scored.cached) where !cached.isEmpty {
            logs["\(spec.name)/cached"] = cached.map { $0 ? 1 : 0 }
        }
        logs["unscored"] = scored.totals.map { $0 == nil ? 1 : 0 }
        let missing = scored.totals.indices.filter { scored.totals[$0] == nil }
        switch onUnscored {
        case .error:
            guard missing.isEmpty else { throw GRPORewardSetError.unscored(rows: missing, of: n) }
            return (scored.totals.map { $0! }, logs)
        case .value(let value):
            return (scored.totals.map { $0 ?? value }, logs)
        }
    }
}

/// Why a served batch has no rewards.
public enum GRPORewardSetError: Error, LocalizedError, Equatable {
    /// Completions (0-based rows) that no trained reward function scored, under `on_unscored: error`.
    case unscored(rows: [Int], of: Int)

    public var errorDescription: String? {
        switch self {
        case .unscored(let rows, let count):
            let shown = rows.prefix(10).map(String.init).joined(separator: ", ")
            return
                "\(rows.count) of \(count) completions (rows \(shown)\(rows.count > 10 ? ", …" : "")) were scored by no "
                + "reward function (e.g. a judge failed, or no label was sent for a verifier); the reward file says "
                + "on_unscored: error. Send the labels, or set on_unscored: value with unscored_value: X"
        }
    }
}

/// A scored batch: totals (nil = unscored) and each function's scores, in spec order.
public struct GRPORewardSetScores: Sendable {
    public var totals: [Double?]
    public var perFunction: [RewardScores]
    /// Per function, per row: whether the value came from the cache (empty when not cached).
    public var cached: [[Bool]] = []
}
