// BERTSentenceEncoderTests: SentenceEncoder's reading of a sentence-transformers folder
// (sentence_bert_config.json, modules.json, 1_Pooling/config.json) on a tiny random BERT that
// shares all-MiniLM-L6-v2's tokenizer.json: pooling modes, normalisation, truncation, and typed
// errors for unusable settings. The MiniLM numbers themselves are in BERTMiniLMTests.
import ArbiterModels
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct BERTSentenceEncoderTests {
    /// A temporary model folder: tiny BERT (vocab 30522 to fit the MiniLM tokenizer), its
    /// config.json and weights, the MiniLM tokenizer.json, and the given sentence-transformers files.
    static func folder(
        maxSequenceLength: Any = 12, pooling: [String: Any] = ["pooling_mode_mean_tokens": true],
        modules: [[String: Any]]? = [
            ["idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"],
            ["idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"],
            ["idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"],
        ]
    ) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bert-encoder-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
        let configData = try BERTTiny.json(["vocab_size": 30522, "max_position_embeddings": 16])
        try configData.write(to: dir.appendingPathComponent("config.json"))
        let model = BERTModel(configuration: try BERTConfiguration(configJSONData: configData), seed: 21)
        try SafeTensorsWriter.write(
            BERTTiny.checkpointEntries(model), metadata: ["format": "pt"],
            to: dir.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(
            at: TestModels.miniLMDirectory().appendingPathComponent("tokenizer.json"),
            to: dir.appendingPathComponent("tokenizer.json"))
        try JSONSerialization.data(withJSONObject: ["max_seq_length": maxSequenceLength, "do_lower_case": false])
            .write(to: dir.appendingPathComponent("sentence_bert_config.json"))
        try JSONSerialization.data(withJSONObject: pooling).write(
            to: dir.appendingPathComponent("1_Pooling/config.json"))
        if let modules {
            try JSONSerialization.data(withJSONObject: modules).write(to: dir.appendingPathComponent("modules.json"))
        }
        return dir
    }

    static func norm(_ v: [Float]) -> Double { v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }

    @Test func loadsFolderAndEncodes() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = try SentenceEncoder.load(directory: dir)
        #expect(
            encoder.maxSequenceLength == 12 && encoder.pooling == .mean && encoder.normalizes && encoder.dimension == 8)
        let sentences = [
            "A man is eating food.", "", "A much longer sentence that will certainly be truncated to twelve tokens.",
        ]
        let embeddings = encoder.encode(sentences)
        #expect(embeddings.count == 3 && embeddings.allSatisfy { $0.count == 8 })
        for e in embeddings { #expect(abs(Self.norm(e) - 1) <= 1e-5) }
        #expect(encoder.tokenize(sentences[2]).count == 12)
        #expect(encoder.encode([String]()).isEmpty)
        // Batch size does not change the result beyond rounding; identical inputs give identical outputs.
        let oneByOne = encoder.encode(sentences, batchSize: 1)
        for (a, b) in zip(embeddings, oneByOne) { #expect(maxAbsDifference(a, b) <= 1e-6) }
        #expect(encoder.encode(sentences[0]) == encoder.encode(sentences[0]))
        // Loading through ModelStore with a folder path gives the same encoder.
        let viaStore = try SentenceEncoder.load(named: dir.path)
        #expect(viaStore.encode(sentences[0]) == encoder.encode(sentences[0]))
    }

    @Test func meanPoolingMatchesManualAverage() throws {
        let dir = try Self.folder(modules: nil)  // no modules.json: no Normalize module
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = try SentenceEncoder.load(directory: dir)
        #expect(!encoder.normalizes)
        let ids = encoder.tokenize("a man is eating")
        let hidden = Tensor.noGrad { encoder.model(BERTBatch(sequences: [ids])) }.scalars  // (1, T, 8)
        var manual = [Double](repeating: 0, count: 8)
        for t in 0..<ids.count { for c in 0..<8 { manual[c] += Double(hidden[t * 8 + c]) / Double(ids.count) } }
        #expect(maxAbsDifference(encoder.encode("a man is eating"), manual) <= 1e-6)
    }

    @Test func classTokenPooling() throws {
        let dir = try Self.folder(pooling: ["pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false])
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = try SentenceEncoder.load(directory: dir)
        #expect(encoder.pooling == .classToken)
        let ids = encoder.tokenize("a man is eating")
        let hidden = Tensor.noGrad { encoder.model(BERTBatch(sequences: [ids])) }.scalars
        let first = Array(hidden[0..<8])
        let n = Self.norm(first)
        #expect(maxAbsDifference(encoder.encode("a man is eating"), first.map { Double($0) / n }) <= 1e-6)
    }

    @Test func unusableSettingsAreTypedErrors() throws {
        func loadError(_ dir: URL) -> BERTError? {
            defer { try? FileManager.default.removeItem(at: dir) }
            do {
                _ = try SentenceEncoder.load(directory: dir)
                return nil
            } catch { return error as? BERTError }
        }
        guard case .invalidValue(_, "max_seq_length", "40", _)? = loadError(try Self.folder(maxSequenceLength: 40))
        else {
            Issue.record("max_seq_length beyond max_position_embeddings accepted")
            return
        }
        guard case .wrongType(_, "max_seq_length", _)? = loadError(try Self.folder(maxSequenceLength: "long")) else {
            Issue.record("string max_seq_length accepted")
            return
        }
        guard
            case .unsupported(_, "pooling_mode_max_tokens", _, _)? = loadError(
                try Self.folder(pooling: ["pooling_mode_max_tokens": true, "pooling_mode_mean_tokens": false]))
        else {
            Issue.record("max pooling accepted")
            return
        }
        guard
            case .invalidValue(_, _, _, _)? = loadError(
                try Self.folder(pooling: ["pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true]))
        else {
            Issue.record("two pooling modes accepted")
            return
        }
        guard case .missingKey(_, "[0].type")? = loadError(try Self.folder(modules: [["idx": 0]])) else {
            Issue.record("modules.json entry without type accepted")
            return
        }
    }

    @Test func cosineSimilarityBasics() {
        #expect(SentenceEncoder.cosineSimilarity([1, 0], [0, 1]) == 0)
        #expect(abs(SentenceEncoder.cosineSimilarity([1, 2, 3], [2, 4, 6]) - 1) <= 1e-7)
        #expect(abs(SentenceEncoder.cosineSimilarity([1, 2], [-1, -2]) + 1) <= 1e-7)
        #expect(SentenceEncoder.cosineSimilarity([0, 0], [1, 1]) == 0)
        let m = SentenceEncoder.cosineSimilarityMatrix([[1, 0], [1, 1]])
        #expect(m.count == 2 && m[0][0] == 1 && abs(m[0][1] - 0.70710678) <= 1e-6 && m[1][0] == m[0][1])
    }
}
