// LlamaModel+HiddenStates: the decoder's final hidden states as a public API, for heads that read
// them (a scalar reward head on the last real token, a classifier), and deep copies of a model
// (a frozen reference policy for a KL term). Not the forward pass itself (LlamaModel.swift).
import ArbiterTensor

extension LlamaModel {
    /// The residual stream after the final RMSNorm, (B, T, C), for a right-padded batch: row b's
    /// real tokens are its first `lengths[b]` (default: all T); padded positions hold finite but
    /// meaningless values. Differentiable unless called under `Tensor.noGrad`.
    public func finalHiddenStates(tokens: [[Int]], lengths: [Int]? = nil) -> Tensor {
        hiddenStates(tokens: tokens, lengths: lengths)  // (B, T, C)
    }

    /// The final hidden state at each row's last real token (position `lengths[b] − 1`), (B, C):
    /// what a scalar head on a decoder reads. Every row needs at least one real token.
    public func lastTokenHiddenStates(tokens: [[Int]], lengths: [Int]? = nil) -> Tensor {
        let t = tokens.first?.count ?? 0
        let lengths = lengths ?? Array(repeating: t, count: tokens.count)
        precondition(lengths.allSatisfy { $0 > 0 }, "lastTokenHiddenStates: every row needs at least one real token")
        let h = hiddenStates(tokens: tokens, lengths: lengths)  // (B, T, C)
        let rows = lengths.enumerated().map { $0.offset * t + $0.element - 1 }
        return h.reshaped([tokens.count * t, configuration.hiddenSize]).embedding(rows)  // (B, C)
    }

    /// A model with its own copy of every weight and LoRA adapter (no storage shared with this
    /// one), the same configuration and arithmetic: later writes to either leave the other
    /// unchanged. Each matrix's quantised blocks are shared while they are current (they are
    /// read-only); a matrix written since its blocks were made runs fp32 in the copy too.
    public func deepCopy() -> LlamaModel {
        let copied = parameters.deepCopy()
        var twins: [ObjectIdentifier: Tensor] = [:]  // original → copy
        for (original, copy) in zip(parameters, copied) { twins[ObjectIdentifier(original.tensor)] = copy.tensor }
        func twin(_ t: Tensor) -> Tensor { twins[ObjectIdentifier(t)] ?? Tensor(t.scalars, shape: t.shape) }
        func twin(_ layer: Linear) -> Linear {
            let copy = Linear(weight: twin(layer.weight), bias: layer.bias.map(twin), quantized: layer.currentQuantized)
            copy.lora = layer.lora?.deepCopy()
            return copy
        }
        let copy = LlamaModel(
            configuration: configuration, parameters: copied, tokenEmbedding: twin(tokenEmbedding),
            blocks: blocks.map { b in
                Block(
                    attentionNorm: twin(b.attentionNorm), query: twin(b.query), key: twin(b.key), value: twin(b.value),
                    output: twin(b.output), ffnNorm: twin(b.ffnNorm), gate: twin(b.gate), up: twin(b.up),
                    down: twin(b.down))
            }, outputNorm: twin(outputNorm), head: twin(head))
        copy.usesQuantizedDecode = usesQuantizedDecode && copy.hasQuantizedWeights
        copy.usesQuantizedPrefill = usesQuantizedPrefill && copy.hasQuantizedWeights
        copy.usesFusedDecodeStep = usesFusedDecodeStep
        return copy
    }
}
