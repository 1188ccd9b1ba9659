import ArbiterCore
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

// ModelArithmeticTests: the one arithmetic choice (`ModelArithmetic`) on a tiny random Llama whose
// matrices are Q8_0 blocks (C = 64, so every row is whole blocks): `.fast` is the default in every
// build and runs prefill and decode on the quantised blocks, `.exact` runs fp32 throughout, and the
// quantised blocks are never read once a weight has changed (an AdamW step): the next decode gives
// the new weights' fp32 logits.
@testable import ArbiterModels

@Suite struct ModelArithmeticTests {
    static let vocab = 40, hidden = 64, ffn = 96, heads = 4, kvHeads = 2, layers = 2

    /// A tiny Llama GGUF: Q8_0 matrices from seeded random blocks, F32 norm gains.
    static func file() throws -> URL {
        var rng = SplitMix64(seed: 0x51A7E)
        let kv = kvHeads * hidden / heads
        let shapes = GGUFTestWriter.llamaTensorShapes(
            vocab: vocab, hidden: hidden, ffn: ffn, kvWidth: kv, layers: layers)
        let tensors = shapes.map { name, shape -> GGUFTestWriter.Tensor in
            let dims = shape.reversed().map { UInt64($0) }
            guard shape.count == 2 else {
                let gains = (0..<shape[0]).map { _ in 1 + 0.1 * Float.random(in: -1...1, using: &rng) }
                let bytes = gains.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
                return GGUFTestWriter.Tensor(name: name, dims: dims, typeID: 0, data: bytes)
            }
            let blocks = QuantizedMatrixTests.randomBlocks(.q8_0, blocks: shape[0] * shape[1] / 32, &rng)
            return GGUFTestWriter.Tensor(name: name, dims: dims, typeID: GGMLType.q8_0.rawValue, data: blocks)
        }
        let metadata = GGUFTestWriter.llamaMetadata(
            vocab: vocab, hidden: hidden, ffn: ffn, heads: heads, kvHeads: kvHeads, layers: layers, contextLength: 64)
        return try GGUFTestWriter(metadata: metadata, tensors: tensors).write(named: "tiny-llama-q8_0.gguf")
    }

    /// Logits (V) of one decode step after a 12-token prompt (a prefill of more than 8 rows).
    static func decodeLogits(_ model: LlamaModel) -> [Float] {
        Tensor.noGrad {
            let cache = KVCache(for: model)
            _ = model.logits(tokens: [Array(1...12)], cache: cache)
            return model.logits(tokens: [[13]], cache: cache).scalars
        }
    }

    /// Prefill logits (T·V) of the same 12-token prompt.
    static func prefillLogits(_ model: LlamaModel) -> [Float] {
        Tensor.noGrad { model.logits(tokens: [Array(1...12)]).scalars }
    }

    /// max |a − b| (0 when bit-identical up to signed zeros), so a failure prints one number.
    static func gap(_ a: [Float], _ b: [Float]) -> Float {
        a.count == b.count ? zip(a, b).map { abs($0 - $1) }.max() ?? 0 : .infinity
    }

    @Test func fastIsTheDefaultInEveryBuild() throws {
        #expect(LlamaLoadOptions().arithmetic == .fast)
        #expect(LlamaLoadOptions.exact.arithmetic == .exact && LlamaLoadOptions.fast == LlamaLoadOptions())
        let url = try Self.file()
        let fast = try LlamaModel(contentsOf: url)
        #expect(fast.hasQuantizedWeights && fast.arithmetic == .fast)
        #expect(fast.usesQuantizedDecode && fast.usesQuantizedPrefill && fast.quantizedWeightsAreCurrent)
        let exact = try LlamaModel(contentsOf: url, options: .exact)
        #expect(exact.hasQuantizedWeights && exact.arithmetic == .exact)
        #expect(!exact.usesQuantizedDecode && !exact.usesQuantizedPrefill)
        // Same fp32 weights; the fast products differ (8-bit activations), prefill and decode alike.
        #expect(fast.parameters.map(\.tensor.scalars) == exact.parameters.map(\.tensor.scalars))
        #expect(Self.gap(Self.prefillLogits(fast), Self.prefillLogits(exact)) > 0)
        #expect(Self.gap(Self.decodeLogits(fast), Self.decodeLogits(exact)) > 0)
        #expect(Self.gap(try Self.decodeLogits(fast.sharingWeights(arithmetic: .exact)), Self.decodeLogits(exact)) == 0)
        // `.fast` on fp32-only weights changes nothing.
        let plain = try LlamaModel(configuration: fast.configuration, parameters: fast.parameters)
        plain.arithmetic = .fast
        #expect(plain.arithmetic == .exact && !plain.hasQuantizedWeights)
    }

    @Test func staleQuantisedWeightsAreNeverRead() throws {
        let fast = try LlamaModel(contentsOf: Self.file())
        let exact = try fast.sharingWeights(arithmetic: .exact)
        let before = Self.decodeLogits(fast)
        #expect(Self.gap(before, Self.decodeLogits(exact)) > 0, "the fast path runs before training")
        // One AdamW step, as a trainer takes it.
        let loss = fast.logits(tokens: [Array(1...8)]).reshaped([8, Self.vocab]).crossEntropy(targets: Array(2...9))
        loss.backward()
        var optimizer = try AdamW(configuration: AdamW.Configuration(learningRate: 1e-2))
        try optimizer.step(fast.parameters, learningRate: 1e-2)
        #expect(!fast.quantizedWeightsAreCurrent && !exact.quantizedWeightsAreCurrent)
        // The quantised blocks are stale: decode and prefill take the fp32 path on the new weights.
        let after = Self.decodeLogits(fast)
        #expect(Self.gap(after, before) > 0)
        #expect(Self.gap(after, Self.decodeLogits(exact)) == 0)
        #expect(Self.gap(Self.prefillLogits(fast), Self.prefillLogits(exact)) == 0)
        let fresh = try LlamaModel(configuration: fast.configuration, parameters: fast.parameters)
        #expect(Self.gap(after, Self.decodeLogits(fresh)) == 0)
        // An edit through the parameters' buffers makes that matrix alone run fp32: the result
        // equals the fast model with the same edit, whatever path it takes, and differs from before.
        let model = try LlamaModel(contentsOf: Self.file())
        let unedited = Self.decodeLogits(model)
        model.parameters.withBuffers(named: "blk.1.ffn_down.weight") { value, _ in value[3] += 0.5 }
        #expect(!model.quantizedWeightsAreCurrent)
        #expect(model.blocks[1].down.currentQuantized == nil && model.blocks[1].up.currentQuantized != nil)
        #expect(Self.gap(Self.decodeLogits(model), unedited) > 0)
    }
}
