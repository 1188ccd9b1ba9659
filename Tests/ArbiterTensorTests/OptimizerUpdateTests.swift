// OptimizerUpdateTests: three AdamW and SGD steps on a tiny quadratic match the update rules
// recomputed here independently in Double (PyTorch's formulation: decay first, then the Adam or
// momentum step), and failed steps change nothing.
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

/// Runs `steps` optimizer steps on two buffers ("weight" decays, "bias" does not) with the
/// gradient of ½·Σ cᵢ·pᵢ², i.e. gᵢ = cᵢ·pᵢ, computed in Float from the current parameters.
func runOptimizerOnQuadratic<O: Optimizer>(
    _ optimizer: inout O, weight: inout [Float], bias: inout [Float], steps: Int,
    learningRate: (Int) -> Float
) throws {
    let cw: [Float] = [1, 3, 0.5]
    let cb: [Float] = [2, -1]
    for _ in 0..<steps {
        let gw = zip(cw, weight).map { $0 * $1 }
        let gb = zip(cb, bias).map { $0 * $1 }
        let lr = learningRate(optimizer.stepCount)
        try weight.withUnsafeMutableBufferPointer { w in
            try bias.withUnsafeMutableBufferPointer { b in
                try gw.withUnsafeBufferPointer { gw in
                    try gb.withUnsafeBufferPointer { gb in
                        try optimizer.step(
                            [
                                ParameterBuffer(name: "weight", value: w, gradient: gw),
                                ParameterBuffer(name: "bias", value: b, gradient: gb, decays: false),
                            ], learningRate: lr)
                    }
                }
            }
        }
    }
}

@Suite struct OptimizerUpdateTests {
    static let weight0: [Float] = [1, -2, 0.5]
    static let bias0: [Float] = [0.25, -0.75]

    @Test func adamWMatchesDoubleArithmetic() throws {
        var adam = AdamW(
            configuration: try AdamW.Configuration(
                learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01))
        var weight = Self.weight0
        var bias = Self.bias0
        try runOptimizerOnQuadratic(&adam, weight: &weight, bias: &bias, steps: 3) { _ in 0.1 }
        #expect(adam.stepCount == 3)

        // Independent Double recomputation.
        let lr = 0.1
        let b1 = 0.9
        let b2 = 0.999
        let eps = 1e-8
        let wd = 0.01
        func adamW(_ p0: [Double], _ c: [Double], decay: Double) -> [Double] {
            var p = p0
            var m = [Double](repeating: 0, count: p.count)
            var v = m
            for t in 1...3 {
                for i in p.indices {
                    let g = c[i] * p[i]
                    p[i] *= 1 - lr * decay
                    m[i] = b1 * m[i] + (1 - b1) * g
                    v[i] = b2 * v[i] + (1 - b2) * g * g
                    let mHat = m[i] / (1 - pow(b1, Double(t)))
                    let vHat = v[i] / (1 - pow(b2, Double(t)))
                    p[i] -= lr * mHat / (vHat.squareRoot() + eps)
                }
            }
            return p
        }
        let expectedWeight = adamW(Self.weight0.map(Double.init), [1, 3, 0.5], decay: wd)
        let expectedBias = adamW(Self.bias0.map(Double.init), [2, -1], decay: 0)
        // Float32 arithmetic over 3 steps: a few ulps of values near 1.
        #expect(maxAbsDifference(weight, expectedWeight) < 2e-6, "\(weight) vs \(expectedWeight)")
        #expect(maxAbsDifference(bias, expectedBias) < 2e-6, "\(bias) vs \(expectedBias)")
        // Sanity of the reference itself: Adam's first step moves each coordinate by ≈ lr·sign(g).
        let first = adamW([1], [1], decay: 0)
        #expect(first[0] < 1 - 0.25)
    }

    @Test func adamWFirstStepIsSignStep() throws {
        var adam = AdamW(configuration: try AdamW.Configuration(learningRate: 0.01, weightDecay: 0))
        var values = ["p": [Float](arrayLiteral: 3, -5, 0)]
        try adam.step(values: &values, gradients: ["p": [0.5, -2, 0]], learningRate: 0.01)
        // m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε): ±lr, and 0 for a zero gradient.
        #expect(maxAbsDifference(values["p"] ?? [], [2.99, -4.99, 0]) < 1e-6)
    }

