// Autograd+Op: the closed set of primitive ops the tape records. Every case has exactly one
// derivative rule in Autograd+GradientTable.swift; composite ops (mean, stack, sub by scalar, …)
// are built from these and need no rule of their own.

/// A primitive differentiable op recorded on the autograd tape.
package enum Op: String, CaseIterable, Sendable {
    case matmul
    case add, sub, mul, div
    case addScalar, mulScalar, powScalar
    case neg, exp, log, sqrt, tanh, sigmoid, relu, geluTanh, geluErf, silu, softplus, logSigmoid
    case sum, max
    case softmax, logSoftmax, logSumExp
    case rmsNorm, layerNorm
    case embedding
    case rope
    case attention
    case crossEntropy, tokenLogProbs, linearTokenLogProbs
    case reshape, permute, slice, concat
    case dropout
}

/// One recorded application of an op: its inputs and whatever the backward rule needs
/// (saved outputs, indices, hyper-parameters) as an op-specific payload struct.
package final class Node {
    let op: Op
    let inputs: [Tensor]
    let payload: Any

    init(op: Op, inputs: [Tensor], payload: Any) {
        self.op = op
        self.inputs = inputs
        self.payload = payload
    }

    /// The payload as the type its op stored; a mismatch is a programming error in this module.
    func payload<P>(as type: P.Type) -> P {
        guard let p = payload as? P else {
            preconditionFailure("autograd: \(op) node holds \(Swift.type(of: payload)), expected \(P.self)")
        }
        return p
    }
}

/// Input gradients returned by a backward rule, one per node input (nil: no gradient needed).
typealias InputGradients = [[Float]?]

/// A derivative rule: given the node and the gradient of its output, the gradients of its inputs.
typealias BackwardRule = @Sendable (_ node: Node, _ gradOutput: [Float]) -> InputGradients

extension Tensor {
    /// Builds an op result and records it on the tape when grad mode is on and an input tracks grad.
    static func recorded(
        _ storage: [Float], shape: [Int], op: Op, inputs: [Tensor], payload: @autoclosure () -> Any = ()
    ) -> Tensor {
        let result = Tensor(storage, shape: shape)
        if GradMode.isEnabled && inputs.contains(where: { $0.tracksGrad }) {
            result.node = Node(op: op, inputs: inputs, payload: payload())
        }
        return result
    }
}
