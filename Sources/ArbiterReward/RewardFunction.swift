// RewardFunction: the seam between judges/verifiers and the GRPO trainer. A reward function is
// called once per batch of completions (B = prompts × G) with everything a scorer may need, and
// returns one optional value per completion: nil means "not applicable / unscored" — left out of
// that function's statistics and of the weighted sum (TRL: NaN + nansum), never a silent 0.
// Failures (a judge call that failed after its fallback) are counted, not hidden.

import Foundation

/// One batch of completions to score: B rows, `groupSize` completions per prompt.
public struct RewardBatch: Sendable {
    /// The prompt each completion answers (B; repeated within a group).
    public var prompts: [String]
    /// The completions' text (B).
    public var completions: [String]
    /// The completions' token ids (B; ragged).
    public var completionTokenIDs: [[Int]]
    /// The group (prompt) index of each completion (B), 0-based.
    public var groupIndices: [Int]
    /// G: completions per prompt.
    public var groupSize: Int
    /// Per-completion dataset columns other than the prompt, e.g. `"answer"` (B); a JSON string
    /// column is its text, any other JSON value its compact JSON text (`42`, `[1,2]`).
    public var metadata: [[String: String]]

    public init(
        prompts: [String], completions: [String], completionTokenIDs: [[Int]]? = nil, groupIndices: [Int]? = nil,
        groupSize: Int = 1, metadata: [[String: String]]? = nil
    ) {
        precondition(prompts.count == completions.count, "RewardBatch: one prompt per completion")
        precondition(groupSize >= 1, "RewardBatch: groupSize ≥ 1")
        self.prompts = prompts
        self.completions = completions
        self.completionTokenIDs = completionTokenIDs ?? Array(repeating: [], count: completions.count)
        self.groupIndices = groupIndices ?? completions.indices.map { $0 / groupSize }
        self.groupSize = groupSize
        self.metadata = metadata ?? Array(repeating: [:], count: completions.count)
    }

    /// Number of completions (B).
    public var count: Int { completions.count }
}

/// What one reward function returned for a batch.
public struct RewardScores: Sendable, Equatable {
    /// One value per completion (B); nil = unscored.
    public var values: [Double?]
    /// Completions whose scoring failed (after any fallback) and are therefore nil.
    public var failures: Int
    /// Completions scored by a fallback (retry or another judge) instead of the first try.
    public var fallbacks: Int

    public init(values: [Double?], failures: Int = 0, fallbacks: Int = 0) {
        self.values = values
        self.failures = failures
        self.fallbacks = fallbacks
    }

    /// Completions with no value (not applicable or failed).
    public var unscored: Int { values.reduce(0) { $0 + ($1 == nil ? 1 : 0) } }
}

/// A reward: scores a batch of completions. Called once per batch; implementations may batch or
/// run concurrently inside. Must return exactly `batch.count` values.
public protocol RewardFunction: Sendable {
    /// The name metrics use: `rewards/<name>/mean`.
    var name: String { get }
    func score(_ batch: RewardBatch) async throws -> RewardScores
}

/// A reward function that returned the wrong number of values.
public struct RewardCountMismatch: Error, LocalizedError, Equatable {
    public var reward: String
    public var expected: Int
    public var found: Int
    public var errorDescription: String? {
        "reward function '\(reward)' returned \(found) values for \(expected) completions; "
            + "it must return one value (or nil) per completion"
    }
}

extension RewardFunction {
    /// `score(_:)`, checked to return exactly one value per completion.
    public func checkedScore(_ batch: RewardBatch) async throws -> RewardScores {
        let scores = try await score(batch)
        guard scores.values.count == batch.count else {
            throw RewardCountMismatch(reward: name, expected: batch.count, found: scores.values.count)
        }
        return scores
    }
}
