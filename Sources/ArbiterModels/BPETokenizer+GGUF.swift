// BPETokenizer+GGUF: builds the byte-level BPE tokenizer from GGUF metadata (`tokenizer.ggml.*`,
// the keys llama.cpp writes): model `gpt2`, the `pre` name → PreTokenizerRule, tokens, merges,
// token types, special ids and add-BOS/EOS flags. Reading the GGUF file is GGUFFile's job.
import Foundation

extension BPETokenizer {
    /// `tokenizer.ggml.pre` names this loader understands, and the rule each stands for
    /// (llama.cpp groups: StarCoder/Refact/SmolLM isolate digits before the GPT-2 regex).
    public static let ggufPreTokenizers: [String: PreTokenizerRule] = [
        "default": .gpt2, "gpt2": .gpt2, "gpt-2": .gpt2,
        "smollm": .smollm, "starcoder": .smollm, "refact": .smollm,
        "llama-bpe": .llama3, "llama3": .llama3, "llama-v3": .llama3,
        "qwen2": .qwen2,
    ]

    /// The tokenizer of a GGUF model file.
    public init(gguf file: GGUFFile) throws {
        try self.init(ggufMetadata: file.metadata, source: file.url.path)
    }

    /// Builds the tokenizer from GGUF metadata.
    ///
    /// Reads `tokenizer.ggml.model` (must be `gpt2`), `.pre` (absent = `default`), `.tokens`, `.merges`,
    /// `.token_type`, `.bos_token_id`, `.eos_token_id`, `.padding_token_id`, `.unknown_token_id`,
    /// `.add_bos_token`, `.add_eos_token` (absent = false). Control (3) and user-defined (4) tokens are
    /// matched literally in text. Llama 3 pre-tokenization also turns on `ignoresMerges`, as llama.cpp does.
    /// - Throws: `TokenizerError` naming `source` and the key.
    public init(ggufMetadata metadata: [String: GGUFValue], source: String = "GGUF metadata") throws {
        func value(_ key: String) -> GGUFValue? { metadata["tokenizer.ggml.\(key)"] }
        func keyPath(_ key: String) -> String { "tokenizer.ggml.\(key)" }
        func string(_ key: String) throws -> String? {
            guard let v = value(key) else { return nil }
            guard let s = v.stringValue else {
                throw TokenizerError.wrongType(source: source, keyPath: keyPath(key), expected: "a string")
            }
            return s
        }
        func strings(_ key: String) throws -> [String] {
            guard let v = value(key) else { throw TokenizerError.missingKey(source: source, keyPath: keyPath(key)) }
            guard let s = v.stringArray else {
                throw TokenizerError.wrongType(source: source, keyPath: keyPath(key), expected: "an array of strings")
            }
            return s
        }
        func tokenID(_ key: String, count: Int) throws -> Int? {
            guard let v = value(key) else { return nil }
            guard let id = v.intValue else {
                throw TokenizerError.wrongType(source: source, keyPath: keyPath(key), expected: "an integer token id")
            }
            guard (0..<count).contains(id) else {
                throw TokenizerError.invalidValue(
                    source: source, keyPath: keyPath(key), reason: "id \(id) is outside the \(count)-token vocabulary")
            }
            return id
        }
        func flag(_ key: String) throws -> Bool {
            guard let v = value(key) else { return false }
            guard let b = v.boolValue else {
                throw TokenizerError.wrongType(source: source, keyPath: keyPath(key), expected: "a bool")
            }
            return b
        }

        guard let model = try string("model") else {
            throw TokenizerError.missingKey(source: source, keyPath: keyPath("model"))
        }
        guard model == "gpt2" else {
            throw TokenizerError.unsupported(
                source: source, keyPath: keyPath("model"), value: model, supported: ["gpt2"])
        }
        let pre = try string("pre") ?? "default"
        guard let rule = Self.ggufPreTokenizers[pre] else {
            throw TokenizerError.unsupported(
                source: source, keyPath: keyPath("pre"), value: pre, supported: Self.ggufPreTokenizers.keys.sorted())
        }
        let tokens = try strings("tokens")
        let merges = try strings("merges")
        var types: [Int32]? = nil
        if let v = value("token_type") {
            guard let t = v.int32Array else {
                throw TokenizerError.wrongType(
                    source: source, keyPath: keyPath("token_type"), expected: "an integer array")
            }
            guard t.count == tokens.count else {
                throw TokenizerError.invalidValue(
                    source: source, keyPath: keyPath("token_type"),
                    reason: "\(t.count) types for \(tokens.count) tokens")
            }
            types = t
        }
        let n = tokens.count
        let special = SpecialTokenIDs(
            bos: try tokenID("bos_token_id", count: n), eos: try tokenID("eos_token_id", count: n),
            pad: try tokenID("padding_token_id", count: n), unknown: try tokenID("unknown_token_id", count: n))
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(merges.count)
        for (index, merge) in merges.enumerated() {
            pairs.append(try Self.splitMerge(merge, source: source, keyPath: "\(keyPath("merges"))[\(index)]"))
        }
        var added: [(content: String, id: Int)] = []
        for (id, type) in (types ?? []).enumerated() where type == 3 || type == 4 {
            added.append((tokens[id], id))
        }
        try self.init(
            source: source, tokensKey: keyPath("tokens"), mergesKey: keyPath("merges"),
            tokens: tokens.map { Optional($0) },
            mergePairs: pairs, addedTokens: added, preTokenizer: rule, normalization: .none, specialTokenIDs: special,
            addsBOS: try flag("add_bos_token"), addsEOS: try flag("add_eos_token"), ignoresMerges: rule == .llama3)
    }
}
