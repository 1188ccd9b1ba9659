// BPETokenizerJSONTests: the tokenizer.json loader for byte-level BPE. SmolLM2's vocabulary and
// merges (read from its GGUF) are written out as tokenizer.json files in both merge spellings and
// both pre-tokenizer forms, and must reproduce the 42 reference encodings; a small synthetic
// vocabulary checks merge order, Llama 3 options and exact byte-level round trips.
import ArbiterCore
import ArbiterModels
import ArbiterTestSupport
import Foundation
import Testing

/// Builders for tokenizer.json documents used by the BPE and error tests.
enum TokenizerJSONBuilder {
    /// GPT-2 byte alphabet, byte order (one home: ArbiterTestSupport).
    static let byteAlphabet = GGUFTestWriter.byteAlphabet

    static func data(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// A byte-level BPE document: the 256 byte tokens, then one token per merge, then `extra`.
    static func synthetic(
        merges: [(String, String)], extra: [String] = [], added: [String] = [],
        preTokenizer: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true],
        postProcessor: Any = NSNull(), ignoreMerges: Bool = false
    ) -> [String: Any] {
        var vocab: [String: Int] = [:]
        for token in byteAlphabet + merges.map({ $0.0 + $0.1 }) + extra + added where vocab[token] == nil {
            vocab[token] = vocab.count
        }
        return [
            "version": "1.0",
            "added_tokens": added.map { ["id": vocab[$0]!, "content": $0, "special": true] as [String: Any] },
            "normalizer": NSNull(),
            "pre_tokenizer": preTokenizer,
            "post_processor": postProcessor,
            "decoder": ["type": "ByteLevel"],
            "model": [
                "type": "BPE", "vocab": vocab, "merges": merges.map { "\($0.0) \($0.1)" },
                "ignore_merges": ignoreMerges,
            ] as [String: Any],
        ]
    }
}

@Suite struct BPETokenizerJSONTests {
    /// SmolLM2's tokens, merges and token types from its GGUF metadata.
    static let smolLM2Parts = Result { () throws -> (tokens: [String], merges: [String], types: [Int32]) in
        let file = try GGUFFile(contentsOf: TestModels.smolLM2GGUF())
        guard let tokens = file.metadata["tokenizer.ggml.tokens"]?.stringArray,
            let merges = file.metadata["tokenizer.ggml.merges"]?.stringArray,
            let types = file.metadata["tokenizer.ggml.token_type"]?.int32Array
        else {
            throw TokenizerError.missingKey(source: file.url.path, keyPath: "tokenizer.ggml.*")
        }
        return (tokens, merges, types)
    }

    /// SmolLM2 as a Hugging Face tokenizer.json with the given merge spelling and pre-tokenizer.
    static func smolLM2JSON(arrayMerges: Bool, preTokenizer: [String: Any]) throws -> Data {
        let parts = try smolLM2Parts.get()
        var vocab: [String: Int] = [:]
        for (id, token) in parts.tokens.enumerated() { vocab[token] = id }
        let merges: [Any] = parts.merges.map { merge in
            guard arrayMerges else { return merge }
            let halves = merge.split(separator: " ", maxSplits: 1).map(String.init)
            return halves
        }
        let added: [[String: Any]] = parts.types.enumerated().filter { $0.element == 3 }.map { id, _ in
            ["id": id, "content": parts.tokens[id], "special": true, "normalized": false]
        }
        return try TokenizerJSONBuilder.data([
            "version": "1.0", "added_tokens": added, "normalizer": NSNull(), "pre_tokenizer": preTokenizer,
            "post_processor": [
                "type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true,
            ],
            "decoder": ["type": "ByteLevel"],
            "model": [
                "type": "BPE", "vocab": vocab, "merges": merges, "dropout": NSNull(), "unk_token": NSNull(),
                "continuing_subword_prefix": "", "end_of_word_suffix": "", "fuse_unk": false,
                "byte_fallback": false, "ignore_merges": false,
            ] as [String: Any],
        ])
    }

