// SamplingTests: the sampler on hand-made logits: greedy argmax (ties → lowest id, NaN never
// wins), the top-k / top-p / min-p filters keep exactly the expected tokens, seeded draws are
// reproducible, empirical frequencies follow softmax(logits / T), invalid options throw; the fused
// draw + log-prob + entropy of group sampling against the naive Double reference.
import ArbiterCore
import ArbiterModels
import ArbiterTensor
import Foundation
import Testing

@Suite struct SamplingTests {
    let logits: [Float] = [1, 3, 2, 3, -1, .nan, 0.5]

    @Test func greedyArgmax() {
        #expect(Sampler.argmax(logits) == 1)
        #expect(Sampler.argmax([Float.nan, -.infinity, -5]) == 2)
        var s = Sampler(.greedy)
        #expect(s.next(logits) == 1)
    }

    @Test func filtersKeepExpectedTokens() throws {
        let x: [Float] = [Foundation.log(0.5), Foundation.log(0.3), Foundation.log(0.15), Foundation.log(0.05)]
        func kept(_ o: SamplingOptions) -> [Int] { Sampler(o).distribution(x).map(\.token) }
        #expect(kept(try SamplingOptions(temperature: 1)) == [0, 1, 2, 3])
        #expect(kept(try SamplingOptions(temperature: 1, topK: 2)) == [0, 1])
        #expect(kept(try SamplingOptions(temperature: 1, topP: 0.79)) == [0, 1])
        #expect(kept(try SamplingOptions(temperature: 1, topP: 0.81)) == [0, 1, 2])
        #expect(kept(try SamplingOptions(temperature: 1, minP: 0.65)) == [0])
        #expect(kept(try SamplingOptions(temperature: 1, minP: 0.25)) == [0, 1, 2])
        let d = Sampler(try SamplingOptions(temperature: 1, topK: 2)).distribution(x)
        #expect(abs(d[0].probability - 0.625) < 1e-6 && abs(d[1].probability - 0.375) < 1e-6)
    }

    @Test func seededDrawsFollowTheDistribution() throws {
        let x: [Float] = [0, 1, 2]
        let options = try SamplingOptions(temperature: 2, seed: 99)
        var a = Sampler(options)
        var b = Sampler(options)
        var counts = [0, 0, 0]
        for _ in 0..<20_000 {
            let token = a.next(x)
            #expect(token == b.next(x))
            counts[token] += 1
        }
        let weights = x.map { Foundation.exp(Double($0) / 2) }
        let total = weights.reduce(0, +)
        for k in 0..<3 {
            // Binomial standard deviation at n = 20000 is ≤ 0.0035; allow 4σ.
            #expect(abs(Double(counts[k]) / 20_000 - weights[k] / total) < 0.014)
        }
    }

    @Test func drawWithStatisticsMatchesTheNaiveReference() throws {
        // A long row (not a multiple of 8), a −∞ logit, at T = 0.7 and T = 1.
        var rng = SeededRNG(seed: 3)
        var logits = (0..<12_347).map { _ in Float(rng.nextUnitDouble() * 30 - 20) }
        logits[11] = -.infinity
        logits[4000] = 14
        for temperature: Float in [0.7, 1] {
            var fused = Sampler(try SamplingOptions(temperature: temperature, seed: 8))
            var filtered = Sampler(try SamplingOptions(temperature: temperature, topK: 5, seed: 8))
            var scratch: [Float] = []
            var frequencies = [Int: Int]()
            // The naive reference once; any token's log-prob follows from token 4000's.
            let anchor = LlamaModel.temperatureStatistics(logits, token: 4000, temperature: temperature)
            func referenceLogProb(_ token: Int) -> Float {
                Float(Double(anchor.logProb) + (Double(logits[token]) - 14) / Double(temperature))
            }
            for draw in 0..<200 {
                let fusedDraw = logits.withUnsafeBufferPointer {
                    fused.nextWithStatistics($0, temperature: temperature, scratch: &scratch)
                }
                #expect(
                    abs(fusedDraw.logProb - referenceLogProb(fusedDraw.token)) < 1e-5
                        && abs(fusedDraw.entropy - anchor.entropy) < 1e-5)
                #expect(fusedDraw.token != 11)
                frequencies[fusedDraw.token, default: 0] += 1
                guard draw < 10 else { continue }
                // A filtered sampler draws as `next` does; its statistics stay unfiltered.
                let top = logits.withUnsafeBufferPointer {
                    filtered.nextWithStatistics($0, temperature: temperature, scratch: &scratch)
                }
                #expect(Set(filtered.distribution(logits).map(\.token)).contains(top.token))
                #expect(
                    abs(top.logProb - referenceLogProb(top.token)) < 1e-5 && abs(top.entropy - anchor.entropy) < 1e-5)
            }
            // Token 4000 is drawn about as often as its probability says.
            let p = Double(Foundation.exp(anchor.logProb))
            #expect(abs(Double(frequencies[4000, default: 0]) / 200 - p) < 0.1, "p = \(p)")
        }
    }

    @Test func unfilteredDrawsSkipNaNLogits() throws {
        var s = Sampler(try SamplingOptions(temperature: 1, seed: 5))
        let draws = (0..<2_000).map { _ in s.next([0, .nan, 1]) }
        #expect(!draws.contains(1) && draws.contains(0) && draws.contains(2))
    }

    @Test func invalidOptionsThrow() {
        #expect(throws: SamplingError.self) { try SamplingOptions(temperature: -1) }
        #expect(throws: SamplingError.self) { try SamplingOptions(temperature: .nan) }
        #expect(throws: SamplingError.self) { try SamplingOptions(temperature: 1, topK: 0) }
        #expect(throws: SamplingError.self) { try SamplingOptions(temperature: 1, topP: 0) }
        #expect(throws: SamplingError.self) { try SamplingOptions(temperature: 1, topP: 1.5) }
        #expect(throws: SamplingError.self) { try SamplingOptions(temperature: 1, minP: -0.1) }
        #expect(SamplingOptions.greedy.isGreedy)
    }

    /// Generation settings are user input (CLI, HTTP): a typed error naming the field, never a trap.
    @Test func invalidGenerationOptionsThrowNamingTheField() throws {
        #expect(throws: SamplingError.invalidOption(name: "maxNewTokens", value: "-1", allowed: "an integer ≥ 0")) {
            try GenerationOptions(maxNewTokens: -1)
        }
        #expect(
            throws: SamplingError.invalidOption(name: "topLogprobs", value: "-2", allowed: "an integer ≥ 0, or nil")
        ) {
            try GenerationOptions(topLogprobs: -2)
        }
        #expect(throws: SamplingError.self) { try GenerationOptions(stopStrings: ["end", ""]) }
        let options = try GenerationOptions(maxNewTokens: 0, stopStrings: ["x"], topLogprobs: 0)
        #expect(options.maxNewTokens == 0 && options.topLogprobs == 0)
        #expect(GenerationOptions.greedy.sampling.isGreedy && GenerationOptions.greedy.maxNewTokens == 256)
        let message = SamplingError.invalidOption(name: "maxNewTokens", value: "-1", allowed: "an integer ≥ 0")
            .localizedDescription
        #expect(message.contains("maxNewTokens") && message.contains("≥ 0"))
    }
}
