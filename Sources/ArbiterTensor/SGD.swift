// SGD: stochastic gradient descent with optional momentum, dampening, Nesterov momentum and
// L2 weight decay, matching PyTorch's `torch.optim.SGD`: g' = g + λ·p; b = g' on a parameter's
// first step, else b = μ·b + (1−τ)·g'; the update direction is g' + μ·b (Nesterov) or b;
// p −= lr·direction. Momentum buffers are kept per parameter name. Not AdamW.

/// The SGD optimizer.
public struct SGD: Optimizer, Equatable {
    /// Hyperparameters, validated on construction.
    public struct Configuration: Sendable, Equatable {
        /// Base learning rate used by `step(_:)`; `step(_:learningRate:)` overrides it per step.
        public let learningRate: Float
        /// μ; 0 disables momentum (no state is kept).
        public let momentum: Float
        /// τ, applied from a parameter's second step on.
        public let dampening: Float
        /// Coupled (L2) weight decay λ, applied to buffers whose `decays` is true.
        public let weightDecay: Float
        public let nesterov: Bool

        public init(
            learningRate: Float = 1e-2, momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0,
            nesterov: Bool = false
        ) throws {
            try OptimizerChecks.require(
                "learningRate", learningRate, in: 0...Float.greatestFiniteMagnitude, "finite and >= 0")
            try OptimizerChecks.require("momentum", momentum, in: 0...1, "in [0, 1]")
            try OptimizerChecks.require("dampening", dampening, in: 0...1, "in [0, 1]")
            try OptimizerChecks.require(
                "weightDecay", weightDecay, in: 0...Float.greatestFiniteMagnitude, "finite and >= 0")
            if nesterov && (momentum <= 0 || dampening != 0) {
                throw OptimizerError.invalidHyperparameter(
                    name: "momentum", value: momentum,
                    requirement: "> 0 with dampening 0 when nesterov is true")
            }
            self.learningRate = learningRate
            self.momentum = momentum
            self.dampening = dampening
            self.weightDecay = weightDecay
            self.nesterov = nesterov
        }
    }

    public let configuration: Configuration
    public private(set) var stepCount: Int = 0
    /// Momentum buffers by parameter name.  // (n,) each
    private var momentumBuffers: [String: [Float]] = [:]

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// One step at the configured base learning rate.
    public mutating func step(_ buffers: [ParameterBuffer]) throws {
        try step(buffers, learningRate: configuration.learningRate)
    }

    public mutating func step(_ buffers: [ParameterBuffer], learningRate: Float) throws {
        try OptimizerChecks.validate(buffers, learningRate: learningRate, slots: [("momentum", momentumBuffers)])
        stepCount += 1
        let (mu, tau, nesterov) = (configuration.momentum, configuration.dampening, configuration.nesterov)
        for buffer in buffers {
            let decay = buffer.decays ? configuration.weightDecay : 0
            let p = buffer.value  // (n,)
            let g = buffer.gradient  // (n,)
            if mu == 0 {
                for i in 0..<p.count { p[i] -= learningRate * (g[i] + decay * p[i]) }
                continue
            }
            let existing = momentumBuffers.removeValue(forKey: buffer.name)
            var b = existing ?? [Float](repeating: 0, count: p.count)
            b.withUnsafeMutableBufferPointer { b in
                for i in 0..<p.count {
                    let d = g[i] + decay * p[i]
                    let bi = existing == nil ? d : mu * b[i] + (1 - tau) * d
                    b[i] = bi
                    p[i] -= learningRate * (nesterov ? d + mu * bi : bi)
                }
            }
            momentumBuffers[buffer.name] = b
        }
    }

    // MARK: state

    static let kind = "sgd"

    public func state() -> OptimizerState {
        OptimizerState(
            kind: Self.kind, stepCount: stepCount,
            hyperparameters: [
                "learningRate": configuration.learningRate, "momentum": configuration.momentum,
                "dampening": configuration.dampening, "weightDecay": configuration.weightDecay,
                "nesterov": configuration.nesterov ? 1 : 0,
            ],
            slots: ["momentum": momentumBuffers])
    }

    public init(restoring state: OptimizerState) throws {
        try state.expect(kind: Self.kind, slots: ["momentum"], pairedSlots: false)
        let nesterov = try state.hyperparameter("nesterov")
        guard nesterov == 0 || nesterov == 1 else {
            throw OptimizerError.invalidState(source: "SGD state", reason: "nesterov must be 0 or 1, found \(nesterov)")
        }
        configuration = try Configuration(
            learningRate: try state.hyperparameter("learningRate"), momentum: try state.hyperparameter("momentum"),
            dampening: try state.hyperparameter("dampening"), weightDecay: try state.hyperparameter("weightDecay"),
            nesterov: nesterov == 1)
        stepCount = state.stepCount
        momentumBuffers = state.slots["momentum"] ?? [:]
    }
}

extension SGD {
    /// Plain SGD with learning rate 1e-2 and no momentum or weight decay.
    public init() {
        // The defaults are valid constants; failure here would be a programmer error.
        guard let configuration = try? Configuration() else {
            preconditionFailure("SGD default configuration is invalid")
        }
        self.init(configuration: configuration)
    }
}
