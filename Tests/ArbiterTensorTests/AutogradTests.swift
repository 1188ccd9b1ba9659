import ArbiterTestSupport
import Foundation
import Testing

// AutogradTests: tape behaviour independent of any one op: accumulation across backward calls,
// noGrad scopes, detached tensors, broadcasting backward, shared sub-expressions, scalar-only
// backward, zeroGrad, and Parameters' buffer visitor.
@testable import ArbiterTensor

@Suite struct AutogradTests {
    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let x = Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        let loss = (x * x).sum()  // d/dx = 2x
        loss.backward()
        #expect(x.grad?.scalars == [2, 4, 6])
        loss.backward()  // graph is kept; second call adds
        #expect(x.grad?.scalars == [4, 8, 12])
        (x * 3).sum().backward()  // a different loss adds too
        #expect(x.grad?.scalars == [7, 11, 15])
        x.zeroGrad()
        #expect(x.grad == nil)
        (x * 3).sum().backward()
        #expect(x.grad?.scalars == [3, 3, 3])
    }

    @Test func noGradRecordsNothing() {
        let x = Tensor([1, 2], shape: [2], requiresGrad: true)
        let y = Tensor.noGrad { (x * 2).exp() }
        #expect(y.node == nil)
        #expect(!Tensor.noGrad { Tensor.isGradEnabled })
        #expect(Tensor.isGradEnabled)
        let z = (x * 2).sum()
        #expect(z.node != nil)
        // Mixing a no-grad value into a recorded graph treats it as a constant.
        (z + y.sum()).backward()
        #expect(x.grad?.scalars == [2, 2])
    }

    @Test func noGradIsScopedToTheTask() async {
        let inner = await Tensor.noGrad { () async -> Bool in
            await Task { Tensor.isGradEnabled }.value
        }
        #expect(!inner)  // child tasks inherit the task-local
        let syncInAsync = Tensor.noGrad { Tensor.isGradEnabled }  // the sync overload, no await
        #expect(!syncInAsync)
        let detachedTask = await Task.detached { Tensor.isGradEnabled }.value
        #expect(detachedTask)
    }

    @Test func detachedStopsGradient() {
        let x = Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        let y = x * x
        let loss = (y.detached() * x).sum()  // gradient only through the second factor: y
        loss.backward()
        #expect(x.grad?.scalars == [1, 4, 9])
        #expect(!y.detached().requiresGrad && y.detached().node == nil)
        #expect(y.detached().scalars == y.scalars)
    }

    @Test func broadcastingBackwardSumsOverBroadcastAxes() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], requiresGrad: true)
        let row = Tensor([10, 20, 30], shape: [3], requiresGrad: true)
        let column = Tensor([1, 2], shape: [2, 1], requiresGrad: true)
        let scalar = Tensor(scalar: 2, requiresGrad: true)
        ((a + row) * column * scalar).sum().backward()
        #expect(a.grad?.scalars == [2, 2, 2, 4, 4, 4])
        #expect(row.grad?.scalars == [6, 6, 6])  // Σ over rows of column · scalar = (1 + 2) · 2
        #expect(row.grad?.shape == [3])
        #expect(column.grad?.shape == [2, 1])
        #expect(column.grad?.scalars == [2 * (11 + 22 + 33), 2 * (14 + 25 + 36)])
        #expect(scalar.grad?.scalars == [1 * 66 + 2 * 75])
    }

    @Test func sharedSubexpressionGetsBothContributions() {
        let x = Tensor([0.5, -1], shape: [2], requiresGrad: true)
        let y = x.tanh()
        (y * y + y).sum().backward()  // d/dx = (2y + 1)(1 − y²)
        let expected = x.scalars.map { v -> Double in
            let t = Foundation.tanh(Double(v))
            return (2 * t + 1) * (1 - t * t)
        }
        // Float32 tanh and products: a few ulps of O(1) values.
        #expect(maxAbsDifference(x.grad?.scalars ?? [], expected) < 1e-6)
    }

    @Test func constantsGetNoGradient() {
        let w = Tensor([1, 2], shape: [2], requiresGrad: true)
        let c = Tensor([3, 4], shape: [2])
        (w * c).sum().backward()
        #expect(c.grad == nil)
        #expect(w.grad?.scalars == [3, 4])
    }

    @Test func parametersVisitBuffersByName() {
        var params = Parameters()
        params.add("w", Tensor([1, 2], shape: [2]))
        params.add("b", Tensor([0], shape: [1]))
        #expect(params.names == ["w", "b"])
        #expect(params.scalarCount == 3)
        #expect(params["w"]?.requiresGrad == true)
        let w = params["w"]!
        let b = params["b"]!
        (w.sum() * 2 + b.sum()).backward()
        var seen: [String] = []
        params.forEachBuffer { name, value, grad in
            seen.append(name)
            guard let grad else { return }
            for i in value.indices { value[i] -= 0.5 * grad[i] }  // one SGD step in place
        }
        #expect(seen == ["w", "b"])
        let firstGrad = params.withBuffers(named: "w") { _, grad in grad?.first }
        #expect(firstGrad == 2)
        #expect(params.withBuffers(named: "missing") { _, _ in 1 } == nil)
        #expect(w.scalars == [0, 1])
        #expect(b.scalars == [-0.5])
        var gradNames: [String] = []
        params.forEachGradient { name, grad in
            gradNames.append(name)
            for i in grad.indices { grad[i] *= 0.5 }  // e.g. clipping by a global-norm factor
        }
        #expect(gradNames == ["w", "b"])
        #expect(w.grad?.scalars == [1, 1] && b.grad?.scalars == [0.5])
        params.zeroGrad()
        var gradsAfterZero = 0
        params.forEachBuffer { _, _, grad in if grad != nil { gradsAfterZero += 1 } }
        #expect(gradsAfterZero == 0)
    }

    @Test func scalarAccessAndItem() {
        let t = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(t[1, 2] == 6)
        t[0, 1] = 9
        #expect(t.scalars == [1, 9, 3, 4, 5, 6])
        #expect(Tensor(scalar: 3).item() == 3)
        #expect(t.sum().item() == 28)
        #expect(Tensor.zeros([2]).scalars == [0, 0] && Tensor.ones([2]).scalars == [1, 1])
        #expect(Tensor.full([3], value: 7).scalars == [7, 7, 7])
    }
}
