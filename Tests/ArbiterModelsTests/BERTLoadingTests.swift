// BERTLoadingTests: BERTConfiguration from config.json and BERTModel weight loading on tiny,
// randomly initialised models written to safetensors with Hugging Face names: the name mapping
// round-trips, and bad config.json / missing tensors / wrong shapes / fuzzed bytes give typed
// errors naming the key or tensor (never a trap). Also a finite-difference gradient check.
import ArbiterCore
import ArbiterModels
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

/// Tiny BERT models for loading and gradient tests.
enum BERTTiny {
    static var configJSON: [String: Any] {
        [
            "model_type": "bert", "vocab_size": 50, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
            "intermediate_size": 16, "hidden_act": "gelu", "layer_norm_eps": 1e-12, "max_position_embeddings": 16,
            "type_vocab_size": 2, "position_embedding_type": "absolute",
        ]
    }

    static func configuration(_ overrides: [String: Any] = [:]) throws -> BERTConfiguration {
        try BERTConfiguration(configJSONData: json(overrides))
    }

    static func json(_ overrides: [String: Any] = [:], removing: [String] = []) throws -> Data {
        var object = configJSON.merging(overrides) { $1 }
        for key in removing { object[key] = nil }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// `model`'s weights under Hugging Face names (plus an unused pooler the loader must drop).
    static func checkpointEntries(_ model: BERTModel, prefix: String = "") -> [SafeTensorsEntry] {
        var entries = model.parameters.map { p in
            SafeTensorsEntry(
                name: prefix + BERTModel.checkpointName(for: p.name), shape: p.tensor.shape, values: p.tensor.scalars)
        }
        let c = model.configuration.hiddenSize
        entries.append(
            SafeTensorsEntry(
                name: prefix + "pooler.dense.weight", shape: [c, c], values: [Float](repeating: 0.5, count: c * c)))
        return entries
    }

    static func file(_ entries: [SafeTensorsEntry]) throws -> SafeTensorsFile {
        try SafeTensorsFile(
            data: SafeTensorsWriter.serialize(entries, metadata: ["format": "pt"]), path: "tiny.safetensors")
    }
}

@Suite struct BERTLoadingTests {
    @Test func readsConfigJSON() throws {
        let config = try BERTTiny.configuration()
        #expect(config.vocabularySize == 50 && config.hiddenSize == 8 && config.layerCount == 2)
        #expect(config.attentionHeadCount == 2 && config.headSize == 4 && config.intermediateSize == 16)
        #expect(config.activation == .geluErf && config.layerNormEpsilon == 1e-12)
        #expect(config.maxPositionEmbeddings == 16 && config.typeVocabularySize == 2)
        #expect(try BERTTiny.configuration(["hidden_act": "gelu_new"]).activation == .geluTanh)
        // Optional keys fall back to BERT's defaults.
        let defaults = try BERTConfiguration(
            configJSONData: BERTTiny.json(removing: [
                "hidden_act", "layer_norm_eps", "max_position_embeddings", "type_vocab_size", "model_type",
            ]))
        #expect(defaults.activation == .geluErf && defaults.layerNormEpsilon == 1e-12)
        #expect(defaults.maxPositionEmbeddings == 512 && defaults.typeVocabularySize == 2)
    }

