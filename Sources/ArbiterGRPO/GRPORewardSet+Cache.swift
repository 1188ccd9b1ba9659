// GRPORewardSet+Cache: judge rewards remembered in a JudgmentStore (the SQLite store `arbiter judge
// --db` writes), so a batch a client retries (after a timeout, or a server killed and restarted)
// is not judged twice. Keyed as the store keys judgments: the judge configuration hash (the reward's
// name, judge, score range, retries and the trained judge's config and weights bytes), the sample
// content hash (prompt, completion as the response, label as the reference) and the reward name
// as the criterion. Only scored values are kept (a failed judgment is judged again next time);
// verifiers and format checks are cheap and deterministic and are not cached.
import ArbiterCore
import ArbiterJudge
import ArbiterReward
import Foundation

/// Where a reward set keeps its judge rewards' values.
struct RewardCache: Sendable {
    let store: JudgmentStore
    /// Per spec (same order): the judge configuration hash, nil for rewards that are not cached.
    let configurationHashes: [String?]
}

extension GRPORewardSet {
    /// This set with its judge rewards cached in `store` (registered there with a description).
    public func caching(in store: JudgmentStore) throws -> GRPORewardSet {
        var hashes: [String?] = []
        for spec in specs {
            guard spec.isJudge, case .judge(let judge) = spec.kind else {
                hashes.append(nil)
                continue
            }
            let hash = try Self.configurationHash(spec, judge: judge)
            try store.registerConfiguration(
                hash: hash, judge: judge, description: "reward \(spec.name) (served by arbiter serve --reward)")
            hashes.append(hash)
        }
        var copy = self
        copy.cache = RewardCache(store: store, configurationHashes: hashes)
        return copy
    }

    /// The hash of everything that decides a judge reward's value.
    static func configurationHash(_ spec: GRPORewardSpec, judge: String) throws -> String {
        var sha = SHA256Hex()
        func field(_ name: String, _ value: String) {
            sha.update(Array("\(name)\n\(value.utf8.count)\n".utf8))
            sha.update(Array(value.utf8))
        }
        field("domain", "arbiter.reward-cache.v1")
        field("name", spec.name)
        field("judge", judge)
        field("score_range", spec.scoreRange.map { "\($0.lowerBound)...\($0.upperBound)" } ?? "none")
        field("retries", String(spec.retries))
        if judge.hasPrefix("trained:") {
            let directory = URL(fileURLWithPath: String(judge.dropFirst("trained:".count)))
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0 == "config.json" || $0.hasSuffix(".safetensors") }.sorted()
            for file in files {
                field("file", file)
                sha.update(try Data(contentsOf: directory.appendingPathComponent(file)))
            }
        }
        return sha.finalize()
    }

    /// `function`'s scores for `batch`, reading the rows already in the cache and judging (then
    /// recording) only the others. `cached[i]` is true where row i came from the cache.
    func cachedScore(
        _ function: any RewardFunction, spec: GRPORewardSpec, hash: String, cache: RewardCache, batch: RewardBatch
    ) async throws -> (scores: RewardScores, cached: [Bool]) {
        let keys = (0..<batch.count).map { i in
            let label = batch.metadata[i][spec.referenceField ?? "answer"]
            let sample = JudgeSample(id: "", prompt: batch.prompts[i], response: batch.completions[i], reference: label)
            return JudgmentKey(
                rubricHash: nil, judgeConfigHash: hash, sampleHash: JobSample.pointwise(sample).contentHash,
                sampleID: "reward", criterion: spec.name)
        }
        var values = [Double?](repeating: nil, count: batch.count)
        var cached = [Bool](repeating: false, count: batch.count)
        for (i, key) in keys.enumerated() {
            if let score = try cache.store.judgment(for: key)?.score {
                values[i] = score
                cached[i] = true
            }
        }
        let missing = (0..<batch.count).filter { !cached[$0] }
        guard !missing.isEmpty else { return (RewardScores(values: values), cached) }
        let rest = RewardBatch(
            prompts: missing.map { batch.prompts[$0] }, completions: missing.map { batch.completions[$0] },
            completionTokenIDs: missing.map { batch.completionTokenIDs[$0] },
            metadata: missing.map { batch.metadata[$0] })
        let judged = try await function.checkedScore(rest)
        for (row, value) in zip(missing, judged.values) {
            values[row] = value
            guard let value else { continue }
            let judgment = Judgment(
                id: "reward", judge: function.name, rubric: "", criterion: spec.name, score: value, model: "reward")
            try cache.store.record(judgment, judgeConfigHash: hash, sampleHash: keys[row].sampleHash)
        }
        return (RewardScores(values: values, failures: judged.failures, fallbacks: judged.fallbacks), cached)
    }
}
