// LlamaScoringTests: log-probability scoring of SmolLM2 against the fp32 transformers reference:
// sequence_logprobs.json (per completion token ≤ 2e-3, sums ≤ 1e-2; the three pairs scored one by
// one and as one padded batch) and judge_probs.json (p("1".."5") ≤ 1e-4, expected score ≤ 1e-3).
// Also that the differentiable path agrees (≤ 2e-3; its fp32 log-softmax is coarser than the
// Double one of `logProbabilities`) and gives gradients to the weights. Public API only.
import ArbiterModels
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@Suite(.serialized) struct LlamaScoringTests {
    @Test func sequenceLogProbsMatchReference() throws {
        let model = try SmolLM2Shared.model().model
        let cases = try #require(SmolLM2Shared.json("sequence_logprobs.json")["cases"] as? [[String: Any]])
        #expect(cases.count == 3)
        var pairs: [(prompt: [Int], completion: [Int])] = []
        var expected: [[Double]] = []
        var sums: [Double] = []
        for c in cases {
            pairs.append((try #require(c["prompt_ids"] as? [Int]), try #require(c["completion_ids"] as? [Int])))
            expected.append(try #require(c["token_logprobs"] as? [Double]))
            sums.append(try #require(c["sum_logprob"] as? Double))
        }
        let batched = try model.logProbabilities(pairs: pairs)
        var worstToken = 0.0
        var worstSum = 0.0
        for i in pairs.indices {
            let single = try model.logProbabilities(prompt: pairs[i].prompt, completion: pairs[i].completion)
            for got in [single, batched[i]] {
                worstToken = max(worstToken, maxAbsDifference(got, expected[i]))
                worstSum = max(worstSum, abs(got.reduce(0.0) { $0 + Double($1) } - sums[i]))
            }
        }
        print("LlamaScoringTests: max |Δ log p| per token \(worstToken), per sum \(worstSum)")
        #expect(worstToken <= 2e-3)
        #expect(worstSum <= 1e-2)
    }

    @Test func judgeProbabilitiesMatchReference() throws {
        let model = try SmolLM2Shared.model().model
        let cases = try #require(SmolLM2Shared.json("judge_probs.json")["cases"] as? [[String: Any]])
        #expect(cases.count == 3)
        var worstP = 0.0
        var worstRenorm = 0.0
        var worstExpected = 0.0
        for c in cases {
            let ids = try #require(c["input_ids"] as? [Int])
            let candidates = try #require(c["score_token_ids"] as? [Int])
            let got = try model.candidateProbabilities(prompt: ids, candidates: candidates)
            let refP = try #require(c["p_full_softmax"] as? [Double])
            let refRenorm = try #require(c["p_renormalised"] as? [Double])
            let refExpected = try #require(c["expected_score"] as? Double)
            let refSum = try #require(c["p_sum"] as? Double)
            worstP = max(worstP, maxAbsDifference(got.probabilities, refP))
            worstRenorm = max(worstRenorm, maxAbsDifference(got.renormalised, refRenorm))
            worstExpected = max(worstExpected, abs(got.expected - refExpected))
            #expect(abs(got.mass - refSum) <= 5e-4)
        }
        print("LlamaScoringTests: max |Δp| \(worstP), renormalised \(worstRenorm), expected score \(worstExpected)")
        #expect(worstP <= 1e-4)
        #expect(worstRenorm <= 1e-3)
        #expect(worstExpected <= 1e-3)
    }

    /// The log-prob of a short completion is differentiable: a backward pass reaches the
    /// embedding table, a block's weights and the final norm, and every gradient is finite.
    @Test func completionLogProbsAreDifferentiable() throws {
        let model = try SmolLM2Shared.model().model
        defer { model.parameters.zeroGrad() }
        let logp = try model.completionLogProbs(pairs: [(prompt: [1, 9690, 198], completion: [2683, 359])])  // (2)
        #expect(logp.shape == [2])
        let exact = try model.logProbabilities(prompt: [1, 9690, 198], completion: [2683, 359])
        #expect(maxAbsDifference(logp.scalars, exact) <= 2e-3)
        logp.sum().backward()
        for name in ["token_embd.weight", "blk.0.attn_q.weight", "blk.29.ffn_down.weight", "output_norm.weight"] {
            let grad = try #require(model.parameters[name]?.grad, "gradient of \(name)")
            let finite = grad.scalars.allSatisfy { $0.isFinite }
            #expect(finite)
            #expect(grad.scalars.contains { $0 != 0 }, "\(name) got an all-zero gradient")
        }
    }
}
