import ArbiterCore
import ArbiterTestSupport
import Foundation
import Testing

// SwiGLUTests: `siluGated(by:)`, fused (nothing recorded) against the composite silu(g)·u and
// a Double reference, including large |g| where exp saturates; recorded, it is the composite and
// its gradients match the composite's.
@testable import ArbiterTensor

@Suite struct SwiGLUTests {
    @Test func fusedMatchesCompositeAndReference() {
        var rng = SeededRNG(seed: 5)
        var g = (0..<1000).map { _ in rng.nextNormal() * 4 }
        g += [0, -0.0, 30, -30, 90, -90, 1e6, -1e6]
        let u = g.indices.map { _ in rng.nextNormal() }
        let gate = Tensor(g, shape: [2, g.count / 2])
        let up = Tensor(u, shape: [2, u.count / 2])
        let fused = Tensor.noGrad { gate.siluGated(by: up) }
        let composite = Tensor.noGrad { gate.silu() * up }
        let reference = zip(g, u).map { Double($0) / (1 + Foundation.exp(-Double($0))) * Double($1) }
        #expect(fused.shape == [2, g.count / 2])
        #expect(fused.scalars.allSatisfy { $0.isFinite })
        for (f, (c, r)) in zip(fused.scalars, zip(composite.scalars, reference)) {
            #expect(abs(Double(f) - r) <= 1e-6 * max(1, abs(r)))
            #expect(abs(f - c) <= 1e-6 * max(1, abs(c)))
        }
    }

    @Test func recordedPathIsDifferentiable() {
        var rng = SeededRNG(seed: 6)
        let gate = Tensor.randomNormal([3, 8], using: &rng, requiresGrad: true)
        let up = Tensor.randomNormal([3, 8], using: &rng, requiresGrad: true)
        let y = gate.siluGated(by: up)
        #expect(y.node != nil)
        y.sum().backward()
        let gg = gate.grad?.scalars ?? []
        let gu = up.grad?.scalars ?? []
        gate.zeroGrad()
        up.zeroGrad()
        (gate.silu() * up).sum().backward()
        #expect(gg == gate.grad?.scalars && gu == up.grad?.scalars)
    }
}
