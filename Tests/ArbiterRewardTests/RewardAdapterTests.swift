// RewardAdapterTests: judges and verifiers as rewards. A failed judgment is unscored (nil) and
// counted, retried or sent to a fallback judge, never 0; a pairwise judge gives win rates within
// each group; the combinators follow TRL's nansum rule, gate a judge on a verifier and shape
// values; DAPO's soft overlong punishment matches the paper's piecewise formula.
import ArbiterCore
import ArbiterJudge
import ArbiterReward
import Foundation
import Testing

/// Scores the response's length; fails (typed) the first `failFirst` times it sees a response
/// containing "flaky", and always for "broken".
final class ScriptedJudge: Judge, @unchecked Sendable {
    let name = "scripted"
    let failFirst: Int
    private let lock = NSLock()
    private var seen: [String: Int] = [:]
    private(set) var calls = 0

    init(failFirst: Int = 0) { self.failFirst = failFirst }

    func judge(_ samples: [JudgeSample]) async -> [Judgment] { lock.withLock { judgeLocked(samples) } }

    private func judgeLocked(_ samples: [JudgeSample]) -> [Judgment] {
        calls += 1
        return samples.map { s in
            seen[s.response, default: 0] += 1
            let fails =
                s.response.contains("broken") || (s.response.contains("flaky") && seen[s.response]! <= failFirst)
            if fails {
                return Judgment(
                    id: s.id, judge: name, rubric: "r", criterion: "c", model: "m", latencyMs: 0,
                    failure: .timeout(seconds: 1))
            }
            return Judgment(
                id: s.id, judge: name, rubric: "r", criterion: "c", score: Double(s.response.count), model: "m",
                latencyMs: 0)
        }
    }
}

/// Prefers the longer response; ties on equal length; fails on "broken".
struct LongerWinsJudge: Judge {
    typealias Sample = PairwiseSample
    let name = "longer"
    func judge(_ samples: [PairwiseSample]) async -> [Judgment] {
        samples.map { s in
            if s.responseA.contains("broken") || s.responseB.contains("broken") {
                return Judgment(
                    id: s.id, judge: name, rubric: "r", criterion: "c", model: "m", latencyMs: 0, failure: .refusal)
            }
            let v: PairwiseVerdict =
                s.responseA.count == s.responseB.count ? .tie : (s.responseA.count > s.responseB.count ? .a : .b)
            return Judgment(id: s.id, judge: name, rubric: "r", criterion: "c", verdict: v, model: "m", latencyMs: 0)
        }
    }
}

/// Fixed values.
struct FixedReward: RewardFunction {
    let name: String
    let values: [Double?]
    func score(_ batch: RewardBatch) async throws -> RewardScores { RewardScores(values: values) }
}

@Suite struct RewardAdapterTests {
    static func batch(_ completions: [String], groupSize: Int = 2, answers: [String]? = nil) -> RewardBatch {
        RewardBatch(
            prompts: completions.map { _ in "p" }, completions: completions,
            completionTokenIDs: completions.map { Array(repeating: 1, count: $0.count) }, groupSize: groupSize,
            metadata: answers.map { $0.map { ["answer": $0] } })
    }

    @Test func judgeFailuresAreUnscoredCountedAndRetried() async throws {
        let plain = JudgeReward(name: "j", judge: ScriptedJudge(failFirst: 1))
        let scores = try await plain.score(Self.batch(["ok", "flaky", "broken", "four"]))
        #expect(scores.values == [2, nil, nil, 4])
        #expect(scores.failures == 2 && scores.fallbacks == 0)
        let retried = JudgeReward(name: "j", judge: ScriptedJudge(failFirst: 1), fallbacks: [.retry(times: 2)])
        let again = try await retried.score(Self.batch(["ok", "flaky", "broken", "four"]))
        #expect(again.values == [2, 5, nil, 4])
        #expect(again.failures == 1 && again.fallbacks == 1)
        let backup = JudgeReward(
            name: "j", judge: ScriptedJudge(), scoreRange: 0...10, fallbacks: [.judge(ScriptedJudge(failFirst: 0))])
        let mapped = try await backup.score(Self.batch(["ok", "broken"]))
        #expect(mapped.values == [0.2, nil] && mapped.failures == 1)
    }

    @Test func verifierRewardReadsTheReferenceColumn() async throws {
        let reward = VerifierReward(
            name: "exact", verifier: ExactMatchVerifier(), referenceField: "answer", concurrency: 2)
        let scores = try await reward.score(Self.batch(["4", " 4 ", "5", "x"], answers: ["4", "4", "4", "4"]))
        #expect(scores.values == [1, 1, 0, 0])
        // No reference: not applicable, so unscored but not a failure.
        let missing = try await reward.score(Self.batch(["4", "5"]))
        #expect(missing.values == [nil, nil] && missing.failures == 0)
    }

    @Test func pairwiseJudgeGivesWinRatesWithinGroups() async throws {
        let reward = PairwiseGroupReward(name: "pw", judge: LongerWinsJudge())
        let scores = try await reward.score(Self.batch(["aaa", "a", "aa", "bb", "x", "y"], groupSize: 3))
        // Group 0: aaa beats both (1), a loses both (0), aa 1 of 2 (0.5). Group 1: bb beats x and y; x, y tie.
        #expect(scores.values == [1, 0, 0.5, 1, 0.25, 0.25])
        let broken = try await reward.score(Self.batch(["broken", "a", "aa", "b"], groupSize: 2))
        #expect(broken.values == [nil, nil, 1, 0])
        #expect(broken.failures == 2)
    }

    @Test func combinatorsFollowNansumGateAndShape() async throws {
        let a = FixedReward(name: "a", values: [1, nil, nil, 0.5])
        let b = FixedReward(name: "b", values: [2, 3, nil, nil])
        let sum = try await WeightedSumReward(name: "s", parts: [(a, 1), (b, 0.5)]).score(Self.batch(["", "", "", ""]))
        #expect(sum.values == [2, 1.5, nil, 0.5])
        let gate = FixedReward(name: "g", values: [1, 0, nil, 1])
        let judged = FixedReward(name: "j", values: [0.9, 0.9, 0.9, nil])
        let gated = try await GatedReward(name: "gj", gate: gate, reward: judged).score(Self.batch(["", "", "", ""]))
        #expect(gated.values == [0.9, 0, nil, nil])
        let shaped = try await ShapedReward(name: "sh", reward: b, clip: 0...2.5, scale: 2, offset: -1)
            .score(Self.batch(["", "", "", ""]))
        #expect(shaped.values == [3, 4, nil, nil])
        await #expect(throws: RewardCountMismatch.self) {
            _ = try await FixedReward(name: "short", values: [1]).checkedScore(Self.batch(["", ""]))
        }
    }

    @Test func softOverlongPunishmentIsDAPOs() async throws {
        // DAPO: 0 for |y| ≤ L_max − L_cache, (L_max − L_cache − |y|)/L_cache up to L_max, −1 beyond.
        let p = SoftOverlongPunishment(maxCompletionLength: 20, softCacheLength: 5)
        #expect(p.value(length: 15) == 0)
        #expect(p.value(length: 16) == -0.2)
        #expect(p.value(length: 20) == -1)
        #expect(p.value(length: 21) == -1)
        let lengths = RewardBatch(
            prompts: ["p", "p"], completions: ["", ""], completionTokenIDs: [Array(0..<18), Array(0..<3)])
        #expect(try await p.score(lengths).values == [-0.6, 0])
        #expect(try await LengthPenalty(budget: 2, rate: 0.5).score(lengths).values == [-8, -0.5])
    }
}
