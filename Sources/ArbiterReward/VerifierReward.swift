// VerifierReward: a programmatic verifier (exact match, numeric match, regex/format, JSON schema,
// Python tests) as a reward. Completions are verified concurrently (bounded), each against the
// reference taken from a metadata column. A completion the verifier cannot evaluate because the
// sample lacks what it needs (no reference) is unscored and not a failure; a verifier that broke
// (could not start its sandbox, …) is unscored and counted as a failure. Never a silent 0.
import ArbiterJudge

/// A verifier's score (1/0 or a value) as a reward.
public struct VerifierReward: RewardFunction {
    public let name: String
    public let verifier: any Verifier
    /// The metadata column holding the reference answer (or tests), if the verifier needs one.
    public var referenceField: String?
    /// Verifications in flight at once (Python tests run as subprocesses).
    public var concurrency: Int

    public init(name: String, verifier: any Verifier, referenceField: String? = nil, concurrency: Int = 4) {
        self.name = name
        self.verifier = verifier
        self.referenceField = referenceField
        self.concurrency = max(concurrency, 1)
    }

    public func score(_ batch: RewardBatch) async throws -> RewardScores {
        let verifier = self.verifier
        let samples = (0..<batch.count).map { i in
            JudgeSample(
                id: "completion-\(i)", prompt: batch.prompts[i], response: batch.completions[i],
                reference: referenceField.flatMap { batch.metadata[i][$0] })
        }
        let results = await boundedMap(count: samples.count, limit: concurrency) { i in
            await verifier.verify(samples[i])
        }
        var failures = 0
        let values: [Double?] = results.map { result in
            switch result {
            case .success(let r): return r.score.isFinite ? r.score : nil
            case .failure(.invalidSample): return nil
            case .failure:
                failures += 1
                return nil
            }
        }
        return RewardScores(values: values, failures: failures)
    }
}
