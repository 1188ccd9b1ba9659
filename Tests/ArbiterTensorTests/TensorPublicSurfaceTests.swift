// TensorPublicSurfaceTests: pins the public API of ArbiterTensor with a plain (non-@testable)
// import. A symbol that stops being public, or changes its labels, breaks this file's build.
import ArbiterCore
import ArbiterTensor
import Testing

@Suite struct TensorPublicSurfaceTests {
    @Test func everyPublicEntryPointIsReachable() {
        var rng = SeededRNG(seed: 1)
        let saved: SeededRNG.State = rng.state
        #expect(SeededRNG(state: saved) == rng)
        _ = rng.nextUnitFloat() + Float(rng.nextUnitDouble()) + rng.nextNormal()

        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], requiresGrad: true)
        let b = Tensor.randomNormal([3, 2], mean: 0, standardDeviation: 1, using: &rng, requiresGrad: true)
        let u = Tensor.randomUniform([2, 3], in: -1...1, using: &rng)
        let z = Tensor.zeros([2, 3])
        let o = Tensor.ones([2, 3])
        let f = Tensor.full([2, 3], value: 2)
        let s = Tensor(scalar: 1)
        let r = Tensor(repeating: 1, shape: [3])
        #expect(a.shape == [2, 3] && a.rank == 2 && a.count == 6 && a.scalars.count == 6 && s.item() == 1)
        #expect(a[1, 0] == 4)

        let ops: [Tensor] = [
            a.matmul(b), a.matmul(a, transposeA: true), a.matmul(a, transposeB: true),
            a + u, a - z, a * o, a / f, a + 1, 1 + a, a - 1, 1 - a, a * 2, 2 * a, a / 2, 2 / f, -a,
            a.adding(u), a.subtracting(u), a.multiplying(u), a.dividing(f),
            a.addingScalar(1), a.multiplyingScalar(2), a.pow(2), a.negated(), a.exp(), a.log(), a.sqrt(),
            a.clamped(to: 0...3), Tensor.minimum(a, u), Tensor.maximum(a, u),
            a.tanh(), a.sigmoid(), a.relu(), a.geluTanh(), a.geluErf(), a.silu(), a.softplus(), a.logSigmoid(),
            a.sum(), a.sum(alongAxis: 0), a.sum(alongAxes: [0, 1], keepDim: true), a.mean(), a.mean(alongAxis: 1),
            a.mean(alongAxes: [0]), a.max(), a.max(alongAxis: 1, keepDim: true), a.max(alongAxes: [0]),
            a.softmax(), a.softmax(alongAxis: 0), a.logSoftmax(), a.logSumExp(),
            a.logSumExp(alongAxis: 0, keepDim: true),
            a.rmsNorm(weight: r), a.rmsNorm(weight: nil, eps: 1e-5), a.layerNorm(weight: r, bias: r),
            a.layerNorm(weight: nil, bias: nil, eps: 1e-5),
            a.embedding([1, 0]), a.embedding([1, 0, 1, 1], indexShape: [2, 2]),
            a.reshaped([3, 2]).reshaped([1, 6]).reshaped([-1]), a.permuted([1, 0]), a.transposed(), a.transposed(0, 1),
            a.slice(alongAxis: 1, 0..<2), Tensor.concat([a, a], alongAxis: 0), Tensor.stack([a, a], alongAxis: 2),
            a.dropout(p: 0.1, training: true, rng: &rng), a.crossEntropy(targets: [0, 2]),
            a.crossEntropy(targets: [0, -1], ignoreIndex: -1), a.tokenLogProbs(targets: [2, 1]),
            a.reshaped([1, 1, 3, 2]).rope(layout: .interleaved),
            a.reshaped([1, 1, 3, 2]).rope(layout: .halfSplit, theta: 500, positionOffset: 3),
            Tensor.attention(
                query: a.reshaped([1, 1, 2, 3]), key: a.reshaped([1, 1, 2, 3]), value: a.reshaped([1, 1, 2, 3])),
            Tensor.attention(
                query: a.reshaped([1, 2, 1, 3]), key: a.reshaped([1, 1, 2, 3]), value: a.reshaped([1, 1, 2, 3]),
                causal: false, padding: .lengths([1]), scale: 0.5),
            Tensor.attention(
                query: a.reshaped([1, 1, 2, 3]), key: a.reshaped([1, 1, 2, 3]), value: a.reshaped([1, 1, 2, 3]),
                padding: .mask([true, false])),
        ]
        ops.reduce(Tensor(scalar: 0)) { $0 + $1.sum() }.backward()
        // Every op contributes: the gradients exist, are finite and not all zero.
        for grad in [a.grad, b.grad] {
            #expect(grad?.scalars.allSatisfy(\.isFinite) == true && grad?.scalars.contains { $0 != 0 } == true)
        }
        a.zeroGrad()
        #expect(a.grad == nil && Tensor.isGradEnabled)
        #expect(Tensor.noGrad { a.exp() }.detached().scalars.count == 6)
        a.assign([0, 0, 0, 0, 0, 0])
        #expect(a.scalars == [0, 0, 0, 0, 0, 0])

        var params = Parameters([("a", a)])
        params.add("b", b)
        #expect(params.count == 2 && params.names == ["a", "b"] && params["b"] === b && params.scalarCount == 12)
        params.forEachBuffer { _, _, _ in }
        params.forEachGradient { _, _ in }
        _ = params.withBuffers(named: "a") { value, grad in value.count + (grad?.count ?? 0) }
        for (name, tensor) in params { #expect(!name.isEmpty && tensor.requiresGrad) }
        params.zeroGrad()
        #expect(KeyPadding.none == .none && RoPELayout.interleaved != .halfSplit)
        BLASThreads.set(BLASThreads.current)
        _ = "\(a)"
    }
}
