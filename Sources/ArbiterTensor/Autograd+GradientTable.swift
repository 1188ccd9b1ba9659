// Autograd+GradientTable: the one place that maps every primitive `Op` to its derivative rule.
// The switch is exhaustive, so adding an `Op` case without a rule does not compile; the rules'
// bodies sit next to their forward kernels and naive references in each `Tensor+<Op>.swift`.

enum GradientTable {
    /// The derivative rule of `op`.
    static func rule(for op: Op) -> BackwardRule {
        switch op {
        case .matmul: return Tensor.matmulBackward
        case .add: return Tensor.addBackward
        case .sub: return Tensor.subBackward
        case .mul: return Tensor.mulBackward
        case .div: return Tensor.divBackward
        case .addScalar, .mulScalar, .powScalar, .neg, .exp, .log, .sqrt, .tanh, .sigmoid, .relu,
            .geluTanh, .geluErf, .silu, .softplus, .logSigmoid:
            return Tensor.unaryBackward
        case .sum: return Tensor.sumBackward
        case .max: return Tensor.maxBackward
        case .softmax: return Tensor.softmaxBackward
        case .logSoftmax: return Tensor.logSoftmaxBackward
        case .logSumExp: return Tensor.logSumExpBackward
        case .rmsNorm: return Tensor.rmsNormBackward
        case .layerNorm: return Tensor.layerNormBackward
        case .embedding: return Tensor.embeddingBackward
        case .rope: return Tensor.ropeBackward
        case .attention: return Tensor.attentionBackward
        case .crossEntropy: return Tensor.crossEntropyBackward
        case .tokenLogProbs: return Tensor.tokenLogProbsBackward
        case .linearTokenLogProbs: return Tensor.linearTokenLogProbsBackward
        case .reshape: return Tensor.reshapeBackward
        case .permute: return Tensor.permuteBackward
        case .slice: return Tensor.sliceBackward
        case .concat: return Tensor.concatBackward
        case .dropout: return Tensor.dropoutBackward
        }
    }
}
