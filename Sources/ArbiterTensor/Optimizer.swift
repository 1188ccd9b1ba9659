// Optimizer: the parameter view optimizers update (a named Float32 value buffer and its gradient,
// llm.c style, no Tensor type needed), the Optimizer protocol AdamW and SGD share, and their typed
// errors. Not an autograd hook: the caller owns the buffers and computes the gradients.
import Foundation

/// One trainable parameter as flat memory: values are updated in place, gradients are read.
public struct ParameterBuffer {
    /// Unique name; optimizer state (moments, momentum) is keyed by it.
    public let name: String
    /// The parameter's values, updated in place by `step`.  // (n,)
    public let value: UnsafeMutableBufferPointer<Float>
    /// The loss gradient with respect to `value`, same count.  // (n,)
    public let gradient: UnsafeBufferPointer<Float>
    /// Whether weight decay applies (commonly false for biases and norm gains).
    public let decays: Bool

    public init(
        name: String, value: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
        decays: Bool = true
    ) {
        self.name = name
        self.value = value
        self.gradient = gradient
        self.decays = decays
    }
}

/// A first-order optimizer over named flat buffers whose whole state can be saved and restored
/// bit-exactly.
public protocol Optimizer: Sendable {
    /// Number of completed steps.
    var stepCount: Int { get }
    /// Updates every buffer in place with the given learning rate and advances `stepCount` by one.
    /// Validates all buffers first: on error nothing has changed.
    mutating func step(_ buffers: [ParameterBuffer], learningRate: Float) throws
    /// A snapshot of all state (step count, hyperparameters, per-parameter slots).
    func state() -> OptimizerState
    /// Rebuilds an optimizer from a snapshot; continuing from it matches an uninterrupted run bit for bit.
    init(restoring state: OptimizerState) throws
}

extension Optimizer {
    /// Convenience over Swift arrays: updates `values[name]` with `gradients[name]` for every name
    /// in `values` (weight decay applies to all). Throws if a gradient is missing or mis-sized.
    public mutating func step(values: inout [String: [Float]], gradients: [String: [Float]], learningRate: Float) throws
    {
        let names = values.keys.sorted()
        for name in names {
            guard let g = gradients[name] else { throw OptimizerError.missingGradient(parameter: name) }
            guard g.count == values[name]?.count else {
                throw OptimizerError.gradientCountMismatch(
                    parameter: name, values: values[name]?.count ?? 0, gradients: g.count)
            }
        }
        // Copy into pinned scratch memory so all buffers are valid at once, then copy back.
        var buffers: [ParameterBuffer] = []
        defer {
            for buffer in buffers {
                buffer.value.deallocate()
                UnsafeMutableBufferPointer(mutating: buffer.gradient).deallocate()
            }
        }
        for name in names {
            let value = UnsafeMutableBufferPointer<Float>.allocate(capacity: values[name]?.count ?? 0)
            _ = value.initialize(from: values[name] ?? [])
            let gradient = UnsafeMutableBufferPointer<Float>.allocate(capacity: gradients[name]?.count ?? 0)
            _ = gradient.initialize(from: gradients[name] ?? [])
            buffers.append(ParameterBuffer(name: name, value: value, gradient: UnsafeBufferPointer(gradient)))
        }
        try step(buffers, learningRate: learningRate)
        for buffer in buffers { values[buffer.name] = Array(buffer.value) }
    }
}

/// Why an optimizer refused to step, restore or read its state.
public enum OptimizerError: LocalizedError, Sendable, Equatable {
    case duplicateParameter(String)
    case missingGradient(parameter: String)
    case gradientCountMismatch(parameter: String, values: Int, gradients: Int)
    case stateCountMismatch(parameter: String, slot: String, state: Int, values: Int)
    case invalidHyperparameter(name: String, value: Float, requirement: String)
    case wrongKind(expected: String, found: String)
    case invalidState(source: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .duplicateParameter(let name):
            return "parameter '\(name)' was passed to the optimizer twice; give every buffer a unique name."
        case .missingGradient(let name):
            return "parameter '\(name)' has no gradient; pass one gradient array per value array."
        case .gradientCountMismatch(let name, let values, let gradients):
            return "parameter '\(name)' has \(values) values but \(gradients) gradient entries; they must match."
        case .stateCountMismatch(let name, let slot, let state, let values):
            return
                "optimizer state '\(slot)' for parameter '\(name)' has \(state) entries but the parameter has \(values); the restored state belongs to a different model."
        case .invalidHyperparameter(let name, let value, let requirement):
            return "\(name) = \(value) is invalid: it must be \(requirement)."
        case .wrongKind(let expected, let found):
            return "optimizer state is for '\(found)', not '\(expected)'; restore it into the matching optimizer."
        case .invalidState(let source, let reason):
            return "\(source): optimizer state is invalid (\(reason)); save it again with OptimizerState.write(to:)."
        }
    }
}
