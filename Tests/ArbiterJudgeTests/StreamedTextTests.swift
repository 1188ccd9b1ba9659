import ArbiterModels
import Foundation
import Testing

// StreamedTextTests: how LocalChatBackend's stream settles text token by token, with a byte-level
// toy tokenizer: a character split across tokens is held until complete, a tail that may become a
// stop string is held until it cannot, a whole stop string and what follows never leave, and
// the deltas plus the remainder always equal the final text.
@testable import ArbiterChat

/// Token i is the bytes `pieces[i]`; decoding repairs invalid UTF-8 to U+FFFD, as the real tokenizers do.
struct ByteTokenizer: Tokenizer {
    let pieces: [[UInt8]]
    func encode(_ text: String) -> [Int] { [] }
    func decode(_ ids: [Int]) -> String { String(decoding: ids.flatMap { pieces[$0] }, as: UTF8.self) }
    var vocabularySize: Int { pieces.count }
    func id(of token: String) -> Int? { nil }
    func token(of id: Int) -> String? { nil }
    var specialTokenIDs: SpecialTokenIDs { SpecialTokenIDs() }
}

struct StreamedTextTests {
    static let tokenizer = ByteTokenizer(pieces: [
        Array("a".utf8), [0xC3], [0xA9], Array("<".utf8), Array("/".utf8), Array("x".utf8), Array("<b".utf8),
    ])

    @Test func partialCharactersAndStopPrefixesAreHeldBack() {
        var text = StreamedText(tokenizer: Self.tokenizer, stops: ["</x"])
        let deltas = [0, 1, 2, 3, 4, 5].map { text.append($0) }
        #expect(deltas == ["a", "", "é", "", "", ""])
        // The model's final text ends before the stop string.
        #expect(text.remainder(of: "aé") == "")
    }

    @Test func aHeldTailIsReleasedWhenItCannotBecomeAStop() {
        var text = StreamedText(tokenizer: Self.tokenizer, stops: ["</x"])
        let deltas = [0, 3, 6, 0].map { text.append($0) }
        #expect(deltas == ["a", "", "<<b", "a"])
        #expect(text.remainder(of: "a<<ba") == "")
    }

    @Test func withoutStopsEverySettledCharacterLeavesAtOnce() {
        var text = StreamedText(tokenizer: Self.tokenizer, stops: [])
        #expect([3, 4, 1, 2].map { text.append($0) } == ["<", "/", "", "é"])
    }

    @Test func aStopInsideOneTokenCutsBeforeIt() {
        let tokenizer = ByteTokenizer(pieces: [Array("ab".utf8), Array("c</xyz".utf8)])
        var text = StreamedText(tokenizer: tokenizer, stops: ["</x"])
        #expect([0, 1].map { text.append($0) } == ["ab", "c"])
        #expect(text.remainder(of: "abc") == "")
    }
}
