// TokenizerErrorTests: malformed tokenizer.json files and GGUF metadata give typed TokenizerErrors
// that name the file and key path; seeded byte mutations of valid files parse or throw, never trap.
import ArbiterCore
import ArbiterModels
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct TokenizerErrorTests {
    static func bpe(_ object: [String: Any]) throws -> BPETokenizer {
        try BPETokenizer(tokenizerJSONData: TokenizerJSONBuilder.data(object), source: "t.json")
    }

    static func bpeModel(vocab: Any, merges: Any) -> [String: Any] {
        [
            "model": ["type": "BPE", "vocab": vocab, "merges": merges] as [String: Any],
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true],
        ]
    }

    static var wordPieceJSON: [String: Any] {
        let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "##lo", "hel", "world", ",", "!", "a"]
        return [
            "added_tokens": [
                ["id": 0, "content": "[PAD]", "special": true], ["id": 2, "content": "[CLS]", "special": true],
            ],
            "normalizer": [
                "type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": NSNull(),
                "lowercase": true,
            ],
            "pre_tokenizer": ["type": "BertPreTokenizer"],
            "post_processor": ["type": "BertProcessing", "cls": ["[CLS]", 2], "sep": ["[SEP]", 3]],
            "model": [
                "type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                "max_input_chars_per_word": 100,
                "vocab": Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) }),
            ] as [String: Any],
        ]
    }

    @Test func malformedTokenizerJSON() throws {
        #expect(throws: TokenizerError.self) {
            try BPETokenizer(tokenizerJSONData: Data("{not json".utf8), source: "t.json")
        }
        #expect(throws: TokenizerError.invalidJSON(source: "t.json", reason: "the top level is not an object")) {
            try BPETokenizer(tokenizerJSONData: Data("[1, 2]".utf8), source: "t.json")
        }
        #expect(throws: TokenizerError.missingKey(source: "t.json", keyPath: "model")) {
            try Self.bpe(["version": "1.0"])
        }
        #expect(
            throws: TokenizerError.wrongType(
                source: "t.json", keyPath: "model.vocab", expected: "an object of token → id")
        ) {
            try Self.bpe(Self.bpeModel(vocab: ["a", "b"], merges: []))
        }
        #expect(
            throws: TokenizerError.wrongType(
                source: "t.json", keyPath: "model.vocab[\"a\"]", expected: "a non-negative integer id below 2^31")
        ) {
            try Self.bpe(Self.bpeModel(vocab: ["a": -3], merges: []))
        }
        #expect(throws: TokenizerError.unknownMergeToken(source: "t.json", keyPath: "model.merges[1]", token: "zz")) {
            try Self.bpe(Self.bpeModel(vocab: ["a": 0, "b": 1, "ab": 2], merges: ["a b", "a zz"]))
        }
        #expect(throws: TokenizerError.unknownMergeToken(source: "t.json", keyPath: "model.merges[0]", token: "ba")) {
            try Self.bpe(Self.bpeModel(vocab: ["a": 0, "b": 1], merges: [["b", "a"]]))
        }
        #expect(
            throws: TokenizerError.invalidValue(
                source: "t.json", keyPath: "model.merges[0]", reason: "merge \"ab\" is not \"left right\"")
        ) {
            try Self.bpe(Self.bpeModel(vocab: ["a": 0, "b": 1, "ab": 2], merges: ["ab"]))
        }
        #expect(
            throws: TokenizerError.wrongType(
                source: "t.json", keyPath: "model.merges[0]", expected: "\"left right\" or [\"left\", \"right\"]")
        ) {
            try Self.bpe(Self.bpeModel(vocab: ["a": 0], merges: [5]))
        }
        #expect(throws: TokenizerError.self) { try Self.bpe(Self.bpeModel(vocab: ["a": 0, "b": 0], merges: [])) }
        #expect(throws: TokenizerError.self) {
            try Self.bpe(Self.bpeModel(vocab: ["a": 0, "b": 2_000_000_000], merges: []))
        }
        var wrongModel = Self.bpeModel(vocab: ["a": 0], merges: [])
        wrongModel["model"] = ["type": "Unigram", "vocab": ["a": 0]]
        #expect(
            throws: TokenizerError.unsupported(
                source: "t.json", keyPath: "model.type", value: "Unigram", supported: ["BPE"])
        ) {
            try Self.bpe(wrongModel)
        }
        var oddSplit = Self.bpeModel(vocab: ["a": 0], merges: [])
        oddSplit["pre_tokenizer"] = [
            "type": "Sequence",
            "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": "\\d+"], "behavior": "Isolated", "invert": false],
                ["type": "ByteLevel", "use_regex": false],
            ],
        ]
        #expect(
            throws: TokenizerError.unsupported(
                source: "t.json", keyPath: "pre_tokenizer.pretokenizers[0].pattern.Regex", value: "\\d+",
                supported: ["the GPT-2, Llama 3 and Qwen 2 patterns"])
        ) { try Self.bpe(oddSplit) }
        var metaspace = Self.bpeModel(vocab: ["a": 0], merges: [])
        metaspace["pre_tokenizer"] = ["type": "Metaspace"]
        #expect(throws: TokenizerError.self) { try Self.bpe(metaspace) }
        let missing = URL(fileURLWithPath: "/nonexistent/arbiter/tokenizer.json")
        #expect(throws: TokenizerError.self) { try BPETokenizer(tokenizerJSON: missing) }
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(tokenizerJSON: missing) }
    }

    @Test func messagesNameFileKeyAndFix() {
        let error = TokenizerError.unknownMergeToken(
            source: "/m/tokenizer.json", keyPath: "model.merges[7]", token: "zz")
        let message = error.errorDescription ?? ""
        #expect(
            message.contains("/m/tokenizer.json") && message.contains("model.merges[7]") && message.contains("\"zz\""))
        #expect(message.contains("use the matching vocabulary"))
    }

    @Test func malformedWordPieceJSON() throws {
        let good = try WordPieceTokenizer(tokenizerJSONData: TokenizerJSONBuilder.data(Self.wordPieceJSON))
        #expect(good.encode("Hello, HELLO world!") == [2, 5, 9, 5, 8, 10, 3])
        #expect(good.encode("hello hello", addSpecialTokens: false) == [5, 5])
        #expect(good.encode("hello hello", addSpecialTokens: false) != good.encode("hel lo", addSpecialTokens: false))
        #expect(good.encode("hello") == [2, 5, 3] && good.encode("hello!", addSpecialTokens: false) == [5, 10])

        var noUnknown = Self.wordPieceJSON
        var model = noUnknown["model"] as! [String: Any]
        model["unk_token"] = "<unk>"
        noUnknown["model"] = model
        #expect(
            throws: TokenizerError.invalidValue(
                source: "tokenizer.json", keyPath: "model.vocab",
                reason: "the unknown token \"<unk>\" is not in the vocabulary")
        ) {
            try WordPieceTokenizer(tokenizerJSONData: TokenizerJSONBuilder.data(noUnknown))
        }
        var otherNormalizer = Self.wordPieceJSON
        otherNormalizer["normalizer"] = ["type": "NFKC"]
        #expect(
            throws: TokenizerError.unsupported(
                source: "tokenizer.json", keyPath: "normalizer.type", value: "NFKC", supported: ["BertNormalizer"])
        ) {
            try WordPieceTokenizer(tokenizerJSONData: TokenizerJSONBuilder.data(otherNormalizer))
        }
        var bpeModel = Self.wordPieceJSON
        bpeModel["model"] = ["type": "BPE", "vocab": [:] as [String: Int]]
        #expect(throws: TokenizerError.self) {
            try WordPieceTokenizer(tokenizerJSONData: TokenizerJSONBuilder.data(bpeModel))
        }
    }

    @Test func malformedGGUFMetadata() throws {
        let tokens = TokenizerJSONBuilder.byteAlphabet + ["ab", "<eos>"]
        let good: [String: GGUFValue] = [
            "tokenizer.ggml.model": .string("gpt2"), "tokenizer.ggml.pre": .string("smollm"),
            "tokenizer.ggml.tokens": .array(.strings(tokens)), "tokenizer.ggml.merges": .array(.strings(["a b"])),
            "tokenizer.ggml.token_type": .array(.int32s(Array(repeating: 1, count: tokens.count - 1) + [3])),
            "tokenizer.ggml.eos_token_id": .uint32(UInt32(tokens.count - 1)),
            "tokenizer.ggml.add_bos_token": .bool(false),
        ]
        let tokenizer = try BPETokenizer(ggufMetadata: good)
        #expect(tokenizer.encode("ab<eos>") == [256, 257])
        #expect(tokenizer.specialTokenIDs.eos == 257)

        func with(_ key: String, _ value: GGUFValue?) -> [String: GGUFValue] {
            var m = good
            m["tokenizer.ggml.\(key)"] = value
            return m
        }
        #expect(throws: TokenizerError.missingKey(source: "GGUF metadata", keyPath: "tokenizer.ggml.model")) {
            try BPETokenizer(ggufMetadata: with("model", nil))
        }
        #expect(
            throws: TokenizerError.unsupported(
                source: "GGUF metadata", keyPath: "tokenizer.ggml.model", value: "llama", supported: ["gpt2"])
        ) {
            try BPETokenizer(ggufMetadata: with("model", .string("llama")))
        }
        #expect(throws: TokenizerError.self) { try BPETokenizer(ggufMetadata: with("pre", .string("mystery"))) }
        #expect(
            throws: TokenizerError.wrongType(
                source: "GGUF metadata", keyPath: "tokenizer.ggml.tokens", expected: "an array of strings")
        ) {
            try BPETokenizer(ggufMetadata: with("tokens", .string("a")))
        }
        #expect(throws: TokenizerError.missingKey(source: "GGUF metadata", keyPath: "tokenizer.ggml.merges")) {
            try BPETokenizer(ggufMetadata: with("merges", nil))
        }
        #expect(
            throws: TokenizerError.unknownMergeToken(
                source: "GGUF metadata", keyPath: "tokenizer.ggml.merges[0]", token: "ba")
        ) {
            try BPETokenizer(ggufMetadata: with("merges", .array(.strings(["b a"]))))
        }
        #expect(
            throws: TokenizerError.invalidValue(
                source: "GGUF metadata", keyPath: "tokenizer.ggml.token_type", reason: "2 types for 258 tokens")
        ) {
            try BPETokenizer(ggufMetadata: with("token_type", .array(.int32s([1, 1]))))
        }
        #expect(
            throws: TokenizerError.invalidValue(
                source: "GGUF metadata", keyPath: "tokenizer.ggml.bos_token_id",
                reason: "id 9999 is outside the 258-token vocabulary")
        ) {
            try BPETokenizer(ggufMetadata: with("bos_token_id", .uint32(9999)))
        }
        #expect(throws: TokenizerError.self) {
            try BPETokenizer(tokens: ["a"], merges: [], specialTokenIDs: SpecialTokenIDs(eos: 3))
        }
        #expect(throws: TokenizerError.self) { try BPETokenizer(ggufMetadata: with("bos_token_id", .string("1"))) }
        #expect(throws: TokenizerError.self) { try BPETokenizer(ggufMetadata: with("add_bos_token", .uint8(1))) }
        #expect(throws: TokenizerError.self) {
            try BPETokenizer(ggufMetadata: with("tokens", .array(.strings(tokens + ["ab"]))))  // duplicate token
        }
    }

    /// 200 seeded mutations (bit flips, byte overwrites, truncations) of small valid files: each
    /// either loads (and then encodes and decodes arbitrary input without trapping) or throws a TokenizerError.
    @Test(arguments: ["bpe", "wordpiece"])
    func fuzzedFilesNeverTrap(kind: String) throws {
        let base = try TokenizerJSONBuilder.data(
            kind == "bpe"
                ? TokenizerJSONBuilder.synthetic(merges: [("a", "b"), ("Ġ", "a")], added: ["<s>"])
                : Self.wordPieceJSON)
        var rng = SplitMix64(seed: kind == "bpe" ? 1 : 2)
        var loaded = 0
        for _ in 0..<200 {
            var bytes = [UInt8](base)
            switch rng.next() % 3 {
            case 0:
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let i = Int(rng.next() % UInt64(bytes.count))
                    bytes[i] ^= UInt8(1 << (rng.next() % 8))
                }
            case 1:
                let i = Int(rng.next() % UInt64(bytes.count))
                let choices = Array("{}[]\",:0-9e ".utf8)
                bytes[i] = choices[Int(rng.next() % UInt64(choices.count))]
            default:
                bytes.removeLast(Int(rng.next() % UInt64(bytes.count)))
            }
            let data = Data(bytes)
            do {
                let tokenizer: any Tokenizer =
                    kind == "bpe"
                    ? try BPETokenizer(tokenizerJSONData: data) : try WordPieceTokenizer(tokenizerJSONData: data)
                loaded += 1
                let ids = tokenizer.encode(rng.randomUnicodeString(maxLength: 20) + "<s> ab hello")
                _ = tokenizer.decode(ids + [-7, tokenizer.vocabularySize, Int(rng.next() % 1000)])
            } catch {
                #expect(error is TokenizerError)
            }
        }
        #expect(loaded > 0)
    }
}
