// LlamaModel+LoRA: low-rank adapters on a Llama decoder's matrices (PEFT's LoraConfig with
// `target_modules`), the parameters a trainer steps when they are attached (only A and B), and
// merging them into the weights for inference. The layer-level arithmetic is Linear+LoRA.swift.
// Under the fast arithmetic an unmerged adapter's update is added in fp32 to the quantised
// product of its (frozen, still current) base matrix; a merged one makes that matrix run fp32.
import ArbiterCore
import ArbiterTensor
import Foundation

extension LlamaModel {
    /// The GGUF role names LoRA can target in every block (PEFT's "all-linear" without the head).
    public static let loraTargets: [String] = [
        "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down",
    ]

    /// Attaches a fresh adapter to the `targets` matrices of every block (A from a generator
    /// seeded with `seed`, B zero, so the model's outputs do not change) and freezes every base
    /// weight: from now on only the adapters record gradients. Throws `LoRAError` for an unknown
    /// target, a rank larger than a target matrix allows, or when adapters are already attached.
    public func attachLoRA(
        _ configuration: LoRAConfiguration, targets: [String] = LlamaModel.loraTargets, seed: UInt64
    ) throws {
        if let unknown = targets.first(where: { !Self.loraTargets.contains($0) }) {
            throw LoRAError.invalid(
                field: "target", value: unknown, expected: "one of \(Self.loraTargets.joined(separator: ", "))")
        }
        guard loraParameters.count == 0 else {
            throw LoRAError.invalid(field: "adapters", value: "already attached", expected: "a model without adapters")
        }
        var rng = SeededRNG(seed: seed)
        for (l, block) in blocks.enumerated() {
            for (role, layer) in block.linears where targets.contains(role) {
                try layer.attachLoRA(configuration, name: "blk.\(l).\(role).weight", rng: &rng)
            }
        }
        for (_, tensor) in parameters { tensor.requiresGrad = false }
    }

    /// Every attached adapter's A and B, named `blk.L.ROLE.weight.lora_a` / `.lora_b` (empty
    /// without adapters), in block order.
    public var loraParameters: Parameters {
        var out = Parameters()
        for (l, block) in blocks.enumerated() {
            for (role, layer) in block.linears {
                guard let lora = layer.lora else { continue }
                out.add("blk.\(l).\(role).weight.lora_a", lora.a)
                out.add("blk.\(l).\(role).weight.lora_b", lora.b)
            }
        }
        return out
    }

    /// What an optimizer steps: the adapters when any are attached, else every weight.
    public var trainableParameters: Parameters {
        let adapters = loraParameters
        return adapters.count > 0 ? adapters : parameters
    }

    /// Adds every adapter's ΔW into its weight (inference without the extra products).
    public func mergeLoRA() { for layer in linears { layer.mergeLoRA() } }

    /// Subtracts every merged adapter's ΔW again.
    public func unmergeLoRA() { for layer in linears { layer.unmergeLoRA() } }
}
