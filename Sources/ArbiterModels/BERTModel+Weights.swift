// BERTModel+Weights: loads a BERT encoder from config.json + model.safetensors. Checkpoint names
// (Hugging Face `BertModel`, optionally under a `bert.` prefix, TF-era `gamma`/`beta`) are mapped to
// Arbiter's names here, at the boundary, in four steps: load (index the file) → sanitise (rename,
// drop what the encoder does not use: position_ids, pooler, heads) → verify (every tensor present
// with the shape config.json implies, before any data is read) → commit (convert to Float32 and
// hand over as Parameters). Not the forward pass (BERTModel.swift).
import ArbiterTensor
import Foundation

extension BERTModel {
    /// Loads `config.json` and `model.safetensors` from a model folder (e.g. the one
    /// `ModelStore.resolve("minilm-l6-v2")` returns).
    public static func load(directory: URL) throws(BERTError) -> BERTModel {
        let configuration = try BERTConfiguration(configJSON: directory.appendingPathComponent("config.json"))
        return try BERTModel(
            configuration: configuration, safetensors: directory.appendingPathComponent("model.safetensors"))
    }

    /// Loads the weights of a model with `configuration` from a safetensors file.
    public convenience init(configuration: BERTConfiguration, safetensors url: URL) throws(BERTError) {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(contentsOf: url) } catch {
            throw .weights(path: url.path, reason: error.localizedDescription)
        }
        try self.init(configuration: configuration, weights: file)
    }

    /// Loads the weights of a model with `configuration` from an opened safetensors file.
    public convenience init(configuration: BERTConfiguration, weights file: SafeTensorsFile) throws(BERTError) {
        // Sanitise: checkpoint name → the file's entry, for the names this encoder reads.
        var entries: [String: SafeTensorInfo] = [:]
        for info in file.tensors {
            guard let name = Self.sanitisedCheckpointName(info.name) else { continue }
            entries[name] = info
        }
        // Bound the work by the file: every layer needs 16 tensors, so a layer count the file
        // cannot hold is refused before the names of its layers are listed.
        guard configuration.layerCount <= entries.count / 16 + 1 else {
            throw .invalidValue(
                path: file.path, key: "num_hidden_layers", value: "\(configuration.layerCount)",
                reason:
                    "the weights hold \(entries.count) encoder tensors, room for at most \(entries.count / 16) layers of 16; config.json does not describe this file"
            )
        }
        // Verify every tensor before reading any data.
        var plan: [(name: String, info: SafeTensorInfo)] = []
        for (name, shape) in Self.weightNames(for: configuration) {
            let checkpoint = Self.checkpointName(for: name)
            guard let info = entries[checkpoint] else { throw .missingTensor(path: file.path, tensor: checkpoint) }
            guard info.shape == shape else {
                throw .shapeMismatch(path: file.path, tensor: info.name, expected: shape, actual: info.shape)
            }
            plan.append((name, info))
        }
        // Commit.
        var parameters = Parameters()
        for (name, info) in plan {
            let values: [Float]
            do { values = try file.floats(info.name) } catch {
                throw .weights(path: file.path, reason: error.localizedDescription)
            }
            guard values.allSatisfy({ $0.isFinite }) else {
                throw .weights(path: file.path, reason: "tensor '\(info.name)' holds NaN or infinite values")
            }
            parameters.add(name, Tensor(values, shape: info.shape))
        }
        self.init(configuration: configuration, parameters: parameters)
    }

    /// The Hugging Face `BertModel` name of an Arbiter parameter name.
    public static func checkpointName(for name: String) -> String {
        let fixed: [String: String] = [
            "embeddings.word": "embeddings.word_embeddings.weight",
            "embeddings.position": "embeddings.position_embeddings.weight",
            "embeddings.tokenType": "embeddings.token_type_embeddings.weight",
            "embeddings.norm.weight": "embeddings.LayerNorm.weight",
            "embeddings.norm.bias": "embeddings.LayerNorm.bias",
        ]
        if let mapped = fixed[name] { return mapped }
        // layers.<i>.<block>.<part>.<weight|bias>
        let parts = name.split(separator: ".").map(String.init)
        guard parts.count == 5, parts[0] == "layers" else { return name }
        let layer = "encoder.layer.\(parts[1])."
        let blocks: [String: String] = [
            "attention.query": "attention.self.query", "attention.key": "attention.self.key",
            "attention.value": "attention.self.value", "attention.output": "attention.output.dense",
            "attention.norm": "attention.output.LayerNorm", "feedForward.intermediate": "intermediate.dense",
            "feedForward.output": "output.dense", "feedForward.norm": "output.LayerNorm",
        ]
        guard let block = blocks[parts[2] + "." + parts[3]] else { return name }
        return layer + block + "." + parts[4]
    }

    /// A checkpoint name in plain `BertModel` form, or nil for tensors the encoder does not use.
    static func sanitisedCheckpointName(_ raw: String) -> String? {
        var name = raw
        if name.hasPrefix("bert.") { name.removeFirst("bert.".count) }
        // pooler, cls, heads
        guard name.hasPrefix("embeddings.") || name.hasPrefix("encoder.layer.") else { return nil }
        if name == "embeddings.position_ids" { return nil }
        if name.hasSuffix("LayerNorm.gamma") { name = String(name.dropLast("gamma".count)) + "weight" }
        if name.hasSuffix("LayerNorm.beta") { name = String(name.dropLast("beta".count)) + "bias" }
        return name
    }
}
