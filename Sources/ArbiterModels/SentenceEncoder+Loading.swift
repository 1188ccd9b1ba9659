// SentenceEncoder+Loading: builds a SentenceEncoder from a sentence-transformers model folder
// (config.json, model.safetensors, tokenizer.json, sentence_bert_config.json, modules.json,
// 1_Pooling/config.json) or from a ModelStore name such as "minilm-l6-v2". Optional files fall back
// to sentence-transformers' defaults; present but unusable ones are typed errors naming the key.
import ArbiterCore
import Foundation

extension SentenceEncoder {
    /// Loads the encoder in `directory`. Throws `BERTError` (configuration, weights, pooling),
    /// `TokenizerError` (tokenizer.json).
    public static func load(directory: URL) throws -> SentenceEncoder {
        let model = try BERTModel.load(directory: directory)
        let settings = try SentenceEncoderSettings(
            directory: directory, modelMaxPositions: model.configuration.maxPositionEmbeddings)
        let tokenizer = try WordPieceTokenizer(
            tokenizerJSON: directory.appendingPathComponent("tokenizer.json"), maxLength: settings.maxSequenceLength)
        return try SentenceEncoder(
            model: model, tokenizer: tokenizer, maxSequenceLength: settings.maxSequenceLength,
            pooling: settings.pooling,
            normalizes: settings.normalizes, lowercasesInput: settings.lowercasesInput, source: directory.path)
    }

    /// Loads a registered model (e.g. `"minilm-l6-v2"`) or a folder path through `store`
    /// (fetching it into the cache first when `fetchIfMissing`). Also throws `ModelStoreError`.
    public static func load(named name: String, store: ModelStore = ModelStore(), fetchIfMissing: Bool = false) throws
        -> SentenceEncoder
    {
        let resolved = try store.resolve(name, fetchIfMissing: fetchIfMissing)
        guard resolved.format == .safetensors else {
            throw BERTError.unsupported(
                path: resolved.url.path, key: "format", value: resolved.format.rawValue, supported: ["safetensors"])
        }
        let isFolder = (try? resolved.url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) ?? false
        return try load(directory: isFolder ? resolved.url : resolved.url.deletingLastPathComponent())
    }
}

/// The sentence-transformers settings of a model folder.
struct SentenceEncoderSettings: Equatable {
    var maxSequenceLength: Int
    var lowercasesInput: Bool
    var pooling: SentencePooling
    var normalizes: Bool

    init(directory: URL, modelMaxPositions: Int) throws(BERTError) {
        let files = FileManager.default
        let bertConfig = directory.appendingPathComponent("sentence_bert_config.json")
        maxSequenceLength = modelMaxPositions
        lowercasesInput = false
        if files.fileExists(atPath: bertConfig.path) {
            let json = try BERTJSON.load(bertConfig)
            maxSequenceLength = try json.optionalInt("max_seq_length") ?? modelMaxPositions
            lowercasesInput = try json.optionalBool("do_lower_case") ?? false
        }
        // modules.json: the pipeline; its Pooling entry names the pooling folder, a Normalize entry
        // turns on L2 normalisation. Without the file: mean pooling from 1_Pooling, no Normalize.
        var poolingFolder = "1_Pooling"
        normalizes = false
        let modulesURL = directory.appendingPathComponent("modules.json")
        if files.fileExists(atPath: modulesURL.path) {
            let modules = try Self.modules(modulesURL)
            for (index, module) in modules.enumerated() {
                if module.type.hasSuffix(".Pooling") {
                    guard let path = module.path else {
                        throw .missingKey(path: modulesURL.path, key: "[\(index)].path")
                    }
                    poolingFolder = path
                }
                if module.type.hasSuffix(".Normalize") { normalizes = true }
            }
        }
        pooling = .mean
        let poolingURL = directory.appendingPathComponent(poolingFolder).appendingPathComponent("config.json")
        if files.fileExists(atPath: poolingURL.path) {
            let json = try BERTJSON.load(poolingURL)
            var modes: [SentencePooling] = []
            if try json.optionalBool("pooling_mode_mean_tokens") ?? false { modes.append(.mean) }
            if try json.optionalBool("pooling_mode_cls_token") ?? false { modes.append(.classToken) }
            for key in [
                "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
                "pooling_mode_lasttoken",
            ] {
                if try json.optionalBool(key) ?? false {
                    throw .unsupported(
                        path: poolingURL.path, key: key, value: "true",
                        supported: ["pooling_mode_mean_tokens", "pooling_mode_cls_token"])
                }
            }
            guard modes.count == 1, let mode = modes.first else {
                throw .invalidValue(
                    path: poolingURL.path, key: "pooling_mode_mean_tokens", value: "\(modes.count) modes on",
                    reason: "exactly one of pooling_mode_mean_tokens and pooling_mode_cls_token must be true")
            }
            pooling = mode
        }
    }

    /// (type, path) of each entry of a modules.json array.
    static func modules(_ url: URL) throws(BERTError) -> [(type: String, path: String?)] {
        let data: Data
        do { data = try RegularFile.read(url) } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw .invalidJSON(path: url.path, reason: error.localizedDescription)
        }
        guard let entries = parsed as? [Any] else {
            throw .invalidJSON(path: url.path, reason: "the top level is not an array")
        }
        var result: [(type: String, path: String?)] = []
        for (index, entry) in entries.enumerated() {
            guard let object = entry as? [String: Any] else {
                throw .wrongType(path: url.path, key: "[\(index)]", expected: "an object")
            }
            guard let type = object["type"] as? String else {
                throw .missingKey(path: url.path, key: "[\(index)].type")
            }
            result.append((type, object["path"] as? String))
        }
        return result
    }
}
