// GenerationLogprobTests: one-pass log-probabilities recorded during decoding. On SmolLM2 the
// per-token log-probabilities generation records (from the logits the decode step already has,
// KV cache on) equal `logProbabilities(prompt:completion:)` on the same ids within 1e-4, for
// greedy and sampled tokens, single and batched; the recorded top-k equals a naive full-softmax
// sort of a full-sequence forward; greedy ids stay those of greedy.json. The top-k selection
// itself is checked exactly against a sort on random rows with ties and NaNs. Public API only.
import ArbiterCore
import ArbiterModels
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@Suite(.serialized) struct GenerationLogprobTests {
    /// Naive reference: log-softmax in Double, then a full sort (larger first, lower id on ties).
    static func naiveTop(_ row: [Float], _ k: Int) -> [TokenIDLogprob] {
        let finite = row.filter { !$0.isNaN }.map(Double.init)
        let m = finite.max() ?? 0
        let lse = m + Foundation.log(finite.reduce(0) { $0 + Foundation.exp($1 - m) })
        let order = row.indices.filter { !row[$0].isNaN }.sorted {
            row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1)
        }
        return order.prefix(k).map { TokenIDLogprob(id: $0, logprob: Double(row[$0]) - lse) }
    }

    @Test func topKSelectionEqualsFullSort() {
        var rng = SplitMix64(seed: 11)
        for trial in 0..<60 {
            let v = 1 + rng.below(300)
            // Few distinct values make many ties; some NaNs must be skipped.
            let levels = 1 + rng.below(trial % 2 == 0 ? 5 : 1000)
            var row = (0..<v).map { _ in Float(rng.below(levels)) * 0.25 - 3 }
            for _ in 0..<rng.below(3) { row[rng.below(v)] = .nan }
            let k = rng.below(25)
            let chosen = rng.below(v)
            let record = TokenLogprobRecord(logits: row, chosen: chosen, top: k)
            let naive = Self.naiveTop(row, k)
            #expect(record.top.map(\.id) == naive.map(\.id), "trial \(trial)")
            #expect(maxAbsDifference(record.top.map(\.logprob), naive.map(\.logprob)) <= 1e-12)
            #expect(record.id == chosen)
            if row[chosen].isNaN {
                #expect(record.logprob == -.infinity)
            } else {
                let all = Self.naiveTop(row, v)
                #expect(abs(record.logprob - (all.first { $0.id == chosen }?.logprob ?? .nan)) <= 1e-12)
            }
        }
        // A slice of a (B, V) buffer: ids count from the slice's start.
        let buffer: [Float] = [9, 9, 9, 1, 3, 2]
        let sliced = TokenLogprobRecord(logits: buffer[3..<6], chosen: 2, top: 2)
        #expect(sliced.top.map(\.id) == [1, 2] && sliced.id == 2)
    }

    /// Greedy decoding with logprobs: ids unchanged, per-token logprobs equal the scoring path,
    /// top-20 equal a naive sort of full-forward logits, the chosen token is top[0].
    @Test func greedyLogprobsMatchScoringAndNaiveTopK() throws {
        let lm = try SmolLM2Shared.model()
        let c = try GenerationTests.cases()[2]
        let result = try lm.generate(prompt: c.input, options: try GenerationOptions(maxNewTokens: 40, topLogprobs: 20))
        #expect(result.tokens == c.output)
        let records = try #require(result.logprobs)
        #expect(records.map(\.id) == result.tokens)
        let scored = try lm.model.logProbabilities(prompt: c.input, completion: result.tokens)
        let deviation = maxAbsDifference(records.map(\.logprob), scored)
        // Full forward over prompt + output (no cache), logits at the positions predicting each new token.
        let sequence = c.input + result.tokens.dropLast()
        let logits = Tensor.noGrad { lm.model.logits(tokens: [sequence]) }.scalars  // (1, T, V)
        let v = lm.model.configuration.vocabularySize
        var topDeviation = 0.0
        for (i, record) in records.enumerated() {
            let position = c.input.count - 1 + i
            let naive = Self.naiveTop(Array(logits[(position * v)..<((position + 1) * v)]), 20)
            #expect(record.top.count == 20)
            #expect(record.top.first?.id == record.id, "greedy token is the most likely")
            topDeviation = max(topDeviation, maxAbsDifference(record.top.map(\.logprob), naive.map(\.logprob)))
            // Ids agree except where two neighbours are closer than the two paths' rounding.
            for (r, (a, b)) in zip(record.top, naive).enumerated() where a.id != b.id {
                let gap = abs(naive[r].logprob - naive[min(r + 1, naive.count - 1)].logprob)
                #expect(gap <= 1e-4, "position \(i) rank \(r): \(a.id) vs \(b.id)")
            }
            #expect(zip(record.top, record.top.dropFirst()).allSatisfy { $0.logprob >= $1.logprob })
        }
        print(
            "GenerationLogprobTests: max |Δ logprob| vs logProbabilities \(deviation), top-20 vs naive \(topDeviation)")
        #expect(deviation <= 1e-4)
        #expect(topDeviation <= 1e-4)
    }

    /// Sampled tokens (temperature 1.5, top-k 50) still carry temperature-1 log-probabilities;
    /// batched rows (right-padded, per-row cache positions) too.
    @Test func sampledAndBatchedLogprobsMatchScoring() throws {
        let lm = try SmolLM2Shared.model()
        let cases = try GenerationTests.cases()
        let sampling = try SamplingOptions(temperature: 1.5, topK: 50, seed: 3)
        let sampled = try lm.generate(
            prompt: cases[1].input, options: try GenerationOptions(maxNewTokens: 4, sampling: sampling, topLogprobs: 0))
        let records = try #require(sampled.logprobs)
        #expect(records.allSatisfy { $0.top.isEmpty })
        let scored = try lm.model.logProbabilities(prompt: cases[1].input, completion: sampled.tokens)
        let sampledDeviation = maxAbsDifference(records.map(\.logprob), scored)

        // Two rows of different lengths decoded together, each scored on its own.
        let prompts = [cases[0].input, cases[1].input]
        let batched = try lm.generate(prompts: prompts, options: try GenerationOptions(maxNewTokens: 3, topLogprobs: 3))
        var batchDeviation = 0.0
        for (prompt, row) in zip(prompts, batched) {
            let records = try #require(row.logprobs)
            #expect(
                records.map(\.id) == row.tokens && records.allSatisfy { $0.top.count == 3 && $0.top[0].id == $0.id })
            batchDeviation = max(
                batchDeviation,
                maxAbsDifference(
                    records.map(\.logprob), try lm.model.logProbabilities(prompt: prompt, completion: row.tokens)))
        }
        print("GenerationLogprobTests: sampled max |Δ| \(sampledDeviation), batched max |Δ| \(batchDeviation)")
        #expect(sampledDeviation <= 1e-4)
        #expect(batchDeviation <= 1e-4)
        #expect(try lm.generate(prompt: prompts[0], options: try GenerationOptions(maxNewTokens: 2)).logprobs == nil)
    }
}
