// GenerationTests: greedy decoding of SmolLM2 against greedy.json (transformers generate, fp32):
// exact new-token ids and text, with the KV cache, without it, and for the three prompts decoded
// together as one right-padded batch (per-row positions and masks in the cache). Also stop
// strings, token budgets, the streaming callback (and its cancellation) and seeded sampling
// reproducibility on the real model. Public API only.
import ArbiterModels
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@Suite(.serialized) struct GenerationTests {
    struct Case {
        let input: [Int]
        let output: [Int]
        let text: String
    }

    static func cases() throws -> [Case] {
        let cases = try #require(SmolLM2Shared.json("greedy.json")["cases"] as? [[String: Any]])
        return try cases.map {
            Case(
                input: try #require($0["input_ids"] as? [Int]), output: try #require($0["output_ids"] as? [Int]),
                text: try #require($0["decoded_skip_special"] as? String))
        }
    }

    static func options(_ n: Int, cache: Bool = true, stops: [String] = []) throws -> GenerationOptions {
        try GenerationOptions(maxNewTokens: n, sampling: .greedy, stopStrings: stops, useCache: cache)
    }

    /// One row with the cache (the shortest reference output; all three run batched below).
    @Test func greedyWithCacheMatchesReference() throws {
        let lm = try SmolLM2Shared.model()
        let c = try Self.cases()[2]
        let result = try lm.generate(prompt: c.input, options: try Self.options(40))
        #expect(result.tokens == c.output)
        #expect(result.text == c.text)
        #expect(result.finishReason == .stopToken)
    }

    /// The no-cache path re-runs the whole sequence each step; it must pick the same tokens.
    @Test func greedyWithoutCacheMatchesReference() throws {
        let lm = try SmolLM2Shared.model()
        let c = try Self.cases()[1]
        let result = try lm.generate(prompt: c.input, options: try Self.options(40, cache: false))
        #expect(result.tokens == c.output)
        #expect(result.finishReason == .stopToken)
    }

    /// Prompts of 38, 35 and 77 tokens decoded as one right-padded batch with the cache give each
    /// row's full reference output (30, 13 and 10 tokens; finished rows idle on padding).
    @Test func batchedGreedyMatchesReference() throws {
        let lm = try SmolLM2Shared.model()
        let cases = try Self.cases()
        let results = try lm.generate(prompts: cases.map(\.input), options: try Self.options(40))
        #expect(results.map(\.tokens) == cases.map(\.output))
        #expect(results.map(\.text) == cases.map(\.text))
        #expect(results.allSatisfy { $0.finishReason == .stopToken })
    }

    @Test func stopStringsAndBudget() throws {
        let lm = try SmolLM2Shared.model()
        let c = try Self.cases()[0]  // "12*7 = 89\n\n…"
        let stopped = try lm.generate(prompt: c.input, options: try Self.options(40, stops: [" ="]))
        #expect(stopped.finishReason == .stopString)
        #expect(stopped.text == "12*7")
        #expect(stopped.tokens == Array(c.output.prefix(stopped.tokens.count)))
        let budget = try lm.generate(prompt: c.input, options: try Self.options(3))
        #expect(budget.tokens == Array(c.output.prefix(3)) && budget.finishReason == .maxTokens)
        let none = try lm.generate(prompt: c.input, options: try Self.options(0))
        #expect(none.tokens.isEmpty && none.text.isEmpty && none.finishReason == .maxTokens)
    }

    /// The streaming entry point sees every new token in order (the one completing a stop string
    /// included) and stops, as `cancelled`, when its callback says so.
    @Test func onTokenSeesEachTokenAndCanCancel() throws {
        let lm = try SmolLM2Shared.model()
        let c = try Self.cases()[0]
        var seen: [Int] = []
        let stopped = try lm.generate(prompt: c.input, options: try Self.options(40, stops: [" ="])) { id, record in
            seen.append(id)
            return record == nil
        }
        #expect(stopped.finishReason == .stopString && seen == stopped.tokens)
        var count = 0
        let cancelled = try lm.generate(prompt: c.input, options: try Self.options(10)) { _, _ in
            count += 1
            return count < 3
        }
        #expect(cancelled.finishReason == .cancelled && cancelled.tokens == Array(c.output.prefix(3)))
    }

    /// A PromptCache reuses the longest prefix a new prompt shares with the last sequence: the
    /// greedy ids stay greedy.json's and the log-probabilities those of a fresh run within 1e-4
    /// (only the summation order of the reused keys and values differs); unrelated prompts reuse nothing.
    @Test func promptCacheReusesSharedPrefixes() throws {
        let lm = try SmolLM2Shared.model()
        let cases = try Self.cases()
        let options = try GenerationOptions(maxNewTokens: 6, sampling: .greedy, topLogprobs: 0)
        let cache = PromptCache(minimumReuse: 4)
        let a = cases[0].input
        let fresh = try lm.generate(prompt: a, options: options)
        let first = try lm.generate(prompt: a, options: options, cache: cache)
        #expect(first == fresh, "an empty cache is a plain generation")
        #expect(cache.reusedTokens == 0 && cache.computedTokens == a.count)
        let again = try lm.generate(prompt: a, options: options, cache: cache)
        #expect(cache.reusedTokens == a.count - 1, "all but the last prompt token reused")
        #expect(again.tokens == Array(cases[0].output.prefix(6)))
        let drift = zip(again.logprobs ?? [], fresh.logprobs ?? []).map { abs($0.logprob - $1.logprob) }.max() ?? 1
        #expect(drift <= 1e-4, "largest log-probability change from reuse: \(drift)")
        // A prompt that shares a shorter prefix reuses exactly that much.
        let shorter = Array(a.prefix(a.count - 3)) + [a[a.count - 1]]
        let before = cache.reusedTokens
        _ = try lm.generate(prompt: shorter, options: options, cache: cache)
        #expect(cache.reusedTokens - before == a.count - 3)
        // An unrelated prompt reuses nothing and still decodes greedy.json's continuation.
        let other = cases[1]
        let reusedBefore = cache.reusedTokens
        let unrelated = try lm.generate(prompt: other.input, options: options, cache: cache)
        #expect(cache.reusedTokens == reusedBefore || other.input.prefix(4) == a.prefix(4))
        #expect(unrelated.tokens == Array(other.output.prefix(6)))
    }

    /// Seeded sampling is reproducible; a different seed (at a high temperature) eventually differs.
    @Test func seededSamplingIsReproducible() throws {
        let lm = try SmolLM2Shared.model()
        let prompt = try Self.cases()[1].input
        let sampling = try SamplingOptions(temperature: 1.5, topK: 50, topP: 0.95, seed: 7)
        let a = try lm.generate(prompt: prompt, options: try GenerationOptions(maxNewTokens: 6, sampling: sampling))
        let b = try lm.generate(prompt: prompt, options: try GenerationOptions(maxNewTokens: 6, sampling: sampling))
        #expect(a == b)
        var differs = false
        for seed in UInt64(8)...10 where !differs {
            let other = try SamplingOptions(temperature: 1.5, topK: 50, topP: 0.95, seed: seed)
            differs =
                try lm.generate(prompt: prompt, options: try GenerationOptions(maxNewTokens: 6, sampling: other)).tokens
                != a.tokens
        }
        #expect(differs)
    }
}
