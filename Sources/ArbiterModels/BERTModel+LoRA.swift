// BERTModel+LoRA: low-rank adapters on a BERT encoder's projections (PEFT's LoraConfig with
// `target_modules`, here under Arbiter's layer names), the parameters a trainer steps when they
// are attached (only A and B), and merging them into the weights for inference. The layer-level
// arithmetic is Linear+LoRA.swift; the Llama twin is LlamaModel+LoRA.swift.
import ArbiterCore
import ArbiterTensor

extension BERTModel {
    /// The projection names LoRA can target in every layer (PEFT's "all-linear" on a BERT).
    public static let loraTargets: [String] = [
        "attention.query", "attention.key", "attention.value", "attention.output",
        "feedForward.intermediate", "feedForward.output",
    ]

    /// Every layer's projections under their names (`loraTargets` order).
    var linears: [(name: String, layer: Linear)] {
        layers.enumerated().flatMap { i, layer in
            let p = "layers.\(i)."
            return [
                (p + "attention.query", layer.query), (p + "attention.key", layer.key),
                (p + "attention.value", layer.value), (p + "attention.output", layer.attentionOutput),
                (p + "feedForward.intermediate", layer.intermediate), (p + "feedForward.output", layer.output),
            ]
        }
    }

    /// Attaches a fresh adapter (A from a generator seeded with `seed`, B zero, so outputs do
    /// not change) to the `targets` projections of every layer and freezes every weight: from
    /// now on only the adapters record gradients. Throws `LoRAError` for an unknown target, a
    /// rank the matrices cannot hold, or when adapters are already attached.
    public func attachLoRA(
        _ configuration: LoRAConfiguration, targets: [String] = BERTModel.loraTargets, seed: UInt64
    ) throws {
        if let unknown = targets.first(where: { !Self.loraTargets.contains($0) }) {
            throw LoRAError.invalid(
                field: "target", value: unknown, expected: "one of \(Self.loraTargets.joined(separator: ", "))")
        }
        guard loraParameters.count == 0 else {
            throw LoRAError.invalid(field: "adapters", value: "already attached", expected: "a model without adapters")
        }
        var rng = SeededRNG(seed: seed)
        for (name, layer) in linears where targets.contains(where: { name.hasSuffix("." + $0) }) {
            try layer.attachLoRA(configuration, name: name + ".weight", rng: &rng)
        }
        for (_, tensor) in parameters { tensor.requiresGrad = false }
    }

    /// Every attached adapter's A and B, named `layers.L.NAME.weight.lora_a` / `.lora_b`.
    public var loraParameters: Parameters {
        var out = Parameters()
        for (name, layer) in linears {
            guard let lora = layer.lora else { continue }
            out.add(name + ".weight.lora_a", lora.a)
            out.add(name + ".weight.lora_b", lora.b)
        }
        return out
    }

    /// Adds every adapter's ΔW into its weight.
    public func mergeLoRA() { for (_, layer) in linears { layer.mergeLoRA() } }

    /// Subtracts every merged adapter's ΔW again.
    public func unmergeLoRA() { for (_, layer) in linears { layer.unmergeLoRA() } }
}
