// BPETokenizerSmolLM2Tests: the SmolLM2-135M-Instruct tokenizer built from its GGUF metadata against
// the 42 reference strings (Tests/Fixtures/tokenizer/smollm2_tokenizer_cases.json, made by
// transformers and confirmed by llama.cpp): ids, tokens and decoded text exact, and round trips.
// Also a byte-level round-trip property on seeded random Unicode and fuzzed id arrays.
import ArbiterCore
import ArbiterModels
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct BPETokenizerSmolLM2Tests {
    /// Loaded once for the suite (49k tokens and 49k merges).
    static let loaded = Result { try BPETokenizer(gguf: GGUFFile(contentsOf: TestModels.smolLM2GGUF())) }

    static func smolLM2() throws -> BPETokenizer { try loaded.get() }

    struct Case {
        let text: String
        let ids: [Int]
        let tokens: [String]
        let decoded: String
        let roundTrips: Bool
    }

    static func cases() throws -> [Case] {
        let json = try #require(Fixtures.json("tokenizer/smollm2_tokenizer_cases.json") as? [String: Any])
        let cases = try #require(json["cases"] as? [[String: Any]])
        return try cases.map { c in
            Case(
                text: try #require(c["text"] as? String), ids: try #require(c["ids"] as? [Int]),
                tokens: try #require(c["tokens"] as? [String]), decoded: try #require(c["decoded"] as? String),
                roundTrips: try #require(c["roundtrip_exact"] as? Bool))
        }
    }

    @Test func fortyTwoReferenceStringsExact() throws {
        let tokenizer = try Self.smolLM2()
        let cases = try Self.cases()
        #expect(cases.count == 42)
        for c in cases {
            let ids = tokenizer.encode(c.text)
            #expect(ids == c.ids, "ids of \(String(reflecting: c.text))")
            #expect(ids.map { tokenizer.token(of: $0) ?? "?" } == c.tokens, "tokens of \(String(reflecting: c.text))")
            #expect(tokenizer.decode(c.ids) == c.decoded, "decode of \(String(reflecting: c.text))")
            #expect((tokenizer.decode(ids) == c.text) == c.roundTrips)
            // Nothing is added: GGUF add_bos_token = false.
            #expect(tokenizer.encode(c.text, addSpecialTokens: false) == ids)
        }
    }

    @Test func metadataFacts() throws {
        let tokenizer = try Self.smolLM2()
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.mergeCount == 48900)
        #expect(tokenizer.specialTokenIDs == SpecialTokenIDs(bos: 1, eos: 2, pad: 2, unknown: 0))
        #expect(!tokenizer.addsBOS && !tokenizer.addsEOS)
        #expect(tokenizer.preTokenizer == .smollm)
        #expect(tokenizer.id(of: "<|im_end|>") == 2)
        #expect(tokenizer.id(of: "Ġ") == 216)
        #expect(tokenizer.encode(" 5") == [216, 37])
    }

    /// decode(encode(s)) gives back s's UTF-8 bytes minus those the vocabulary cannot spell — exactly
    /// s whenever every byte has a token (all of the 42 reference strings do).
    @Test func randomUnicodeRoundTrips() throws {
        let tokenizer = try Self.smolLM2()
        let missing = Set(tokenizer.unencodableBytes)
        #expect(missing.count < 32)  // SmolLM2: 21 control and rare lead bytes
        #expect(!missing.contains(where: { (0x20...0x7E).contains($0) || $0 == 0x0A || $0 == 0x09 }))
        var rng = SplitMix64(seed: 2024)
        var exact = 0
        for _ in 0..<300 {
            let text = rng.randomUnicodeString(maxLength: 24)
            let kept = text.utf8.filter { !missing.contains($0) }
            if kept.count == text.utf8.count { exact += 1 }
            let decoded = tokenizer.decode(tokenizer.encode(text))
            #expect(
                decoded == String(decoding: kept, as: UTF8.self),
                "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        #expect(exact > 150)
    }

    @Test func arbitraryIDsDecodeWithoutCrashing() throws {
        let tokenizer = try Self.smolLM2()
        var rng = SplitMix64(seed: 99)
        for _ in 0..<200 {
            let ids = (0..<Int(rng.next() % 20)).map { _ in Int(Int64(bitPattern: rng.next()) % 60_000) }
            let text = tokenizer.decode(ids)
            let bad = ids.filter { !(0..<49152).contains($0) }.count
            #expect(text.unicodeScalars.filter { $0 == "\u{FFFD}" }.count >= bad)
        }
        #expect(tokenizer.decode([-1, 49152, Int.max, Int.min]) == "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}")
        // A lone continuation byte token is repaired, not trusted.
        #expect(tokenizer.decode([tokenizer.id(of: "\u{80}").map { $0 } ?? -1]) == "\u{FFFD}")
    }

    @Test func longSpaceFreeInputRoundTrips() throws {
        let tokenizer = try Self.smolLM2()
        let blob = String(repeating: "abcdefghij", count: 2_000)  // one 20k-byte pre-token
        let ids = tokenizer.encode(blob)
        #expect(tokenizer.decode(ids) == blob)
    }
}

extension BPETokenizerSmolLM2Tests {
    /// About 10k tokens of varied text (fresh words each run, so the word cache is mostly cold).
    @Test func encodesTenThousandTokensRoundTrip() throws {
        let tokenizer = try Self.smolLM2()
        var rng = SplitMix64(seed: 5)
        let words = try Self.cases().flatMap { $0.text.split(separator: " ").map(String.init) }
        var text = ""
        let letters = Array("abcdefghijklmnopqrstuvwxyzéü")
        while text.utf8.count < 30_000 {
            text += words[Int(rng.next() % UInt64(words.count))] + " "
            text += String(
                (0..<(3 + Int(rng.next() % 8))).map { _ in letters[Int(rng.next() % UInt64(letters.count))] })
            text += rng.next() % 7 == 0 ? "\n" : " "
            if rng.next() % 5 == 0 { text += String(rng.next() % 100_000) + "x\(rng.next() % 1000)y " }
        }
        let ids = tokenizer.encode(text)
        #expect(ids.count > 10_000)
        #expect(tokenizer.decode(ids) == text)
    }
}

extension BPETokenizerSmolLM2Tests {
    /// Eight tasks share one tokenizer (and its word cache) and all get the reference ids.
    @Test func concurrentEncodingAgrees() async throws {
        let tokenizer = try Self.smolLM2()
        let cases = try Self.cases()
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var bad = 0
                    for round in 0..<5 {
                        for (index, c) in cases.enumerated() where (index + worker + round) % 3 != 0 {
                            if tokenizer.encode(c.text + " " + c.text)
                                != tokenizer.encode(c.text + " " + c.text, addSpecialTokens: false)
                            {
                                bad += 1
                            }
                            if tokenizer.encode(c.text) != c.ids { bad += 1 }
                        }
                    }
                    return bad
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
