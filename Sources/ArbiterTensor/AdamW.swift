// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), over named flat buffers, in the
// form llm.c uses: m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g², m̂ = m/(1−β1^t), v̂ = v/(1−β2^t),
// p −= lr·(m̂/(√v̂ + ε) + λ·p). Moments are kept per parameter name. Not a learning-rate schedule
// (LRSchedule) and not gradient clipping (GradientClipping).
import Foundation

/// The AdamW optimizer.
public struct AdamW: Optimizer, Equatable {
    /// Hyperparameters, validated on construction.
    public struct Configuration: Sendable, Equatable {
        /// Base learning rate used by `step(_:)`; `step(_:learningRate:)` overrides it per step.
        public let learningRate: Float
        public let beta1: Float
        public let beta2: Float
        public let epsilon: Float
        /// Decoupled weight decay λ (applied to buffers whose `decays` is true).
        public let weightDecay: Float

        public init(
            learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
            weightDecay: Float = 0.01
        ) throws {
            try OptimizerChecks.require(
                "learningRate", learningRate, in: 0...Float.greatestFiniteMagnitude, "finite and >= 0")
            try OptimizerChecks.require("beta1", beta1, in: 0...Float(1).nextDown, "in [0, 1)")
            try OptimizerChecks.require("beta2", beta2, in: 0...Float(1).nextDown, "in [0, 1)")
            try OptimizerChecks.require("epsilon", epsilon, in: 0...Float.greatestFiniteMagnitude, "finite and >= 0")
            try OptimizerChecks.require(
                "weightDecay", weightDecay, in: 0...Float.greatestFiniteMagnitude, "finite and >= 0")
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
        }
    }

    public let configuration: Configuration
    public private(set) var stepCount: Int = 0
    /// First moments by parameter name.  // (n,) each
    private var firstMoments: [String: [Float]] = [:]
    /// Second moments by parameter name.  // (n,) each
    private var secondMoments: [String: [Float]] = [:]

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// One step at the configured base learning rate.
    public mutating func step(_ buffers: [ParameterBuffer]) throws {
        try step(buffers, learningRate: configuration.learningRate)
    }

    public mutating func step(_ buffers: [ParameterBuffer], learningRate: Float) throws {
        try OptimizerChecks.validate(
            buffers, learningRate: learningRate,
            slots: [("m", firstMoments), ("v", secondMoments)])
        stepCount += 1
        let t = Double(stepCount)
        let correction1 = Float(1 - pow(Double(configuration.beta1), t))
        let correction2 = Float(1 - pow(Double(configuration.beta2), t))
        for buffer in buffers {
            var m = firstMoments.removeValue(forKey: buffer.name) ?? [Float](repeating: 0, count: buffer.value.count)
            var v = secondMoments.removeValue(forKey: buffer.name) ?? [Float](repeating: 0, count: buffer.value.count)
            update(buffer, m: &m, v: &v, learningRate: learningRate, correction1: correction1, correction2: correction2)
            firstMoments[buffer.name] = m
            secondMoments[buffer.name] = v
        }
    }

    private func update(
        _ buffer: ParameterBuffer, m: inout [Float], v: inout [Float],
        learningRate: Float, correction1: Float, correction2: Float
    ) {
        let (b1, b2, eps) = (configuration.beta1, configuration.beta2, configuration.epsilon)
        let decay = buffer.decays ? configuration.weightDecay : 0
        let p = buffer.value  // (n,)
        let g = buffer.gradient  // (n,)
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                for i in 0..<p.count {
                    let grad = g[i]
                    let mi = b1 * m[i] + (1 - b1) * grad
                    let vi = b2 * v[i] + (1 - b2) * grad * grad
                    m[i] = mi
                    v[i] = vi
                    let mHat = mi / correction1
                    let vHat = vi / correction2
                    p[i] -= learningRate * (mHat / (vHat.squareRoot() + eps) + decay * p[i])
                }
            }
        }
    }

    // MARK: state

    static let kind = "adamw"

    public func state() -> OptimizerState {
        OptimizerState(
            kind: Self.kind, stepCount: stepCount,
            hyperparameters: [
                "learningRate": configuration.learningRate, "beta1": configuration.beta1, "beta2": configuration.beta2,
                "epsilon": configuration.epsilon, "weightDecay": configuration.weightDecay,
            ],
            slots: ["m": firstMoments, "v": secondMoments])
    }

    public init(restoring state: OptimizerState) throws {
        try state.expect(kind: Self.kind, slots: ["m", "v"], pairedSlots: true)
        configuration = try Configuration(
            learningRate: try state.hyperparameter("learningRate"), beta1: try state.hyperparameter("beta1"),
            beta2: try state.hyperparameter("beta2"), epsilon: try state.hyperparameter("epsilon"),
            weightDecay: try state.hyperparameter("weightDecay"))
        stepCount = state.stepCount
        firstMoments = state.slots["m"] ?? [:]
        secondMoments = state.slots["v"] ?? [:]
    }
}

extension AdamW {
    /// AdamW with default hyperparameters (lr 1e-3, β 0.9/0.999, ε 1e-8, λ 0.01).
    public init() {
        // The defaults are valid constants; failure here would be a programmer error.
        guard let configuration = try? Configuration() else {
            preconditionFailure("AdamW default configuration is invalid")
        }
        self.init(configuration: configuration)
    }
}
