// LlamaModel+Loading: builds a LlamaModel from a GGUF file in four steps: load (look up every
// tensor the configuration needs), sanitise (map GGUF names to roles; a missing `output.weight`
// means tied embeddings), verify shapes (each against the configuration, naming the tensor and
// both shapes), commit (dequantise to fp32 Tensors, registered as trainable Parameters under
// their GGUF names), and, unless the options say otherwise, keep the file's quantised matrices
// for the fast arithmetic (LlamaModel+QuantizedDecode.swift). Not the forward pass (LlamaModel.swift).
import ArbiterTensor
import Foundation

extension LlamaModel {
    /// Reads the configuration and every weight of `file`, dequantised to Float32, and keeps
    /// the file's quantised matrices (read in place from the mapping) for decode steps, used
    /// when `options.arithmetic` is `.fast` (the default).
    public convenience init(gguf file: GGUFFile, options: LlamaLoadOptions = LlamaLoadOptions()) throws {
        let path = file.url.path
        let config = try LlamaConfiguration(gguf: file.metadata, source: path)
        let c = config.hiddenSize
        let f = config.feedForwardSize
        let d = config.headDimension
        let kv = config.keyValueHeadCount * d
        // 1. load: (GGUF name, expected row-major shape) for every tensor the architecture reads.
        var expected: [(name: String, shape: [Int])] = [("token_embd.weight", [config.vocabularySize, c])]
        for l in 0..<config.layerCount {
            let p = "blk.\(l)."
            expected += [
                (p + "attn_norm.weight", [c]), (p + "attn_q.weight", [c, c]), (p + "attn_k.weight", [kv, c]),
                (p + "attn_v.weight", [kv, c]), (p + "attn_output.weight", [c, c]), (p + "ffn_norm.weight", [c]),
                (p + "ffn_gate.weight", [f, c]), (p + "ffn_up.weight", [f, c]), (p + "ffn_down.weight", [c, f]),
            ]
        }
        expected.append(("output_norm.weight", [c]))
        // 2. sanitise: an untied head is optional; without it the embedding table is the head.
        let tied = file.tensor(named: "output.weight") == nil
        if !tied { expected.append(("output.weight", [config.vocabularySize, c])) }
        // 3. verify: presence and shape of everything before any dequantisation work.
        var infos: [(name: String, info: GGUFTensorInfo)] = []
        for (name, shape) in expected {
            guard let info = file.tensor(named: name) else { throw LlamaError.missingTensor(path: path, tensor: name) }
            guard info.rowMajorShape == shape else {
                throw LlamaError.shapeMismatch(path: path, tensor: name, expected: shape, found: info.rowMajorShape)
            }
            infos.append((name, info))
        }
        // 4. commit: dequantise straight into each tensor's storage.
        var parameters = Parameters()
        for (name, info) in infos {
            let tensor = Tensor.zeros(info.rowMajorShape)
            try tensor.storage.withUnsafeMutableBufferPointer { try file.dequantize(info, into: $0) }
            parameters.add(name, tensor)
        }
        let quantized = Self.quantizedWeights(file: file, configuration: config, tied: tied)
        try self.init(configuration: config, parameters: parameters, source: path, quantized: quantized)
        arithmetic = options.arithmetic
        if usesQuantizedDecode || usesQuantizedPrefill {
            prepareKernels(decode: usesQuantizedDecode, panels: usesQuantizedPrefill)
        }
    }

    /// Reads the GGUF file at `url` (see `init(gguf:options:)`).
    public convenience init(contentsOf url: URL, options: LlamaLoadOptions = LlamaLoadOptions()) throws {
        try self.init(gguf: GGUFFile(contentsOf: url), options: options)
    }
}
