// GRPORewardSetCacheTests: judge rewards kept in a JudgmentStore (`arbiter serve --reward --cache`):
// a repeated completion is answered from the store without calling the judge (flagged in the
// `<name>/cached` log), the values survive a new reward set over the same file (a restarted
// server), failed judgments are not kept, a changed judge configuration misses, verifiers are not
// cached, and what a cached batch returns equals what an uncached one does.
import ArbiterJudge
import ArbiterReward
import Foundation
import Testing

@testable import ArbiterGRPO

/// A judge reward that scores a completion by its length / 10 and counts the rows it judged;
/// completions containing "fail" get no score.
final class CountingJudgeReward: RewardFunction, @unchecked Sendable {
    let name = "judge"
    private let lock = NSLock()
    private var judged: [String] = []
    var rows: [String] { lock.withLock { judged } }

    func score(_ batch: RewardBatch) async throws -> RewardScores {
        lock.withLock { judged += batch.completions }
        return RewardScores(
            values: batch.completions.map { $0.contains("fail") ? nil : Double($0.count) / 10 },
            failures: batch.completions.filter { $0.contains("fail") }.count)
    }
}

@Suite struct GRPORewardSetCacheTests {
    static func set(_ judge: CountingJudgeReward, range: ClosedRange<Double>? = nil) throws -> GRPORewardSet {
        var spec = GRPORewardSpec(name: "judge", kind: .judge("test:counting"))
        spec.scoreRange = range
        spec.referenceField = "answer"
        var exact = GRPORewardSpec(name: "exact", kind: .verifier("exact-match"))
        exact.referenceField = "answer"
        return GRPORewardSet(
            specs: [spec, exact], onUnscored: .value(-1),
            functions: [judge, try exact.makeReward()])
    }

    static func storeURL() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("reward-cache-\(UUID().uuidString).sqlite")
    }

    @Test func repeatedCompletionsAreNotJudgedTwice() async throws {
        let url = Self.storeURL()
        let judge = CountingJudgeReward()
        let cached = try Self.set(judge).caching(in: JudgmentStore(url: url))
        let prompts = ["p", "p", "q"]
        let first = try await cached.served(
            prompts: prompts, completions: ["abc", "fail", "hello"], labels: ["abc", "x", nil])
        #expect(judge.rows == ["abc", "fail", "hello"])
        #expect(first.logs["judge/cached"] == [0, 0, 0])
        let second = try await cached.served(
            prompts: prompts, completions: ["abc", "fail", "new"], labels: ["abc", "x", nil])
        // "abc" came from the store; the failed one and the new one were judged.
        #expect(judge.rows == ["abc", "fail", "hello", "fail", "new"])
        #expect(second.logs["judge/cached"] == [1, 0, 0])
        #expect(second.logs["judge"]?.first == 0.3 && second.rewards.first == 1.3)
        #expect(second.logs["exact/cached"] == nil, "verifiers are not cached")

        // A new set over the same file (a restarted server) still has the value.
        let restartedJudge = CountingJudgeReward()
        let restarted = try Self.set(restartedJudge).caching(in: JudgmentStore(url: url))
        let third = try await restarted.served(prompts: ["q"], completions: ["hello"], labels: [nil])
        #expect(restartedJudge.rows.isEmpty && third.logs["judge"] == [0.5] && third.logs["judge/cached"] == [1])

        // Another configuration (a score range) is another key.
        let otherJudge = CountingJudgeReward()
        let other = try Self.set(otherJudge, range: 0...10).caching(in: JudgmentStore(url: url))
        _ = try await other.served(prompts: ["q"], completions: ["hello"], labels: [nil])
        #expect(otherJudge.rows == ["hello"])
    }

    @Test func cachedAndUncachedSetsServeTheSame() async throws {
        let completions = ["a", "bb", "fail", "dddd", "bb"]
        let labels: [String?] = ["a", nil, "x", "dddd", "b"]
        let prompts = ["1", "2", "3", "4", "2"]
        let plain = try await Self.set(CountingJudgeReward()).served(
            prompts: prompts, completions: completions, labels: labels)
        let cached = try Self.set(CountingJudgeReward()).caching(in: JudgmentStore(url: Self.storeURL()))
        _ = try await cached.served(prompts: prompts, completions: completions, labels: labels)
        let again = try await cached.served(prompts: prompts, completions: completions, labels: labels)
        #expect(again.rewards == plain.rewards)
        #expect(again.logs["judge"] == plain.logs["judge"] && again.logs["exact"] == plain.logs["exact"])
        #expect(again.logs["judge/cached"] == [1, 1, 0, 1, 1])
    }
}
