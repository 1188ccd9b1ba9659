// Linear: the one dense layer of every architecture here (BERT's projections with biases, the
// Llama decoder's bias-free ones and its head): y = x·Wᵀ (+ b) (+ a LoRA adapter's update, see
// Linear+LoRA.swift). W is stored (out, in), as in transformers' nn.Linear and GGUF. A Llama
// matrix loaded from a quantised GGUF file also keeps the file's blocks for the fast arithmetic;
// they are used only while W still holds the values they were made from (`Tensor.version`).
// Not the quantised kernels (QuantizedMatrix*.swift) and not a model.
import ArbiterTensor

/// A dense layer y = x·Wᵀ + b with an optional LoRA adapter.
public final class Linear {
    /// (out, in)
    public let weight: Tensor
    /// (out), or nil for a bias-free layer.
    public let bias: Tensor?
    /// The low-rank adapter, when one is attached (`attachLoRA`).
    public internal(set) var lora: LoRAAdapter?
    /// The file's quantised blocks of `weight` (Llama GGUF files), read by the fast arithmetic.
    let quantized: QuantizedMatrix?
    /// `weight.version` when `quantized` was made from it.
    private let quantizedVersion: UInt64

    /// A layer over existing tensors: `weight` (out, in), `bias` (out) when given.
    public convenience init(weight: Tensor, bias: Tensor? = nil) {
        self.init(weight: weight, bias: bias, quantized: nil)
    }

    init(weight: Tensor, bias: Tensor?, quantized: QuantizedMatrix?) {
        precondition(weight.rank == 2, "Linear: weight must be (out, in), got \(weight.shape)")
        precondition(bias.map { $0.shape == [weight.shape[0]] } ?? true, "Linear: bias must be (out)")
        self.weight = weight
        self.bias = bias
        self.quantized = quantized.flatMap { $0.rows == weight.shape[0] && $0.columns == weight.shape[1] ? $0 : nil }
        quantizedVersion = weight.version
    }

    /// Input features (W's columns).
    public var inFeatures: Int { weight.shape[1] }
    /// Output features (W's rows).
    public var outFeatures: Int { weight.shape[0] }

    /// The quantised blocks while they still match `weight` (nil after any write to it, e.g. an
    /// optimizer step or a LoRA merge).
    var currentQuantized: QuantizedMatrix? {
        weight.version == quantizedVersion ? quantized : nil
    }

    /// x (…, in) → (…, out) in fp32: x·Wᵀ + b, plus the adapter's update when one is attached
    /// and not merged. Differentiable.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        adding(x, to: x.matmul(weight, transposeB: true))
    }

    /// `base` (…, out), the product x·Wᵀ computed on whatever path, plus the bias and the
    /// adapter's update of x (…, in).
    func adding(_ x: Tensor, to base: Tensor) -> Tensor {
        var y = base
        if let bias { y = y + bias }
        if let lora, !lora.isMerged { y = y + lora.update(x) }
        return y
    }
}