    @Test(arguments: [false, true])
    func sgdMomentumMatchesDoubleArithmetic(nesterov: Bool) throws {
        let dampening: Float = nesterov ? 0 : 0.25
        var sgd = SGD(
            configuration: try SGD.Configuration(
                learningRate: 0.1, momentum: 0.9, dampening: dampening,
                weightDecay: 0.05, nesterov: nesterov))
        var weight = Self.weight0
        var bias = Self.bias0
        try runOptimizerOnQuadratic(&sgd, weight: &weight, bias: &bias, steps: 3) { step in 0.1 * Float(step + 1) }

        func sgdRun(_ p0: [Double], _ c: [Double], decay: Double) -> [Double] {
            var p = p0
            var buffer = [Double](repeating: 0, count: p.count)
            for t in 0..<3 {
                let lr = 0.1 * Double(t + 1)
                for i in p.indices {
                    let g = c[i] * p[i] + decay * p[i]
                    buffer[i] = t == 0 ? g : 0.9 * buffer[i] + (1 - Double(dampening)) * g
                    let direction = nesterov ? g + 0.9 * buffer[i] : buffer[i]
                    p[i] -= lr * direction
                }
            }
            return p
        }
        let expectedWeight = sgdRun(Self.weight0.map(Double.init), [1, 3, 0.5], decay: 0.05)
        let expectedBias = sgdRun(Self.bias0.map(Double.init), [2, -1], decay: 0)
        #expect(maxAbsDifference(weight, expectedWeight) < 2e-6, "\(weight) vs \(expectedWeight)")
        #expect(maxAbsDifference(bias, expectedBias) < 2e-6, "\(bias) vs \(expectedBias)")
    }

    @Test func plainSGDIsGradientStep() throws {
        var sgd = SGD()
        var values = ["p": [Float](arrayLiteral: 1, 2)]
        try sgd.step(values: &values, gradients: ["p": [10, -20]], learningRate: 0.5)
        #expect(values["p"] == [-4, 12])
        #expect(sgd.state().slots.isEmpty || sgd.state().slots["momentum"]?.isEmpty == true)
    }

    @Test func invalidInputsThrowAndChangeNothing() throws {
        var adam = AdamW()
        var values: [String: [Float]] = ["a": [1, 2], "b": [3]]
        try adam.step(values: &values, gradients: ["a": [1, 1], "b": [1]], learningRate: 0.1)
        let before = (values, adam)
        #expect(throws: OptimizerError.self) {
            try adam.step(values: &values, gradients: ["a": [1, 1]], learningRate: 0.1)
        }
        #expect(throws: OptimizerError.self) {
            try adam.step(values: &values, gradients: ["a": [1, 1], "b": [1, 2]], learningRate: 0.1)
        }
        #expect(throws: OptimizerError.self) {
            try adam.step(values: &values, gradients: ["a": [1, 1], "b": [1]], learningRate: .nan)
        }
        var grown = values
        grown["b"] = [3, 4]
        #expect(throws: OptimizerError.stateCountMismatch(parameter: "b", slot: "m", state: 1, values: 2)) {
            try adam.step(values: &grown, gradients: ["a": [1, 1], "b": [1, 1]], learningRate: 0.1)
        }
        #expect(values == before.0)
        #expect(adam == before.1)
        #expect(throws: OptimizerError.self) { try AdamW.Configuration(beta1: 1) }
        #expect(throws: OptimizerError.self) { try AdamW.Configuration(epsilon: -1) }
        #expect(throws: OptimizerError.self) { try SGD.Configuration(momentum: 0, nesterov: true) }
        #expect(throws: OptimizerError.self) { try SGD.Configuration(momentum: 0.9, dampening: 0.1, nesterov: true) }
        #expect(throws: OptimizerError.self) { try SGD.Configuration(learningRate: .infinity) }
    }
}
