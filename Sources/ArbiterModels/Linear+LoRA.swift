// Linear+LoRA: low-rank adaptation (Hu et al. 2021, as PEFT's LoraLayer): a frozen W plus
// ΔW = (α/r)·B·A with A (r, in) and B (out, r); only A and B train. A starts Kaiming-uniform
// (bound 1/√in, PEFT's default), B at zero, so an attached adapter changes nothing until trained.
// Dropout (training only: while gradients are recorded) applies to the adapter's input. Merging
// adds ΔW into W (fast inference, and the quantised blocks then stop matching W, so fp32 is
// used for that layer); unmerging subtracts it again. Not an optimizer, not a file format.
import ArbiterCore
import ArbiterTensor
import Foundation

/// LoRA hyper-parameters.
public struct LoRAConfiguration: Sendable, Equatable {
    /// r: the adapter's rank (≥ 1).
    public let rank: Int
    /// α: the update is scaled by α / r.
    public let alpha: Float
    /// Dropout probability on the adapter's input during training, in [0, 1).
    public let dropout: Float

    /// Throws `LoRAError.invalid` naming the field when a value is out of range.
    public init(rank: Int, alpha: Float? = nil, dropout: Float = 0) throws(LoRAError) {
        guard rank >= 1 else { throw .invalid(field: "rank", value: "\(rank)", expected: "an integer ≥ 1") }
        let alpha = alpha ?? Float(rank)
        guard alpha.isFinite, alpha > 0 else {
            throw .invalid(field: "alpha", value: "\(alpha)", expected: "a finite number > 0")
        }
        guard dropout >= 0, dropout < 1 else {
            throw .invalid(field: "dropout", value: "\(dropout)", expected: "a probability in [0, 1)")
        }
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
    }

    /// α / r
    public var scale: Float { alpha / Float(rank) }
}

/// Why a LoRA configuration or operation was refused.
public enum LoRAError: Error, LocalizedError, Sendable, Equatable {
    case invalid(field: String, value: String, expected: String)
    case rankTooLarge(rank: Int, layer: String, inFeatures: Int, outFeatures: Int)

    public var errorDescription: String? {
        switch self {
        case .invalid(let field, let value, let expected):
            return "LoRA \(field) \(value) is invalid: use \(expected)."
        case .rankTooLarge(let rank, let layer, let inFeatures, let outFeatures):
            return
                "LoRA rank \(rank) is larger than \(layer)'s (\(outFeatures), \(inFeatures)) weight allows: use a rank ≤ \(min(inFeatures, outFeatures))."
        }
    }
}

/// The trainable low-rank update of one `Linear`.
public final class LoRAAdapter {
    public let configuration: LoRAConfiguration
    /// (r, in), Kaiming-uniform at attach time.
    public let a: Tensor
    /// (out, r), zero at attach time.
    public let b: Tensor
    /// True while ΔW is added into the layer's weight (`Linear.mergeLoRA`).
    public internal(set) var isMerged = false
    /// The dropout masks' generator (seeded at attach time).
    private var rng: SeededRNG

    init(configuration: LoRAConfiguration, inFeatures: Int, outFeatures: Int, rng: inout SeededRNG) {
        self.configuration = configuration
        let bound = 1 / Float(inFeatures).squareRoot()
        a = Tensor.randomUniform([configuration.rank, inFeatures], in: -bound...bound, using: &rng, requiresGrad: true)
        b = Tensor.zeros([outFeatures, configuration.rank], requiresGrad: true)
        self.rng = SeededRNG(seed: rng.next())
    }

    /// An adapter over given A (r, in) and B (out, r) tensors.
    init(
        configuration: LoRAConfiguration, a: Tensor, b: Tensor, isMerged: Bool = false,
        rng: SeededRNG = SeededRNG(seed: 0)
    ) {
        self.configuration = configuration
        self.a = a
        self.b = b
        self.isMerged = isMerged
        self.rng = rng
    }

    /// An adapter with its own copies of A and B (and the same dropout stream position).
    func deepCopy() -> LoRAAdapter {
        LoRAAdapter(
            configuration: configuration, a: Tensor(a.scalars, shape: a.shape, requiresGrad: a.requiresGrad),
            b: Tensor(b.scalars, shape: b.shape, requiresGrad: b.requiresGrad), isMerged: isMerged, rng: rng)
    }

    /// (α/r)·dropout(x)·Aᵀ·Bᵀ for x (…, in) → (…, out).
    func update(_ x: Tensor) -> Tensor {
        let p = configuration.dropout
        let input = p > 0 && Tensor.isGradEnabled ? x.dropout(p: p, training: true, rng: &rng) : x
        return input.matmul(a, transposeB: true).matmul(b, transposeB: true).multiplyingScalar(configuration.scale)
    }

    /// ΔW = (α/r)·B·A, (out, in).
    func delta() -> [Float] {
        Tensor.noGrad { b.matmul(a).multiplyingScalar(configuration.scale).scalars }
    }
}

extension Linear {
    /// Attaches a fresh adapter (A random from `rng`, B zero) and freezes W and b: from now on
    /// only the adapter's A and B record gradients. `name` names the layer in errors.
    public func attachLoRA(_ configuration: LoRAConfiguration, name: String = "layer", rng: inout SeededRNG) throws {
        guard configuration.rank <= min(inFeatures, outFeatures) else {
            throw LoRAError.rankTooLarge(
                rank: configuration.rank, layer: name, inFeatures: inFeatures, outFeatures: outFeatures)
        }
        lora = LoRAAdapter(configuration: configuration, inFeatures: inFeatures, outFeatures: outFeatures, rng: &rng)
        weight.requiresGrad = false
        bias?.requiresGrad = false
    }

    /// Adds ΔW into W (the adapter's update is then skipped). No effect without an adapter or
    /// when already merged.
    public func mergeLoRA() { applyDelta(sign: 1) }

    /// Subtracts ΔW from W again (the adapter's update is then added on the fly).
    public func unmergeLoRA() { applyDelta(sign: -1) }

    private func applyDelta(sign: Float) {
        guard let lora, lora.isMerged == (sign < 0) else { return }
        let delta = lora.delta()  // (out, in)
        weight.storage.withUnsafeMutableBufferPointer { w in
            for i in w.indices { w[i] += sign * delta[i] }
        }
        lora.isMerged = sign > 0
    }
}
