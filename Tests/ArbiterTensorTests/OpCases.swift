import ArbiterCore
import Foundation

// OpCases: the table of op applications checked by OpGradientTests, with each case's naive
// Double reference. Shapes are tiny so finite differences stay fast in debug builds.
@testable import ArbiterTensor

enum OpCases {
    static let all: [OpCase] =
        matmul + arithmetic + unary + composites + reductions + softmax + norms + embedding + rope + attention + losses
        + shapes + dropout

    static let matmul: [OpCase] = {
        var cases: [OpCase] = []
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = ta ? [4, 3] : [3, 4]
            let b = tb ? [5, 4] : [4, 5]
            cases.append(
                OpCase(
                    name: "matmul \(a)\(ta ? "ᵀ" : "") × \(b)\(tb ? "ᵀ" : "")", covers: [.matmul],
                    inputs: [(a, .normal), (b, .normal)],
                    forward: { $0[0].matmul($0[1], transposeA: ta, transposeB: tb) },
                    reference: { Reference.matmul($0[0], a, $0[1], b, transposeA: ta, transposeB: tb) }))
            let ba = [2] + a
            let bb = [2] + b
            cases.append(
                OpCase(
                    name: "batched matmul \(ba)\(ta ? "ᵀ" : "") × \(bb)\(tb ? "ᵀ" : "")", covers: [.matmul],
                    inputs: [(ba, .normal), (bb, .normal)],
                    forward: { $0[0].matmul($0[1], transposeA: ta, transposeB: tb) },
                    reference: { Reference.matmul($0[0], ba, $0[1], bb, transposeA: ta, transposeB: tb) }))
            cases.append(
                OpCase(
                    name: "batched × shared matmul \(ba)\(ta ? "ᵀ" : "") × \(b)\(tb ? "ᵀ" : "")", covers: [.matmul],
                    inputs: [(ba, .normal), (b, .normal)],
                    forward: { $0[0].matmul($0[1], transposeA: ta, transposeB: tb) },
                    reference: { x in
                        (0..<2).flatMap { i in
                            Reference.matmul(
                                Array(x[0][(i * 12)..<((i + 1) * 12)]), a, x[1], b, transposeA: ta, transposeB: tb)
                        }
                    }))
        }
        cases.append(
            OpCase(
                name: "shared × batched matmul (3, 4) × (2, 4, 5)", covers: [.matmul],
                inputs: [([3, 4], .normal), ([2, 4, 5], .normal)],
                forward: { $0[0].matmul($0[1]) },
                reference: { x in
                    (0..<2).flatMap { i in
                        Reference.matmul(
                            x[0], [3, 4], Array(x[1][(i * 20)..<((i + 1) * 20)]), [4, 5], transposeA: false,
                            transposeB: false)
                    }
                }))
        return cases
    }()

    static func binary(
        _ name: String, _ op: Op, _ a: [Int], _ b: [Int], positiveB: Bool = false,
        _ t: @escaping @Sendable (Tensor, Tensor) -> Tensor, _ f: @escaping @Sendable (Double, Double) -> Double
    ) -> OpCase {
        OpCase(
            name: "\(name) \(a) \(b)", covers: [op], inputs: [(a, .normal), (b, positiveB ? .positive : .normal)],
            forward: { t($0[0], $0[1]) }, reference: { Reference.binary($0[0], a, $0[1], b, f).values })
    }

    static let arithmetic: [OpCase] = [
        binary("add", .add, [2, 3, 4], [2, 3, 4], { $0 + $1 }, { $0 + $1 }),
        binary("add broadcast", .add, [2, 3, 4], [3, 1], { $0 + $1 }, { $0 + $1 }),
        binary("sub broadcast", .sub, [2, 1, 4], [3, 4], { $0 - $1 }, { $0 - $1 }),
        binary("mul broadcast", .mul, [2, 3], [3], { $0 * $1 }, { $0 * $1 }),
        binary("mul broadcast both", .mul, [4, 1], [1, 3], { $0 * $1 }, { $0 * $1 }),
        binary("div broadcast", .div, [2, 3], [2, 1], positiveB: true, { $0 / $1 }, { $0 / $1 }),
        binary("div", .div, [3, 2], [3, 2], positiveB: true, { $0 / $1 }, { $0 / $1 }),
    ]

    static func unaryCase(
        _ op: Op, scalar: Float = 0, positive: Bool = false, _ t: @escaping @Sendable (Tensor) -> Tensor
    ) -> OpCase {
        OpCase(
            name: "\(op)\(scalar != 0 ? " \(scalar)" : "")", covers: [op],
            inputs: [([3, 5], positive ? .positive : .normal)],
            forward: { t($0[0]) }, reference: { Reference.unary(op, $0[0], scalar: Double(scalar)) })
    }

    static let unary: [OpCase] = [
        unaryCase(.addScalar, scalar: 1.5) { $0 + 1.5 },
        unaryCase(.mulScalar, scalar: -2.5) { $0 * -2.5 },
        unaryCase(.powScalar, scalar: 2, positive: true) { $0.pow(2) },
        unaryCase(.powScalar, scalar: 1.7, positive: true) { $0.pow(1.7) },
        unaryCase(.powScalar, scalar: -1, positive: true) { $0.pow(-1) },
        unaryCase(.neg) { -$0 },
        unaryCase(.exp) { $0.exp() },
        unaryCase(.log, positive: true) { $0.log() },
        unaryCase(.sqrt, positive: true) { $0.sqrt() },
        unaryCase(.tanh) { $0.tanh() },
        unaryCase(.sigmoid) { $0.sigmoid() },
        unaryCase(.relu) { $0.relu() },
        unaryCase(.geluTanh) { $0.geluTanh() },
        unaryCase(.geluErf) { $0.geluErf() },
        unaryCase(.silu) { $0.silu() },
        unaryCase(.softplus) { $0.softplus() },
        unaryCase(.logSigmoid) { $0.logSigmoid() },
        OpCase(
            name: "softplus and logSigmoid far out (±30, ±90)", covers: [.softplus, .logSigmoid],
            inputs: [([4], .fixed([-90, -30, 30, 90]))], forward: { $0[0].softplus() + $0[0].logSigmoid() },
            reference: {
                $0[0].map { v in
                    Swift.max(v, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(v))) + Swift.min(v, 0)
                        - Foundation.log1p(Foundation.exp(-Swift.abs(v)))
                }
            }),
        OpCase(
            name: "scalar − tensor, scalar / tensor (composites)", covers: [.neg, .addScalar, .powScalar, .mulScalar],
            inputs: [([2, 3], .positive)], forward: { (2 - $0[0]) + (3 / $0[0]) },
            reference: { $0[0].map { (2 - $0) + 3 / $0 } }),
    ]

    static let composites: [OpCase] = [
        OpCase(
            name: "clamped to -0.5...0.7 (composite)", covers: [.relu, .sub, .addScalar], inputs: [([4, 5], .normal)],
            forward: { $0[0].clamped(to: -0.5...0.7) }, reference: { $0[0].map { Swift.min(Swift.max($0, -0.5), 0.7) } }
        ),
        OpCase(
            name: "minimum / maximum broadcast (composite)", covers: [.relu, .sub, .add],
            inputs: [([3, 4], .normal), ([4], .normal)],
            forward: { Tensor.minimum($0[0], $0[1]) + Tensor.maximum($0[0], $0[1]) * 2 },
            reference: { x in
                Reference.binary(x[0], [3, 4], x[1], [4]) { Swift.min($0, $1) + 2 * Swift.max($0, $1) }.values
            }),
    ]

    static let reductions: [OpCase] = [
        OpCase(
            name: "sum axes [0, 2] keepDim", covers: [.sum], inputs: [([2, 3, 4], .normal)],
            forward: { $0[0].sum(alongAxes: [0, 2], keepDim: true) },
            reference: { Reference.reduce($0[0], [2, 3, 4], axes: [0, 2], initial: 0, +) }),
        OpCase(
            name: "sum axis -1", covers: [.sum, .reshape], inputs: [([2, 3, 4], .normal)],
            forward: { $0[0].sum(alongAxis: -1) },
            reference: { Reference.reduce($0[0], [2, 3, 4], axes: [2], initial: 0, +) }),
        OpCase(
            name: "sum all", covers: [.sum], inputs: [([3, 4], .normal)],
            forward: { $0[0].sum() }, reference: { [$0[0].reduce(0, +)] }),
        OpCase(
            name: "mean axis 1 (composite)", covers: [.sum, .mulScalar], inputs: [([2, 3, 4], .normal)],
            forward: { $0[0].mean(alongAxis: 1) },
            reference: { Reference.reduce($0[0], [2, 3, 4], axes: [1], initial: 0, +).map { $0 / 3 } }),
        OpCase(
            name: "mean all", covers: [.sum, .mulScalar], inputs: [([3, 4], .normal)],
            forward: { $0[0].mean() }, reference: { [$0[0].reduce(0, +) / 12] }),
        OpCase(
            name: "max axis 1 keepDim", covers: [.max], inputs: [([2, 4, 3], .normal)],
            forward: { $0[0].max(alongAxis: 1, keepDim: true) },
            reference: { Reference.reduce($0[0], [2, 4, 3], axes: [1], initial: -.infinity, Swift.max) }),
        OpCase(
            name: "max axes [0, 2]", covers: [.max], inputs: [([2, 3, 4], .normal)],
            forward: { $0[0].max(alongAxes: [0, 2]) },
            reference: { Reference.reduce($0[0], [2, 3, 4], axes: [0, 2], initial: -.infinity, Swift.max) }),
    ]

    static let softmax: [OpCase] = [
        OpCase(
            name: "softmax last axis", covers: [.softmax], inputs: [([3, 5], .normal)],
            forward: { $0[0].softmax() }, reference: { Reference.softmax($0[0], [3, 5], axis: 1, log: false) }),
        OpCase(
            name: "softmax middle axis", covers: [.softmax], inputs: [([2, 4, 3], .normal)],
            forward: { $0[0].softmax(alongAxis: 1) },
            reference: { Reference.softmax($0[0], [2, 4, 3], axis: 1, log: false) }),
        OpCase(
            name: "logSoftmax last axis", covers: [.logSoftmax], inputs: [([3, 5], .normal)],
            forward: { $0[0].logSoftmax() }, reference: { Reference.softmax($0[0], [3, 5], axis: 1, log: true) }),
        OpCase(
            name: "logSoftmax axis 0", covers: [.logSoftmax], inputs: [([4, 3], .normal)],
            forward: { $0[0].logSoftmax(alongAxis: 0) },
            reference: { Reference.softmax($0[0], [4, 3], axis: 0, log: true) }),
        OpCase(
            name: "logSumExp last axis", covers: [.logSumExp, .reshape], inputs: [([3, 5], .normal)],
            forward: { $0[0].logSumExp() }, reference: { Reference.logSumExp($0[0], [3, 5], axis: 1) }),
        OpCase(
            name: "logSumExp middle axis keepDim", covers: [.logSumExp], inputs: [([2, 4, 3], .normal)],
            forward: { $0[0].logSumExp(alongAxis: 1, keepDim: true) },
            reference: { Reference.logSumExp($0[0], [2, 4, 3], axis: 1) }),
    ]

    static let norms: [OpCase] = [
        OpCase(
            name: "rmsNorm with weight", covers: [.rmsNorm], inputs: [([3, 6], .normal), ([6], .normal)],
            forward: { $0[0].rmsNorm(weight: $0[1], eps: 1e-5) },
            reference: { Reference.norm($0[0], channels: 6, weight: $0[1], bias: nil, eps: 1e-5, center: false) }),
        OpCase(
            name: "rmsNorm without weight", covers: [.rmsNorm], inputs: [([2, 2, 5], .normal)],
            forward: { $0[0].rmsNorm(weight: nil) },
            reference: { Reference.norm($0[0], channels: 5, weight: nil, bias: nil, eps: 1e-6, center: false) }),
        OpCase(
            name: "layerNorm with weight and bias", covers: [.layerNorm],
            inputs: [([3, 6], .normal), ([6], .normal), ([6], .normal)],
            forward: { $0[0].layerNorm(weight: $0[1], bias: $0[2], eps: 1e-5) },
            reference: { Reference.norm($0[0], channels: 6, weight: $0[1], bias: $0[2], eps: 1e-5, center: true) }),
        OpCase(
            name: "layerNorm without affine", covers: [.layerNorm], inputs: [([2, 2, 5], .normal)],
            forward: { $0[0].layerNorm(weight: nil, bias: nil) },
            reference: { Reference.norm($0[0], channels: 5, weight: nil, bias: nil, eps: 1e-5, center: true) }),
    ]

    static let embedding: [OpCase] = [
        OpCase(
            name: "embedding with repeated indices", covers: [.embedding], inputs: [([5, 3], .normal)],
            forward: { $0[0].embedding([1, 4, 1, 0, 2, 1], indexShape: [2, 3]) },
            reference: { Reference.embedding($0[0], columns: 3, indices: [1, 4, 1, 0, 2, 1]) })
    ]

    static let rope: [OpCase] = [RoPELayout.interleaved, .halfSplit].flatMap { layout in
        [0, 5].map { offset in
            OpCase(
                name: "rope \(layout) offset \(offset)", covers: [.rope], inputs: [([2, 2, 3, 6], .normal)],
                forward: { $0[0].rope(layout: layout, theta: 100, positionOffset: offset) },
                reference: { Reference.rope($0[0], t: 3, d: 6, layout: layout, theta: 100, offset: offset) })
        }
    }

    static func attentionCase(
        _ name: String, b: Int = 2, hq: Int, hkv: Int, tq: Int, tk: Int, d: Int = 3, dv: Int = 2,
        causal: Bool, padding: KeyPadding
    ) -> OpCase {
        OpCase(
            name: "attention \(name)", covers: [.attention],
            inputs: [([b, hq, tq, d], .normal), ([b, hkv, tk, d], .normal), ([b, hkv, tk, dv], .normal)],
            forward: { Tensor.attention(query: $0[0], key: $0[1], value: $0[2], causal: causal, padding: padding) },
            reference: {
                Reference.attention(
                    q: $0[0], k: $0[1], v: $0[2], b: b, hq: hq, hkv: hkv, tq: tq, tk: tk, d: d, dv: dv,
                    causal: causal, padding: padding, scale: 1 / Double(d).squareRoot())
            })
    }

    static let attention: [OpCase] = [
        attentionCase("causal MHA", hq: 2, hkv: 2, tq: 4, tk: 4, causal: true, padding: .none),
        attentionCase(
            "causal GQA g=2, key lengths", hq: 4, hkv: 2, tq: 3, tk: 3, causal: true, padding: .lengths([3, 2])),
        attentionCase(
            "causal GQA g=3, bool mask", hq: 3, hkv: 1, tq: 3, tk: 3, causal: true,
            padding: .mask([true, true, true, false, true, true])),
        attentionCase(
            "bidirectional, key lengths incl. empty row", hq: 2, hkv: 1, tq: 3, tk: 4, causal: false,
            padding: .lengths([4, 0])),
        attentionCase("causal with cached prefix Tk > Tq", hq: 2, hkv: 1, tq: 2, tk: 4, causal: true, padding: .none),
    ]

    static let losses: [OpCase] = [
        OpCase(
            name: "crossEntropy with ignore index", covers: [.crossEntropy], inputs: [([4, 5], .normal)],
            forward: { $0[0].crossEntropy(targets: [2, -100, 0, 4]) },
            reference: { [Reference.crossEntropy($0[0], columns: 5, targets: [2, -100, 0, 4], ignoreIndex: -100)] }),
        OpCase(
            name: "tokenLogProbs", covers: [.tokenLogProbs], inputs: [([4, 6], .normal)],
            forward: { $0[0].tokenLogProbs(targets: [5, 0, 3, 3]) },
            reference: { Reference.tokenLogProbs($0[0], columns: 6, targets: [5, 0, 3, 3]) }),
        OpCase(
            name: "linearTokenLogProbsAndEntropy, 2-row chunks", covers: [.linearTokenLogProbs],
            inputs: [([5, 3], .normal), ([6, 3], .normal)],
            forward: { $0[0].linearTokenLogProbsAndEntropy(weight: $0[1], targets: [5, 0, 3, 3, 1], chunkRows: 2) },
            reference: { Reference.linearTokenLogProbsAndEntropy($0[0], $0[1], columns: 3, targets: [5, 0, 3, 3, 1]) }),
    ]

    static let shapes: [OpCase] = [
        OpCase(
            name: "reshape with inferred extent", covers: [.reshape], inputs: [([2, 6], .normal)],
            forward: { $0[0].reshaped([3, -1]) }, reference: { $0[0] }),
        OpCase(
            name: "permute (2, 0, 1)", covers: [.permute], inputs: [([2, 3, 4], .normal)],
            forward: { $0[0].permuted([2, 0, 1]) },
            reference: { Reference.permute($0[0], [2, 3, 4], axes: [2, 0, 1]) }),
        OpCase(
            name: "transpose last two", covers: [.permute], inputs: [([2, 3, 4], .normal)],
            forward: { $0[0].transposed() }, reference: { Reference.permute($0[0], [2, 3, 4], axes: [0, 2, 1]) }),
        OpCase(
            name: "slice axis 1", covers: [.slice], inputs: [([2, 5, 3], .normal)],
            forward: { $0[0].slice(alongAxis: 1, 1..<4) },
            reference: { Reference.slice($0[0], [2, 5, 3], axis: 1, range: 1..<4) }),
        OpCase(
            name: "concat axis 1", covers: [.concat], inputs: [([2, 2, 3], .normal), ([2, 1, 3], .normal)],
            forward: { Tensor.concat($0, alongAxis: 1) },
            reference: { Reference.concat($0, [[2, 2, 3], [2, 1, 3]], axis: 1) }),
        OpCase(
            name: "stack axis 1 (composite)", covers: [.concat, .reshape],
            inputs: [([2, 3], .normal), ([2, 3], .normal)],
            forward: { Tensor.stack($0, alongAxis: 1) },
            reference: { x in Reference.concat([x[0], x[1]], [[2, 1, 3], [2, 1, 3]], axis: 1) }),
    ]

    static let dropout: [OpCase] = [
        OpCase(
            name: "dropout p=0.3 training", covers: [.dropout], inputs: [([4, 5], .normal)],
            forward: {
                var rng = SeededRNG(seed: 9)
                return $0[0].dropout(p: 0.3, training: true, rng: &rng)
            },
            reference: { x in
                var rng = SeededRNG(seed: 9)
                return Reference.dropout(x[0], p: 0.3, rng: &rng)
            })
    ]
}
