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
        let (config, infos, tied) = try Self.verifiedTensors(file)
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

    /// Steps 1–3 of loading, without reading a weight: the configuration from `file`'s metadata,
    /// then (name, info) of every tensor it needs, each present with the shape the configuration
    /// implies, and whether the head is tied to the embedding. The tensor table bounds the work:
    /// tensors are looked up block by block, so a block count larger than the file's blocks is
    /// refused at the first absent block (`llama.block_count`) after at most as many lookups as
    /// the file has tensors. Throws `LlamaError` naming the key or tensor.
    public static func verifiedTensors(_ file: GGUFFile) throws(LlamaError) -> (
        configuration: LlamaConfiguration, tensors: [(name: String, info: GGUFTensorInfo)], tiedHead: Bool
    ) {
        let path = file.url.path
        let config = try LlamaConfiguration(gguf: file.metadata, source: path)
        let c = config.hiddenSize
        let f = config.feedForwardSize
        let d = config.headDimension
        let kv = config.keyValueHeadCount * d
        var infos: [(name: String, info: GGUFTensorInfo)] = []
        infos.reserveCapacity(min(config.layerCount, file.tensors.count) * 9 + 3)
        // 3. verify: presence and shape of everything before any dequantisation work.
        func verify(_ name: String, _ shape: [Int]) throws(LlamaError) {
            guard let info = file.tensor(named: name) else { throw .missingTensor(path: path, tensor: name) }
            guard info.rowMajorShape == shape else {
                throw .shapeMismatch(path: path, tensor: name, expected: shape, found: info.rowMajorShape)
            }
            infos.append((name, info))
        }
        // 1. load: (GGUF name, expected row-major shape) for every tensor the architecture reads.
        try verify("token_embd.weight", [config.vocabularySize, c])
        for l in 0..<config.layerCount {
            let p = "blk.\(l)."
            let block: [(String, [Int])] = [
                (p + "attn_norm.weight", [c]), (p + "attn_q.weight", [c, c]), (p + "attn_k.weight", [kv, c]),
                (p + "attn_v.weight", [kv, c]), (p + "attn_output.weight", [c, c]), (p + "ffn_norm.weight", [c]),
                (p + "ffn_gate.weight", [f, c]), (p + "ffn_up.weight", [f, c]), (p + "ffn_down.weight", [c, f]),
            ]
            // A block with none of its tensors means the block count is wrong, not one tensor.
            if block.allSatisfy({ file.tensor(named: $0.0) == nil }) {
                throw .invalidKey(
                    path: path, key: "llama.block_count", value: "\(config.layerCount)",
                    reason: "the file holds the tensors of \(l) block(s) only (no blk.\(l).* tensor)")
            }
            for (name, shape) in block { try verify(name, shape) }
        }
        try verify("output_norm.weight", [c])
        // 2. sanitise: an untied head is optional; without it the embedding table is the head.
        let tied = file.tensor(named: "output.weight") == nil
        if !tied { try verify("output.weight", [config.vocabularySize, c]) }
        return (config, infos, tied)
    }

    /// Reads the GGUF file at `url` (see `init(gguf:options:)`).
    public convenience init(contentsOf url: URL, options: LlamaLoadOptions = LlamaLoadOptions()) throws {
        try self.init(gguf: GGUFFile(contentsOf: url), options: options)
    }
}
