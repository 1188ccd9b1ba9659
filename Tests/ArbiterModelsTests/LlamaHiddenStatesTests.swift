import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

// LlamaHiddenStatesTests: the public hidden-state API (the last real token of each right-padded
// row, as a scalar head reads it; the head applied to it gives the model's own logits there) and
// deep copies (a frozen reference model): equal outputs, no shared storage, and the quantised
// blocks of a fast model stay usable by the copy while the original trains.
@testable import ArbiterModels

@Suite struct LlamaHiddenStatesTests {
    static func tinyModel() throws -> LlamaModel {
        let w = LlamaGradientTests.weights()
        return try LlamaGradientTests.model(w.map { Tensor($0.values, shape: $0.shape) })
    }

    @Test func lastTokenHiddenStatesPickEachRowsLastRealToken() throws {
        let model = try Self.tinyModel()
        let rows = [[1, 4, 2, 6], [5, 0, 0, 0], [3, 3, 2, 0]]
        let lengths = [4, 1, 3]
        let last = model.lastTokenHiddenStates(tokens: rows, lengths: lengths)  // (B, C)
        #expect(last.shape == [3, LlamaGradientTests.hidden])
        let v = LlamaGradientTests.vocab
        for (b, n) in lengths.enumerated() {
            let alone = model.finalHiddenStates(tokens: [Array(rows[b].prefix(n))])  // (1, n, C)
            let expected = alone.scalars.suffix(LlamaGradientTests.hidden)
            let got = last.scalars[(b * LlamaGradientTests.hidden)..<((b + 1) * LlamaGradientTests.hidden)]
            #expect(zip(expected, got).allSatisfy { abs($0 - $1) <= 1e-5 }, "row \(b)")
            // The tied head on that state gives the model's own last-position logits.
            let logits = model.logits(tokens: [Array(rows[b].prefix(n))]).scalars.suffix(v)
            let head = Tensor(Array(got), shape: [1, LlamaGradientTests.hidden])
                .matmul(model.parameters["token_embd.weight"]!, transposeB: true).scalars
            #expect(zip(logits, head).allSatisfy { abs($0 - $1) <= 1e-4 }, "row \(b)")
        }
        // Gradients reach the weights through the gathered rows.
        model.lastTokenHiddenStates(tokens: rows, lengths: lengths).sum().backward()
        #expect(model.parameters["blk.1.ffn_down.weight"]?.grad != nil)
    }

    @Test func deepCopyIsIndependent() throws {
        let model = try Self.tinyModel()
        let copy = model.deepCopy()
        let tokens = [[1, 2, 3, 4]]
        let before = Tensor.noGrad { model.logits(tokens: tokens).scalars }
        #expect(Tensor.noGrad { copy.logits(tokens: tokens).scalars } == before)
        #expect(copy.parameters.names == model.parameters.names)
        // Train the original one step: the copy does not move.
        model.logits(tokens: tokens).reshaped([4, LlamaGradientTests.vocab]).crossEntropy(targets: [2, 3, 4, 5])
            .backward()
        var adam = try AdamW(configuration: AdamW.Configuration(learningRate: 0.05))
        try adam.step(model.parameters, learningRate: 0.05)
        #expect(Tensor.noGrad { model.logits(tokens: tokens).scalars } != before)
        #expect(Tensor.noGrad { copy.logits(tokens: tokens).scalars } == before)
        #expect(copy.parameters.allSatisfy { $0.tensor.grad == nil })
    }

    @Test func deepCopyOfAFastModelKeepsItsQuantisedBlocks() throws {
        let model = try LlamaModel(contentsOf: ModelArithmeticTests.file())
        let before = ModelArithmeticTests.decodeLogits(model)
        let frozen = model.deepCopy()
        #expect(frozen.arithmetic == .fast && frozen.quantizedWeightsAreCurrent)
        model.parameters.withBuffers(named: "blk.0.attn_q.weight") { value, _ in value[0] += 1 }
        #expect(!model.quantizedWeightsAreCurrent && frozen.quantizedWeightsAreCurrent)
        #expect(ModelArithmeticTests.decodeLogits(frozen) == before)
        // A copy made after the edit has no blocks for the edited matrix (it runs fp32 there) and
        // shares the others'.
        let later = model.deepCopy()
        #expect(later.blocks[0].query.quantized == nil && later.blocks[0].key.currentQuantized != nil)
        #expect(later.arithmetic == .fast && later.quantizedWeightsAreCurrent)
    }
}