    static var byteLevel: [String: Any] {
        ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]
    }
    static var smolLMSequence: [String: Any] {
        ["type": "Sequence", "pretokenizers": [["type": "Digits", "individual_digits": true], byteLevel]]
    }

    /// The original SmolLM2 layout (Digits + ByteLevel, "a b" merges) and the transformers GGUF
    /// conversion (ByteLevel only, [a, b] merges) both give the reference ids on all 42 strings.
    @Test(arguments: [true, false])
    func smolLM2AsTokenizerJSON(original: Bool) throws {
        let data = try Self.smolLM2JSON(
            arrayMerges: !original, preTokenizer: original ? Self.smolLMSequence : Self.byteLevel)
        let tokenizer = try BPETokenizer(tokenizerJSONData: data, source: "smollm2-rebuilt.json")
        #expect(tokenizer.preTokenizer == (original ? .smollm : .gpt2))
        #expect(tokenizer.vocabularySize == 49152 && tokenizer.mergeCount == 48900)
        let cases = try BPETokenizerSmolLM2Tests.cases()
        for c in cases {
            let ids = tokenizer.encode(c.text)
            #expect(ids == c.ids, "\(String(reflecting: c.text))")
            #expect(tokenizer.decode(ids) == c.decoded)
        }
    }

    @Test func mergesApplyLowestRankFirstLeftmostOnTies() throws {
        // Ranks: "a b" 0, "b c" 1, "ab c" 2. "abc" → [ab, c] → [abc]; "bcbc" → [bc, bc].
        let json = TokenizerJSONBuilder.synthetic(merges: [("a", "b"), ("b", "c"), ("ab", "c"), ("a", "a")])
        let tokenizer = try BPETokenizer(tokenizerJSONData: TokenizerJSONBuilder.data(json))
        let id = { (token: String) in tokenizer.id(of: token) ?? -1 }
        #expect(tokenizer.encode("abc") == [id("abc")])
        #expect(tokenizer.encode("bcbc") == [id("bc"), id("bc")])
        #expect(tokenizer.encode("aaa") == [id("aa"), id("a")])
        #expect(tokenizer.encode("cab") == [id("c"), id("ab")])
        #expect(tokenizer.encode("ab ab") == [id("ab"), id("Ġ"), id("ab")])
    }

    @Test func llama3StyleTemplateAddsBOSAndIgnoresMerges() throws {
        let pre: [String: Any] = [
            "type": "Sequence",
            "pretokenizers": [
                [
                    "type": "Split", "pattern": ["Regex": TokenizerPreTokenizerTests.llama3Pattern],
                    "behavior": "Isolated", "invert": false,
                ],
                ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false],
            ] as [Any],
        ]
        let post: [String: Any] = [
            "type": "Sequence",
            "processors": [
                ["type": "ByteLevel"],
                [
                    "type": "TemplateProcessing",
                    "single": [
                        ["SpecialToken": ["id": "<s>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]],
                    ],
                ],
            ] as [Any],
        ]
        // "xyz" is a vocabulary token no merge builds: with ignore_merges it is emitted whole.
        let json = TokenizerJSONBuilder.synthetic(
            merges: [("x", "y")], extra: ["xyz"], added: ["<s>"], preTokenizer: pre, postProcessor: post,
            ignoreMerges: true)
        let tokenizer = try BPETokenizer(tokenizerJSONData: TokenizerJSONBuilder.data(json))
        let bos = try #require(tokenizer.id(of: "<s>"))
        #expect(tokenizer.specialTokenIDs.bos == bos && tokenizer.addsBOS)
        #expect(tokenizer.preTokenizer == .llama3)
        #expect(tokenizer.encode("xyz") == [bos, tokenizer.id(of: "xyz")])
        #expect(tokenizer.encode("xyz", addSpecialTokens: false) == [tokenizer.id(of: "xyz")])
        #expect(tokenizer.encode("xyw", addSpecialTokens: false) == [tokenizer.id(of: "xy"), tokenizer.id(of: "w")])
        #expect(tokenizer.encode("<s>xy", addSpecialTokens: false) == [bos, tokenizer.id(of: "xy")])
        #expect(tokenizer.decode([bos, tokenizer.id(of: "xy") ?? -1]) == "<s>xy")
    }

    /// With all 256 byte tokens present, decode(encode(s)) == s for any string.
    @Test func byteLevelRoundTripOnRandomUnicode() throws {
        let json = TokenizerJSONBuilder.synthetic(merges: [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("ä", "¸")])
        let tokenizer = try BPETokenizer(tokenizerJSONData: TokenizerJSONBuilder.data(json))
        #expect(tokenizer.unencodableBytes.isEmpty)
        var rng = SplitMix64(seed: 31337)
        for _ in 0..<300 {
            let text = rng.randomUnicodeString(maxLength: 30)
            #expect(tokenizer.decode(tokenizer.encode(text)) == text)
        }
        #expect(tokenizer.encode(" the") == [tokenizer.id(of: "Ġthe")])
    }

    @Test func tokenizerConfigBesideTheFileSuppliesSpecialIDs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-bpe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = TokenizerJSONBuilder.synthetic(merges: [], added: ["<|im_start|>", "<|im_end|>"])
        try TokenizerJSONBuilder.data(json).write(to: dir.appendingPathComponent("tokenizer.json"))
        let config: [String: Any] = [
            "bos_token": "<|im_start|>", "eos_token": ["content": "<|im_end|>"], "pad_token": NSNull(),
        ]
        try TokenizerJSONBuilder.data(config).write(to: dir.appendingPathComponent("tokenizer_config.json"))
        let tokenizer = try BPETokenizer(tokenizerJSON: dir.appendingPathComponent("tokenizer.json"))
        #expect(tokenizer.specialTokenIDs.bos == tokenizer.id(of: "<|im_start|>"))
        #expect(tokenizer.specialTokenIDs.eos == tokenizer.id(of: "<|im_end|>"))
        #expect(tokenizer.specialTokenIDs.pad == nil)
        #expect(!tokenizer.addsBOS)
    }
}
