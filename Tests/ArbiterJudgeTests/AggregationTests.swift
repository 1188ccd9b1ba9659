// AggregationTests: self-consistency rules and spread, G-Eval expected scores, weighted criteria
// aggregation, and pairwise position-swap reconciliation.
import ArbiterChat
import ArbiterJudge
import Foundation
import Testing

@Test func selfConsistencyMeanMedianMajority() throws {
    let scores: [Double?] = [4, 5, nil, 4, 2]
    let mean = SelfConsistency.aggregate(scores, rule: .mean)
    #expect(mean.score == 3.75)
    #expect(mean.spread.samples == 5 && mean.spread.failures == 1)
    #expect(mean.spread.min == 2 && mean.spread.max == 5)
    // Population std of [4, 5, 4, 2]: mean 3.75, variance (0.0625+1.5625+0.0625+3.0625)/4 = 1.1875.
    #expect(abs(try #require(mean.spread.std) - 1.1875.squareRoot()) < 1e-12)
    #expect(mean.spread.agreement == 0.5)
    #expect(SelfConsistency.aggregate(scores, rule: .median).score == 4)
    #expect(SelfConsistency.aggregate(scores, rule: .majority).score == 4)
}

@Test func majorityTieBreakIsDeterministic() {
    // 2 and 4 tie (two each); median of [2, 2, 4, 4, 5] is 4 → 4.
    #expect(SelfConsistency.aggregate([2, 4, 2, 4, 5], rule: .majority).score == 4)
    // 1 and 5 tie, median 3 is equidistant → the lower, 1.
    #expect(SelfConsistency.aggregate([5, 1, 1, 5], rule: .majority).score == 1)
    #expect(SelfConsistency.aggregate([1, 5, 5, 1], rule: .majority).score == 1)
    #expect(SelfConsistency.aggregate([3, 2], rule: .median).score == 2.5)
}

@Test func allFailedSamplesGiveNoScore() {
    let r = SelfConsistency.aggregate([nil, nil], rule: .mean)
    #expect(r.score == nil)
    #expect(r.spread.failures == 2 && r.spread.mean == nil)
}

@Test func gEvalExpectedScore() throws {
    let alts = [
        TokenLogprob(token: "4", logprob: log(0.5)), TokenLogprob(token: " 3", logprob: log(0.2)),
        TokenLogprob(token: "3", logprob: log(0.1)), TokenLogprob(token: "The", logprob: log(0.15)),
        TokenLogprob(token: "9", logprob: log(0.05)),
    ]
    let r = ProbabilityWeighted.expectedScore(alternatives: alts, allowed: [1, 2, 3, 4, 5])
    // Mass on allowed scores: 4 → 0.5, 3 → 0.3 (" 3" and "3" pooled); renormalised 0.625 / 0.375.
    let expected: Double = 4 * 0.625 + 3 * 0.375
    let score = try #require(r.score)
    #expect(abs(score - expected) < 1e-12)
    #expect(abs((r.distribution[4] ?? 0) - 0.625) < 1e-12)
    #expect(abs((r.distribution[3] ?? 0) - 0.375) < 1e-12)
    #expect(r.distribution[9] == nil)
    let none = ProbabilityWeighted.expectedScore(
        alternatives: [TokenLogprob(token: "Yes", logprob: 0)], allowed: [1, 2])
    #expect(none.score == nil && none.distribution.isEmpty)
}

@Test func gEvalFindsTheVerdictToken() throws {
    let tokens = [
        TokenLogprobs(token: "Score", logprob: -0.1, top: []),
        TokenLogprobs(token: " 2", logprob: -0.3, top: []),  // "2" in the reasoning, not the verdict
        TokenLogprobs(token: "[RESULT]", logprob: -0.01, top: []),
        TokenLogprobs(token: " 5", logprob: log(0.6), top: [TokenLogprob(token: " 4", logprob: log(0.4))]),
    ]
    let r = try #require(ProbabilityWeighted.expectedScore(tokens: tokens, allowed: [1, 2, 3, 4, 5]))
    #expect(abs(try #require(r.score) - 4.6) < 1e-12)
    #expect(
        ProbabilityWeighted.expectedScore(tokens: [TokenLogprobs(token: "hi", logprob: 0, top: [])], allowed: [1])
            == nil)
}

@Test func weightedCriteriaSkipFailures() throws {
    let agg = try CriterionAggregate(weights: [("accuracy", 2), ("style", 1), ("safety", 1), ("ignored", 0)])
    func j(_ c: String, _ s: Double?, _ f: JudgmentFailure? = nil) -> Judgment {
        Judgment(id: "x", judge: "j", rubric: "r", criterion: c, score: s, model: "m", failure: f)
    }
    let r = agg.aggregate([j("accuracy", 5), j("style", 2), j("safety", nil, .refusal)])
    let want: Double = (2 * 5 + 1 * 2) / 3.0
    #expect(r.score == want)
    #expect(r.used == ["accuracy", "style"])
    #expect(r.failed == ["safety"])
    let none = agg.aggregate([j("accuracy", nil, .timeout(seconds: 1))])
    #expect(none.score == nil && none.failed == ["accuracy", "style", "safety"])
    #expect(throws: CriterionWeightsError.self) { try CriterionAggregate(weights: [("a", -1)]) }
    #expect(throws: CriterionWeightsError.self) { try CriterionAggregate(weights: [("a", 0)]) }
    #expect(throws: CriterionWeightsError.self) { try CriterionAggregate(weights: [("a", .nan)]) }
}

@Test func positionSwapPolicies() {
    // Swapped frame "b" means the original A.
    #expect(
        PositionSwap.resolve(original: .a, swapped: .b, policy: .flagInconsistent)
            == SwapOutcome(verdict: .a, consistent: true, swappedMapped: .a))
    #expect(PositionSwap.resolve(original: .tie, swapped: .tie, policy: .flagInconsistent).verdict == .tie)
    // Position bias: the judge always picks the first slot.
    let biased = PositionSwap.resolve(original: .a, swapped: .a, policy: .inconsistentAsTie)
    #expect(biased.verdict == .tie && !biased.consistent)
    let flagged = PositionSwap.resolve(original: .a, swapped: .a, policy: .flagInconsistent)
    #expect(flagged.verdict == nil && !flagged.consistent)
    #expect(PositionSwap.resolve(original: nil, swapped: .a, policy: .inconsistentAsTie).verdict == nil)
    let rate = PositionSwap.consistencyRate([(.a, .b), (.b, .a), (.a, .a), (.tie, .tie), (nil, .a)])
    #expect(rate == 0.75)
    #expect(PositionSwap.consistencyRate([(nil, nil)]) == nil)
}

@Test func gEvalScoreIsSummedInScoreOrder() throws {
    // Five scores with masses whose double sum depends on the order of addition: the score must be
    // the one from summing in score order, whatever order a Dictionary hands them out in (seeded
    // per process, so without the fixed order reruns of a judge differed in the last bit).
    let masses: [Double] = [0.1, 0.7, 0.2, 0.3, 1e-17]
    let alts = masses.enumerated().map { TokenLogprob(token: "\($0.offset + 1)", logprob: log($0.element)) }
    let p = alts.map { exp($0.logprob) }
    let total = p.reduce(0, +)
    var expected = 0.0
    for (i, v) in p.enumerated() { expected += Double(i + 1) * v / total }
    for rotation in 0..<alts.count {
        let r = ProbabilityWeighted.expectedScore(
            alternatives: Array(alts[rotation...] + alts[..<rotation]), allowed: [1, 2, 3, 4, 5])
        #expect(try #require(r.score) == expected)
    }
}
