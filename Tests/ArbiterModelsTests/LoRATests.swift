import ArbiterCore
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

// LoRATests: `Linear` with a LoRA adapter against a Double reference (forward and finite-difference
// gradients of x, A and B, with and without bias); on the tiny Llama, an attached adapter changes
// nothing until trained, training steps move only A and B, merging gives the unmerged logits and
// unmerging restores the weights; on a fast (quantised) model, unmerged adapters keep the frozen
// base matrices' quantised blocks in use and a merge sends the merged matrices to fp32.
@testable import ArbiterModels

@Suite struct LoRATests {
    @Test(arguments: [false, true])
    func linearWithAdapterMatchesReference(bias: Bool) throws {
        let (n, input, output, rank) = (3, 5, 4, 2)
        var rng = SeededRNG(seed: 7)
        let w = Tensor.randomNormal([output, input], using: &rng)
        let b = bias ? Tensor.randomNormal([output], using: &rng) : nil
        let config = try LoRAConfiguration(rank: rank, alpha: 3)
        let report = GradientCheck.check(
            inputs: [
                ((0..<(n * input)).map { _ in rng.nextNormal() }, [n, input]),
                ((0..<(rank * input)).map { _ in rng.nextNormal() }, [rank, input]),
                ((0..<(output * rank)).map { _ in rng.nextNormal() }, [output, rank]),
            ],
            forward: { t in
                let layer = Linear(weight: w, bias: b)
                layer.lora = LoRAAdapter(configuration: config, a: t[1], b: t[2])
                return layer(t[0])  // (N, out)
            },
            reference: { v in
                let (x, a, bb) = (v[0], v[1], v[2])
                let wd = w.scalars.map(Double.init)
                let bd = b?.scalars.map(Double.init) ?? Array(repeating: 0, count: output)
                var y = [Double](repeating: 0, count: n * output)
                for i in 0..<n {
                    for o in 0..<output {
                        var s = bd[o]
                        for j in 0..<input { s += x[i * input + j] * wd[o * input + j] }
                        for r in 0..<rank {
                            var ax = 0.0
                            for j in 0..<input { ax += a[r * input + j] * x[i * input + j] }
                            s += config.scaleDouble * bb[o * rank + r] * ax
                        }
                        y[i * output + o] = s
                    }
                }
                return y
            })
        #expect(report.forwardMaxAbs < 1e-5, "\(report)")
        #expect(report.gradientErrorRatio(absolute: 1e-4, relative: 1e-3) <= 1, "\(report)")
    }

