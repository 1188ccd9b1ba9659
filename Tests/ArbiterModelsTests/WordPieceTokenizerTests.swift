// WordPieceTokenizerTests: all-MiniLM-L6-v2's tokenizer.json against the transformers reference ids
// (Tests/Fixtures/tokenizer/minilm_embeddings.json, exact), truncation, decoding, malformed files.
import ArbiterCore
import ArbiterModels
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct WordPieceTokenizerTests {
    /// Loaded once for the suite (parsing the 30k vocabulary takes a second in debug builds).
    static let loaded = Result {
        try WordPieceTokenizer(
            tokenizerJSON: TestModels.miniLMDirectory().appendingPathComponent("tokenizer.json"), maxLength: 256)
    }

    static func miniLM() throws -> WordPieceTokenizer { try loaded.get() }

    static func cases() throws -> [(text: String, ids: [Int], tokens: [String])] {
        let json = try #require(Fixtures.json("tokenizer/minilm_embeddings.json") as? [String: Any])
        let cases = try #require(json["cases"] as? [[String: Any]])
        return try cases.map { c in
            (
                try #require(c["text"] as? String), try #require(c["input_ids"] as? [Int]),
                try #require(c["tokens"] as? [String])
            )
        }
    }

    @Test func miniLMSentencesMatchReferenceIDs() throws {
        let tokenizer = try Self.miniLM()
        let cases = try Self.cases()
        #expect(cases.count == 13)
        for c in cases {
            let ids = tokenizer.encode(c.text)
            #expect(ids == c.ids, "\(String(reflecting: c.text))")
            #expect(ids.map { tokenizer.token(of: $0) ?? "?" } == c.tokens)
        }
    }

    @Test func miniLMSpecialTokenIDs() throws {
        let tokenizer = try Self.miniLM()
        #expect(tokenizer.vocabularySize == 30522)
        #expect(tokenizer.specialTokenIDs == SpecialTokenIDs(bos: 101, eos: 102, pad: 0, unknown: 100))
        #expect(tokenizer.id(of: "##ing") != nil)
        #expect(tokenizer.encode("", addSpecialTokens: false).isEmpty)
        // Literal special tokens in the text are single ids, not "[", "cl", "##s", "]".
        #expect(tokenizer.encode("[MASK] x", addSpecialTokens: false) == [103, tokenizer.id(of: "x")])
    }

    @Test func truncationKeepsClassifierAndSeparator() throws {
        let tokenizer = try Self.miniLM()
        let text = Array(repeating: "word", count: 400).joined(separator: " ")
        let ids = tokenizer.encode(text)
        #expect(ids.count == 256)
        #expect(ids.first == 101 && ids.last == 102)
        let short = tokenizer.encode(text, addSpecialTokens: true, maxLength: 5)
        #expect(short == [101, 2773, 2773, 2773, 102])
        #expect(tokenizer.encode(text, addSpecialTokens: false, maxLength: 3).count == 3)
    }

    @Test func decodeJoinsPiecesAndCleansUp() throws {
        let tokenizer = try Self.miniLM()
        let ids = tokenizer.encode("Supercalifragilistic words, don't stop!")
        #expect(tokenizer.decode(ids, skipSpecialTokens: true) == "supercalifragilistic words, don't stop!")
        #expect(tokenizer.decode(ids).hasPrefix("[CLS] supercal"))
        #expect(tokenizer.decode([-1, 30522, 1037]) == "\u{FFFD} \u{FFFD} a")
    }

    @Test func longWordsAndUnknownScalarsBecomeUNK() throws {
        let tokenizer = try Self.miniLM()
        #expect(tokenizer.encode(String(repeating: "a", count: 101), addSpecialTokens: false) == [100])
        #expect(tokenizer.encode("😀", addSpecialTokens: false) == [100])
        // Control characters vanish, NBSP and tabs separate words, CJK ideographs stand alone.
        #expect(
            tokenizer.encode("a\u{0007}b\u{00A0}c\td東京", addSpecialTokens: false)
                == tokenizer.encode("ab c d 東 京", addSpecialTokens: false))
    }

    @Test func fuzzedTextNeverCrashes() throws {
        let tokenizer = try Self.miniLM()
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let text = rng.randomUnicodeString(maxLength: 40)
            let ids = tokenizer.encode(text)
            #expect(ids.count >= 2 && ids.allSatisfy { (0..<tokenizer.vocabularySize).contains($0) })
            _ = tokenizer.decode(ids + [Int(rng.next() % 40_000) - 5_000])
        }
    }
}
