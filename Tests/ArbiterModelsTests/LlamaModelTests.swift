import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

// LlamaModelTests: SmolLM2-135M-Instruct (GGUF Q4_1, dequantised to fp32) against the transformers
// fp32 reference (Tests/Fixtures/smollm2, README tolerances): configuration, logits of the three
// reference prompts (top-20 per position, logsumexp, argmax, full last-position vectors) and the
// layer-by-layer hidden probes. Also holds `SmolLM2Shared`, the once-per-process model instance
// the other Llama/Generation test files use.
@testable import ArbiterModels

/// The real model, loaded once for every test in this target that needs it, with `.exact`
/// arithmetic (fp32 throughout) so that it reproduces the transformers fp32 references; tests of
/// the default `.fast` arithmetic share its weights through `sharingWeights(arithmetic: .fast)`.
enum SmolLM2Shared {
    nonisolated(unsafe) static let loaded = Result { try LanguageModel.load(TestModels.smolLM2GGUF(), options: .exact) }
    static func model() throws -> LanguageModel { try loaded.get() }

    /// A fixture object parsed as a dictionary.
    static func json(_ name: String) throws -> [String: Any] {
        try #require(Fixtures.json("smollm2/\(name)") as? [String: Any])
    }
}

@Suite(.serialized) struct LlamaModelTests {
    @Test func configurationFromMetadata() throws {
        let lm = try SmolLM2Shared.model()
        let c = lm.model.configuration
        #expect(c.layerCount == 30 && c.hiddenSize == 576 && c.feedForwardSize == 1536)
        #expect(c.headCount == 9 && c.keyValueHeadCount == 3 && c.headDimension == 64)
        #expect(c.ropeTheta == 100_000 && c.rmsNormEpsilon == Float(bitPattern: 0x3727_C5AC))
        #expect(c.contextLength == 8192 && c.vocabularySize == 49152)
        #expect(lm.model.tiedEmbeddings)
        #expect(lm.model.parameters.count == 1 + 30 * 9 + 1)
        #expect(lm.model.parameters.scalarCount == 134_515_008)
        #expect(lm.stopTokenIDs == [2])
        #expect(lm.chatTemplate?.contains("<|im_start|>") == true)
    }

    /// Logits of all three prompts: argmax equal everywhere, the listed top-20 logits and the
    /// logsumexp within 2e-3 (README: fp32 noise is ≤ 9e-5), full last-position vector within 2e-3.
    @Test func logitsMatchReference() throws {
        let model = try SmolLM2Shared.model().model
        let ref = try SmolLM2Shared.json("logits.json")
        let prompts = try #require(ref["prompts"] as? [[String: Any]])
        #expect(prompts.count == 3)
        var worstTop = 0.0
        var worstLSE = 0.0
        var worstLast = 0.0
        for prompt in prompts {
            let ids = try #require(prompt["input_ids"] as? [Int])
            let positions = try #require(prompt["positions"] as? [[String: Any]])
            let logits = Tensor.noGrad { model.logits(tokens: [ids]) }  // (1, T, V)
            let v = model.configuration.vocabularySize
            #expect(logits.shape == [1, ids.count, v])
            let values = logits.scalars
            for (t, position) in positions.enumerated() {
                let row = values[(t * v)..<((t + 1) * v)]
                let argmax = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }.map { $0 - t * v }
                #expect(argmax == position["argmax"] as? Int, "argmax at position \(t)")
                for pair in try #require(position["top20"] as? [[Double]]) {
                    worstTop = max(worstTop, abs(Double(row[t * v + Int(pair[0])]) - pair[1]))
                }
                let m = Double(row.max() ?? 0)
                let lse = m + Foundation.log(row.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) })
                worstLSE = max(worstLSE, abs(lse - (try #require(position["logsumexp"] as? Double))))
            }
            let last = try Fixtures.float32("smollm2/\(try #require(prompt["last_logits_file"] as? String))")
            worstLast = max(worstLast, maxAbsDifference(values[((ids.count - 1) * v)...], last))
        }
        print(
            "LlamaModelTests: max |Δlogit| top-20 \(worstTop), logsumexp \(worstLSE), last-position full vector \(worstLast)"
        )
        #expect(worstTop <= 2e-3)
        #expect(worstLSE <= 2e-3)
        #expect(worstLast <= 2e-3)
    }

    /// Residual stream after the embedding, every block and the final norm for prompt p0: first 8
    /// values at position 0 and at the last position within 1e-3 · L2 norm, the last L2 norm
    /// within 1e-3 relative.
    @Test func hiddenProbesMatchReference() throws {
        let model = try SmolLM2Shared.model().model
        let ref = try SmolLM2Shared.json("logits.json")
        let prompts = try #require(ref["prompts"] as? [[String: Any]])
        let ids = try #require(prompts.first?["input_ids"] as? [Int])
        var seen: [String: Tensor] = [:]
        _ = Tensor.noGrad { model.hiddenStates(tokens: [ids], probe: { seen[$0] = $1 }) }
        let probes = try #require(ref["hidden_probes"] as? [[String: Any]])
        #expect(probes.count == 32 && seen.count == 32)
        let c = model.configuration.hiddenSize
        let t = ids.count
        var worst = 0.0
        for probe in probes {
            let name = try #require(probe["name"] as? String)
            let x = try #require(seen[name], "probe \(name)").scalars
            let first = Array(x[0..<8])
            let last = Array(x[((t - 1) * c)..<((t - 1) * c + 8)])
            let lastRow = x[((t - 1) * c)..<(t * c)]
            let l2 = lastRow.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            let refL2 = try #require(probe["last_l2"] as? Double)
            let d0 = maxAbsDifference(first, try #require(probe["pos0_first8"] as? [Double]))
            let d1 = maxAbsDifference(last, try #require(probe["last_first8"] as? [Double]))
            let rel = max(d0, d1) / refL2
            worst = max(worst, rel)
            #expect(rel <= 1e-3, "probe \(name): relative deviation \(rel)")
            #expect(abs(l2 - refL2) <= 1e-3 * refL2, "probe \(name): L2 \(l2) vs \(refL2)")
        }
        print("LlamaModelTests: worst hidden-probe deviation relative to L2 \(worst)")
    }
}