    @Test func configurationIsValidated() {
        #expect(throws: LoRAError.invalid(field: "rank", value: "0", expected: "an integer ≥ 1")) {
            try LoRAConfiguration(rank: 0)
        }
        #expect(throws: LoRAError.self) { try LoRAConfiguration(rank: 4, dropout: 1) }
        #expect(throws: LoRAError.self) { try LoRAConfiguration(rank: 4, alpha: .nan) }
        let model = try! LlamaHiddenStatesTests.tinyModel()
        #expect(throws: LoRAError.self) {
            try model.attachLoRA(LoRAConfiguration(rank: 4), targets: ["lm_head"], seed: 1)
        }
        #expect(throws: LoRAError.self) { try model.attachLoRA(LoRAConfiguration(rank: 9), seed: 1) }
    }

    /// Two AdamW steps with LoRA on every block matrix: only A and B move; merging gives the
    /// same logits; unmerging gives back the base weights.
    @Test func trainingMovesOnlyAdaptersAndMergeKeepsLogits() throws {
        let model = try LlamaHiddenStatesTests.tinyModel()
        let tokens = [[1, 2, 3, 4, 5]]
        let before = Tensor.noGrad { model.logits(tokens: tokens).scalars }
        let base = model.parameters.map { ($0.name, $0.tensor.scalars) }
        try model.attachLoRA(LoRAConfiguration(rank: 2, alpha: 4, dropout: 0.1), seed: 3)
        #expect(Tensor.noGrad { model.logits(tokens: tokens).scalars } == before, "B starts at zero")
        let adapters = model.trainableParameters
        #expect(adapters.count == 2 * 7 * LlamaGradientTests.layers)
        #expect(model.parameters.allSatisfy { !$0.tensor.requiresGrad })
        let start = adapters.map { $0.tensor.scalars }
        var adam = try AdamW(configuration: AdamW.Configuration(learningRate: 0.05, weightDecay: 0))
        for _ in 0..<2 {
            adapters.zeroGrad()
            model.logits(tokens: tokens).reshaped([5, LlamaGradientTests.vocab]).crossEntropy(targets: [2, 3, 4, 5, 6])
                .backward()
            #expect(model.parameters.allSatisfy { $0.tensor.grad == nil }, "frozen weights get no gradient")
            try adam.step(adapters, learningRate: 0.05)
        }
        let moved = zip(adapters, start).filter { $0.0.tensor.scalars != $0.1 }.map(\.0.name)
        #expect(moved.count == adapters.count, "unchanged adapters: \(Set(adapters.names).subtracting(moved))")
        #expect(model.parameters.map { $0.tensor.scalars } == base.map(\.1), "base weights never move")
        let trained = Tensor.noGrad { model.logits(tokens: tokens).scalars }
        #expect(trained != before)
        model.mergeLoRA()
        let merged = Tensor.noGrad { model.logits(tokens: tokens).scalars }
        #expect(maxAbsDifference(merged, trained.map(Double.init)) < 1e-4)
        #expect(model.parameters.map { $0.tensor.scalars } != base.map(\.1))
        model.unmergeLoRA()
        let restored = model.parameters.map { $0.tensor.scalars }
        for (r, (name, b)) in zip(restored, base) {
            #expect(maxAbsDifference(r, b.map(Double.init)) < 1e-5, "\(name)")
        }
        #expect(
            maxAbsDifference(Tensor.noGrad { model.logits(tokens: tokens).scalars }, trained.map(Double.init)) < 1e-4)
    }

    /// A fast model keeps its frozen base matrices on the quantised path while adapters train;
    /// merged matrices run fp32.
    @Test func fastModelKeepsQuantisedBaseUnderUnmergedAdapters() throws {
        let model = try LlamaModel(contentsOf: ModelArithmeticTests.file())
        let exact = try model.sharingWeights(arithmetic: .exact)
        try model.attachLoRA(LoRAConfiguration(rank: 4), targets: ["attn_v", "ffn_up"], seed: 9)
        let adapters = model.trainableParameters
        model.logits(tokens: [Array(1...6)]).reshaped([6, ModelArithmeticTests.vocab]).crossEntropy(
            targets: Array(2...7)
        ).backward()
        var sgd = try SGD(configuration: .init(learningRate: 0.5))
        try sgd.step(adapters, learningRate: 0.5)
        try sgd.step(adapters, learningRate: 0.5)
        #expect(model.quantizedWeightsAreCurrent, "base weights are frozen")
        let fast = ModelArithmeticTests.decodeLogits(model)
        let fp32 = ModelArithmeticTests.decodeLogits(exact)
        #expect(ModelArithmeticTests.gap(fast, fp32) > 0, "quantised base products still run")
        #expect(ModelArithmeticTests.gap(fast, fp32) < 0.25 * (fp32.map(abs).max() ?? 1))
        let unadapted = try LlamaModel(contentsOf: ModelArithmeticTests.file())
        #expect(ModelArithmeticTests.gap(fast, ModelArithmeticTests.decodeLogits(unadapted)) > 0, "the update is added")
        model.mergeLoRA()
        #expect(!model.quantizedWeightsAreCurrent)
        for block in model.blocks {
            for (role, layer) in block.linears {
                let merged = ["attn_v", "ffn_up"].contains(role)
                #expect((layer.currentQuantized == nil) == merged, "\(role): merged matrices leave the quantised path")
            }
        }
        let afterMerge = ModelArithmeticTests.decodeLogits(model)
        #expect(ModelArithmeticTests.gap(afterMerge, fast) < 0.25 * (fast.map(abs).max() ?? 1))
    }
}

extension LoRAConfiguration {
    var scaleDouble: Double { Double(alpha) / Double(rank) }
}
