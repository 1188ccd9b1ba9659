// PeerBench+Inputs: what the peer-compared suites (prefill, decode, minilm) share with the
// llama.cpp and PyTorch peers that Benchmarks/scripts/run-peers.sh runs after them: the bundled
// texts they measure on (Data/), the JSON files they write so the python side reads the very same
// token ids and sentences, the models' locations, and the one `RESULT {json}` line each suite
// prints for the runner to parse. Not a benchmark and not a test.
import ArbiterModels
import Foundation

/// A failure to prepare a peer benchmark's inputs; the message names the file and the fix.
enum PeerBenchError: Error, LocalizedError {
    case unreadableData(path: String, reason: String)
    case tooFewTokens(path: String, found: Int, needed: Int)
    case tooFewTexts(path: String, found: Int, needed: Int)

    var errorDescription: String? {
        switch self {
        case .unreadableData(let path, let reason):
            "PeerBench: cannot read \(path) (\(reason)); run from a full checkout, where Data/ holds the bundled JSONL files"
        case .tooFewTokens(let path, let found, let needed):
            "PeerBench: the texts of \(path) give \(found) tokens, fewer than the \(needed) the prompt needs; lower the prompt length"
        case .tooFewTexts(let path, let found, let needed):
            "PeerBench: \(path) has \(found) usable texts, fewer than the \(needed) asked for; lower the sentence count"
        }
    }
}

enum PeerBench {
    /// The repository root (this file is Benchmarks/ArbiterBench/PeerBench+Inputs.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Where the suites write the inputs the peers read: `$ARBITER_BENCH_INPUTS`, else
    /// `<tmp>/arbiter-peer-inputs`.
    static var inputsDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["ARBITER_BENCH_INPUTS"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-peer-inputs")
    }

    /// A positive integer from the environment, or `fallback`.
    static func setting(_ name: String, _ fallback: Int) -> Int {
        guard let text = ProcessInfo.processInfo.environment[name], let n = Int(text), n > 0 else { return fallback }
        return n
    }

    /// The string fields `keys` of every line of the JSONL file at `relativePath` (under the
    /// repository root), in file order, skipping empty strings.
    static func texts(_ relativePath: String, keys: [String]) throws -> [String] {
        let url = repositoryRoot.appendingPathComponent(relativePath)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PeerBenchError.unreadableData(path: url.path, reason: error.localizedDescription)
        }
        var out: [String] = []
        for (number, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw PeerBenchError.unreadableData(path: "\(url.path):\(number + 1)", reason: "not a JSON object")
            }
            for key in keys { if let text = object[key] as? String, !text.isEmpty { out.append(text) } }
        }
        return out
    }

    /// The first `count` token ids of the bundled SummEval articles (joined by blank lines),
    /// tokenised by the model's own tokenizer without special tokens.
    static func promptTokens(_ tokenizer: BPETokenizer, count: Int) throws -> [Int] {
        let path = "Data/summeval-consistency/samples.jsonl"
        var ids: [Int] = []
        var text = ""
        for article in try texts(path, keys: ["prompt"]) {
            text += text.isEmpty ? article : "\n\n" + article
            ids = tokenizer.encode(text, addSpecialTokens: false)
            if ids.count >= count { return Array(ids.prefix(count)) }
        }
        throw PeerBenchError.tooFewTokens(path: path, found: ids.count, needed: count)
    }

    /// `count` real texts for the sentence encoder: the SummEval summaries, then PandaLM's
    /// response pairs, in file order.
    static func sentences(count: Int) throws -> [String] {
        let all =
            try texts("Data/summeval-consistency/samples.jsonl", keys: ["response"])
            + texts("Data/pandalm/samples.jsonl", keys: ["response_a", "response_b"])
        guard all.count >= count else {
            throw PeerBenchError.tooFewTexts(
                path: "Data/summeval-consistency + Data/pandalm", found: all.count, needed: count)
        }
        return Array(all.prefix(count))
    }

    /// Writes `object` as JSON to `name` inside `inputsDirectory` and returns the file.
    @discardableResult
    static func writeInput(_ object: [String: Any], named name: String) throws -> URL {
        let dir = inputsDirectory
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: url, options: .atomic)
        return url
    }

    /// Prints the suite's machine-readable line: `RESULT {"suite": …, …}`.
    static func report(_ suite: String, _ fields: [String: Any]) {
        var all = fields
        all["suite"] = suite
        all["side"] = "arbiter"
        guard let data = try? JSONSerialization.data(withJSONObject: all, options: [.sortedKeys]) else {
            print("RESULT {\"suite\": \"\(suite)\", \"error\": \"unserialisable result\"}")
            return
        }
        print("RESULT " + String(decoding: data, as: UTF8.self))
    }

    /// Loads SmolLM2 from `$ARBITER_BENCH_GGUF`, else from the model cache (`arbiter models fetch
    /// smollm2-135m` puts it there).
    /// `arithmetic` as given (the `prefill` suite runs `.exact`, `prefill-quantized` `.fast`);
    /// `ARBITER_BENCH_FP32_DECODE=1` forces `.exact` (fp32 + BLAS throughout).
    static func loadLanguageModel(arithmetic: ModelArithmetic = .fast) throws -> LanguageModel {
        let fp32 = ProcessInfo.processInfo.environment["ARBITER_BENCH_FP32_DECODE"] == "1"
        let options = LlamaLoadOptions(arithmetic: fp32 ? .exact : arithmetic)
        if let path = ProcessInfo.processInfo.environment["ARBITER_BENCH_GGUF"], !path.isEmpty {
            return try LanguageModel.load(URL(fileURLWithPath: path), options: options)
        }
        return try LanguageModel.load(ModelStore().resolve("smollm2-135m").url, options: options)
    }
}
