// QuantizedDecodeTests: SmolLM2 decode steps on the file's quantised matrices (the default for a
// GGUF-loaded model) against the fp32 path on the same weights: the reference greedy ids of
// greedy.json (transformers fp32), decode-step logits within a stated tolerance of the fp32 ones,
// and the cases that must stay on fp32 (gradient recording, prompts, models built from
// Parameters). Inference only: the quantised product has no gradient, so no gradient check.
@testable import ArbiterModels
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@Suite(.serialized) struct QuantizedDecodeTests {
    /// The shared model with quantised decode, and an fp32-only model over the same Parameters.
    static func models() throws -> (quantised: LanguageModel, fp32: LlamaModel) {
        let lm = try SmolLM2Shared.model()
        let fp32 = try LlamaModel(configuration: lm.model.configuration, parameters: lm.model.parameters)
        return (lm, fp32)
    }

    @Test func ggufModelsKeepQuantisedWeightsByDefault() throws {
        let (lm, fp32) = try Self.models()
        #expect(lm.model.hasQuantizedWeights && lm.model.usesQuantizedDecode)
        #expect(!fp32.hasQuantizedWeights && !fp32.usesQuantizedDecode)
        let q = try #require(lm.model.quantized)
        #expect(q.blocks.count == 30 && q.head?.type == .q8_0 && q.head?.rows == 49152)
        #expect(q.blocks.allSatisfy { [$0.query, $0.key, $0.value, $0.output, $0.gate, $0.up, $0.down].allSatisfy { $0?.type == .q4_1 } })
        #expect(LlamaLoadOptions().quantizedDecode && !LlamaLoadOptions(quantizedDecode: false).quantizedDecode)
        // Off the decode path: recording gradients, no cache, or too many rows.
        #expect(lm.model.quantizedWeights(rows: 1, decodeStep: true) == nil)  // gradients on here
        Tensor.noGrad {
            #expect(lm.model.quantizedWeights(rows: 1, decodeStep: true) != nil)
            #expect(lm.model.quantizedWeights(rows: 1, decodeStep: false) == nil)
            #expect(lm.model.quantizedWeights(rows: LlamaModel.quantizedDecodeMaxRows + 1, decodeStep: true) == nil)
        }
    }

    /// Greedy decoding with the cache on the quantised matrices gives greedy.json's ids exactly.
    @Test func quantisedGreedyMatchesReference() throws {
        let (lm, _) = try Self.models()
        let cases = try #require(SmolLM2Shared.json("greedy.json")["cases"] as? [[String: Any]])
        let c = cases[2]
        let input = try #require(c["input_ids"] as? [Int]), output = try #require(c["output_ids"] as? [Int])
        let result = lm.generate(prompt: input, options: GenerationOptions(maxNewTokens: 40, sampling: .greedy))
        #expect(result.tokens == output)
        #expect(result.finishReason == .stopToken)
    }

    /// One decode step after the same prompt: quantised logits within 0.25 (absolute) of the fp32
    /// ones, same argmax. Logits here span ≈ 30; the 8-bit activations cost ≈ 0.4 % relative
    /// per product (measured max |Δ| printed in the expectation message on failure).
    @Test func decodeStepLogitsCloseToFP32() throws {
        let (lm, fp32) = try Self.models()
        let cases = try #require(SmolLM2Shared.json("greedy.json")["cases"] as? [[String: Any]])
        let input = try #require(cases[1]["input_ids"] as? [Int]), output = try #require(cases[1]["output_ids"] as? [Int])
        func step(_ model: LlamaModel) -> [Float] {
            Tensor.noGrad {
                let cache = KVCache(for: model)
                _ = model.logits(tokens: [input], cache: cache)  // prompt: fp32 sgemm in both
                return model.logits(tokens: [[output[0]]], cache: cache).scalars  // (1, 1, V)
            }
        }
        let q = step(lm.model), f = step(fp32)
        let worst = zip(q, f).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 0.25, "max |Δlogit| = \(worst)")
        #expect(q.indices.max { q[$0] < q[$1] } == f.indices.max { f[$0] < f[$1] })
        #expect(q.indices.max { q[$0] < q[$1] } == output[1])
    }
}
