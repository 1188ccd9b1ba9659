// JudgeHead: the small trainable layer on top of a judge network's features: a linear map from
// features to K outputs (scalar, ordinal, classification) and, for ordinal heads, the ordered
// cut points of a cumulative-link model. Not the backbone, not the losses (RewardModelLoss).
import ArbiterCore
import ArbiterModels
import ArbiterTensor

/// A linear head (K, C) + (K), and for `.ordinal` heads L − 1 cut points kept ordered by
/// construction: c₀ = θ₀, cᵢ = cᵢ₋₁ + softplus(θᵢ).
final class JudgeHead {
    let kind: JudgeHeadKind
    let layer: Linear
    /// (L − 1) unconstrained cut-point parameters θ, for `.ordinal` heads.
    let cutpointParameters: Tensor?

    /// A fresh head: weights N(0, 0.02) from `rng`, bias 0 (none with `bias: false`: a reward
    /// head trained on preferences, where only differences count, as TRL's has none); ordinal
    /// cut points start evenly spaced one apart around 0. `levels` is the scale's level count.
    init(kind: JudgeHeadKind, inputWidth: Int, levels: Int, bias: Bool = true, rng: inout SeededRNG) {
        precondition(kind != .verdict, "JudgeHead: a verdict judge reads the language model's own head")
        precondition(levels >= 2 || kind == .scalar, "JudgeHead: a scale needs at least two levels")
        let k = kind == .classification ? levels : 1
        self.kind = kind
        layer = Linear(
            weight: .randomNormal([k, inputWidth], standardDeviation: 0.02, using: &rng, requiresGrad: true),
            bias: bias ? .zeros([k], requiresGrad: true) : nil)
        if kind == .ordinal {
            let count = levels - 1
            // c₀ = −(L − 2)/2, then steps of softplus(θ) = 1 (θ = log(e − 1)).
            let step = Float(0.5413248546129181)
            let first = -Float(count - 1) / 2
            cutpointParameters = Tensor(
                [first] + Array(repeating: step, count: count - 1), shape: [count], requiresGrad: true)
        } else {
            cutpointParameters = nil
        }
    }

    /// A head over loaded tensors (a checkpoint's): `weight` (K, C), `bias` (K), θ (L − 1).
    init(kind: JudgeHeadKind, weight: Tensor, bias: Tensor?, cutpointParameters: Tensor?) {
        self.kind = kind
        layer = Linear(weight: weight, bias: bias)
        self.cutpointParameters = cutpointParameters
    }

    /// K
    var outputWidth: Int { layer.outFeatures }

    /// The head's parameters under `prefix` ("head.weight", "head.bias", "head.cutpoints").
    func parameters(prefix: String = "head") -> Parameters {
        var p = Parameters()
        p.add(prefix + ".weight", layer.weight)
        if let bias = layer.bias { p.add(prefix + ".bias", bias) }
        if let cutpointParameters { p.add(prefix + ".cutpoints", cutpointParameters) }
        return p
    }

    /// features (B, C) → outputs (B, K).
    func callAsFunction(_ features: Tensor) -> Tensor { layer(features) }

    /// The ordered cut points (L − 1), differentiable; nil for other heads.
    var cutpoints: Tensor? {
        guard let theta = cutpointParameters else { return nil }
        let count = theta.shape[0]
        var points = [theta.slice(alongAxis: 0, 0..<1)]  // (1) each
        for i in 1..<count {
            points.append(points[i - 1] + theta.slice(alongAxis: 0, i..<(i + 1)).softplus())
        }
        return Tensor.concat(points, alongAxis: 0)  // (L − 1)
    }
}