    @Test func badConfigJSONGivesTypedErrorsNamingTheKey() throws {
        func error(_ data: Data) -> BERTError? {
            do {
                _ = try BERTConfiguration(configJSONData: data, source: "config.json")
                return nil
            } catch { return error }
        }
        #expect(
            error(try BERTTiny.json(removing: ["hidden_size"])) == .missingKey(path: "config.json", key: "hidden_size"))
        #expect(
            error(try BERTTiny.json(["hidden_size": "384"]))
                == .wrongType(path: "config.json", key: "hidden_size", expected: "an integer"))
        #expect(
            error(try BERTTiny.json(["num_hidden_layers": true]))
                == .wrongType(path: "config.json", key: "num_hidden_layers", expected: "an integer"))
        #expect(
            error(try BERTTiny.json(["vocab_size": 2.5]))
                == .wrongType(path: "config.json", key: "vocab_size", expected: "an integer"))
        #expect(
            error(try BERTTiny.json(["layer_norm_eps": "tiny"]))
                == .wrongType(path: "config.json", key: "layer_norm_eps", expected: "a number"))
        let heads = error(try BERTTiny.json(["num_attention_heads": 3]))
        guard case .invalidValue(_, "num_attention_heads", "3", _)? = heads else {
            Issue.record("got \(String(describing: heads))")
            return
        }
        guard case .invalidValue(_, "intermediate_size", _, _)? = error(try BERTTiny.json(["intermediate_size": 0]))
        else {
            Issue.record("intermediate_size 0 accepted")
            return
        }
        guard case .invalidValue(_, "layer_norm_eps", _, _)? = error(try BERTTiny.json(["layer_norm_eps": -1])) else {
            Issue.record("negative layer_norm_eps accepted")
            return
        }
        #expect(
            error(try BERTTiny.json(["hidden_act": "swish"]))
                == .unsupported(
                    path: "config.json", key: "hidden_act", value: "swish",
                    supported: ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu"]))
        #expect(
            error(try BERTTiny.json(["model_type": "roberta"]))
                == .unsupported(path: "config.json", key: "model_type", value: "roberta", supported: ["bert"]))
        guard
            case .unsupported(_, "position_embedding_type", _, _)? = error(
                try BERTTiny.json(["position_embedding_type": "relative_key"]))
        else {
            Issue.record("relative position embeddings accepted")
            return
        }
        guard case .invalidJSON? = error(Data("{\"hidden_size\": 3".utf8)),
            case .invalidJSON? = error(Data("[1, 2]".utf8))
        else {
            Issue.record("malformed JSON not reported")
            return
        }
        let message = try #require(error(try BERTTiny.json(removing: ["vocab_size"]))?.errorDescription)
        #expect(message.contains("config.json") && message.contains("vocab_size"))
        let missingFile = URL(fileURLWithPath: "/nonexistent/config.json")
        #expect(throws: BERTError.self) { try BERTConfiguration(configJSON: missingFile) }
    }

    @Test func fuzzedConfigJSONParsesOrThrows() throws {
        let good = try BERTTiny.json()
        var rng = SeededRNG(seed: 2024)
        var parsed = 0
        var rejected = 0
        for _ in 0..<200 {
            var bytes = [UInt8](good)
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: i)
                default: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                }
            }
            do {
                _ = try BERTConfiguration(configJSONData: Data(bytes))
                parsed += 1
            } catch {
                rejected += 1
            }
        }
        #expect(parsed + rejected == 200 && rejected > 0)
    }

    @Test func weightsRoundTripThroughCheckpointNames() throws {
        let config = try BERTTiny.configuration()
        let original = BERTModel(configuration: config, seed: 11)
        let batch = BERTBatch(sequences: [[1, 5, 9, 2], [1, 7, 2]], tokenTypes: [[0, 0, 1, 1], [0, 1, 1]])
        let expected = Tensor.noGrad { original(batch) }.scalars
        for prefix in ["", "bert."] {
            let loaded = try BERTModel(
                configuration: config, weights: BERTTiny.file(BERTTiny.checkpointEntries(original, prefix: prefix)))
            #expect(loaded.parameters.names == original.parameters.names)
            #expect(Tensor.noGrad { loaded(batch) }.scalars == expected, "prefix \(prefix)")
        }
        #expect(
            BERTModel.checkpointName(for: "layers.1.attention.norm.weight")
                == "encoder.layer.1.attention.output.LayerNorm.weight")
        #expect(
            BERTModel.checkpointName(for: "layers.0.feedForward.output.bias") == "encoder.layer.0.output.dense.bias")
        #expect(BERTModel.checkpointName(for: "embeddings.word") == "embeddings.word_embeddings.weight")
    }

    @Test func missingTensorIsNamed() throws {
        let config = try BERTTiny.configuration()
        let entries = BERTTiny.checkpointEntries(BERTModel(configuration: config, seed: 1))
            .filter { $0.name != "encoder.layer.1.intermediate.dense.bias" }
        #expect(
            throws: BERTError.missingTensor(path: "tiny.safetensors", tensor: "encoder.layer.1.intermediate.dense.bias")
        ) {
            try BERTModel(configuration: config, weights: BERTTiny.file(entries))
        }
    }

    /// A config.json layer count the weights cannot hold is refused before any per-layer work
    /// (it listed 16 names per layer first: 2^31 layers grew without bound).
    @Test func layerCountBeyondTheWeightsIsRefusedBeforeAllocating() throws {
        let entries = BERTTiny.checkpointEntries(BERTModel(configuration: try BERTTiny.configuration(), seed: 1))
        let huge = try BERTTiny.configuration(["num_hidden_layers": 2_147_483_647])
        #expect {
            try BERTModel(configuration: huge, weights: BERTTiny.file(entries))
        } throws: { error in
            guard case BERTError.invalidValue(_, let key, let value, _) = error else { return false }
            return key == "num_hidden_layers" && value == "2147483647"
        }
    }

    @Test func wrongShapeNamesTensorAndBothShapes() throws {
        let config = try BERTTiny.configuration()
        var entries = BERTTiny.checkpointEntries(BERTModel(configuration: config, seed: 1))
        let index = try #require(entries.firstIndex { $0.name == "encoder.layer.0.attention.self.key.weight" })
        entries[index] = SafeTensorsEntry(name: entries[index].name, shape: [4, 16], values: entries[index].values)
        let expected = BERTError.shapeMismatch(
            path: "tiny.safetensors", tensor: "encoder.layer.0.attention.self.key.weight", expected: [8, 8],
            actual: [4, 16])
        #expect(throws: expected) { try BERTModel(configuration: config, weights: BERTTiny.file(entries)) }
        let message = try #require(expected.errorDescription)
        #expect(
            message.contains("[8, 8]") && message.contains("[4, 16]") && message.contains("attention.self.key.weight"))
        // A config that disagrees with the weights (a different vocabulary size) is caught the same way.
        let bigger = try BERTTiny.configuration(["vocab_size": 60])
        #expect(
            throws: BERTError.shapeMismatch(
                path: "tiny.safetensors", tensor: "embeddings.word_embeddings.weight", expected: [60, 8],
                actual: [50, 8])
        ) {
            try BERTModel(
                configuration: bigger,
                weights: BERTTiny.file(BERTTiny.checkpointEntries(BERTModel(configuration: config, seed: 1))))
        }
    }

    @Test func nonFiniteWeightsAndMissingFilesAreTypedErrors() throws {
        let config = try BERTTiny.configuration()
        var entries = BERTTiny.checkpointEntries(BERTModel(configuration: config, seed: 1))
        entries[0].values[0] = .nan
        #expect(throws: BERTError.self) { try BERTModel(configuration: config, weights: BERTTiny.file(entries)) }
        #expect(throws: BERTError.self) {
            try BERTModel(configuration: config, safetensors: URL(fileURLWithPath: "/nonexistent/model.safetensors"))
        }
        #expect(throws: BERTError.self) { try BERTModel.load(directory: URL(fileURLWithPath: "/nonexistent")) }
    }

    @Test func fuzzedWeightFilesLoadOrThrow() throws {
        let config = try BERTTiny.configuration(["num_hidden_layers": 1, "vocab_size": 12])
        let good = [UInt8](
            try SafeTensorsWriter.serialize(
                BERTTiny.checkpointEntries(BERTModel(configuration: config, seed: 9)), metadata: ["format": "pt"]))
        let headerEnd = 8 + Int(good[0]) + Int(good[1]) << 8  // mutate mostly inside the JSON header
        var rng = SeededRNG(seed: 77)
        var loaded = 0
        var rejected = 0
        for round in 0..<200 {
            var bytes = good
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let limit = round % 4 == 0 ? bytes.count : min(headerEnd, bytes.count)
                let i = Int(rng.next() % UInt64(limit))
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            if round % 10 == 0 { bytes.removeLast(Int(rng.next() % 64) + 1) }
            do {
                let model = try BERTModel(
                    configuration: config, weights: SafeTensorsFile(data: Data(bytes), path: "fuzz"))
                #expect(model.parameters.count == 5 + 16)
                loaded += 1
            } catch is BERTError {
                rejected += 1
            } catch is SafeTensorsError {
                rejected += 1
            }
        }
        #expect(loaded + rejected == 200 && loaded > 0 && rejected > 0)
    }

    @Test func finiteDifferencesAgreeWithBackward() throws {
        let config = try BERTTiny.configuration(["num_hidden_layers": 1])
        let model = BERTModel(configuration: config, seed: 3)
        let batch = BERTBatch(sequences: [[1, 4, 9, 2], [1, 6, 2]])
        var rng = SeededRNG(seed: 5)
        let weights = Tensor.randomNormal([2, 4, 8], using: &rng)  // (B, T, C)
        for c in 0..<8 { weights[1, 3, c] = 0 }  // the loss ignores the padded position of row 1
        func loss() -> Float { (model(batch) * weights).sum().item() }
        model.parameters.zeroGrad()
        (model(batch) * weights).sum().backward()
        let table = try #require(model.parameters["embeddings.word"])
        let grad = try #require(table.grad).scalars
        // Float32 central differences with h = 1e-3 (the embedding std is 0.02 and LayerNorm scales by ~50, so h must be small; fp32 rounding of the loss then limits agreement to ~1e-2 absolute).
        for (row, column) in [(4, 0), (9, 3), (6, 7), (2, 5)] {
            let i = row * 8 + column
            let saved = table[row, column]
            table[row, column] = saved + 1e-3
            let plus = Tensor.noGrad { loss() }
            table[row, column] = saved - 1e-3
            let minus = Tensor.noGrad { loss() }
            table[row, column] = saved
            let numeric = (plus - minus) / 2e-3
            #expect(
                abs(numeric - grad[i]) <= 2e-2 + 1e-2 * abs(grad[i]),
                "d/dword[\(row), \(column)]: numeric \(numeric), backward \(grad[i])")
        }
        // Id 0 appears only as padding (row 1, position 3): masked keys must not reach real tokens,
        // so its embedding row gets exactly zero gradient.
        #expect(grad[0..<8].allSatisfy { $0 == 0 }, "padding leaked into real tokens: \(Array(grad[0..<8]))")
        #expect(grad[(4 * 8)..<(5 * 8)].contains { $0 != 0 })
    }
}
