// TokenizerPreTokenizerTests: the hand-written pre-tokenizer scanners against hand-worked splits and
// against Swift Regex (unicode-scalar semantics) running the original patterns on seeded random text.
import ArbiterCore
import ArbiterModels
import ArbiterTestSupport
import Testing

@Suite struct TokenizerPreTokenizerTests {
    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    @Test func gpt2HandWorkedSplits() {
        let rule = PreTokenizerRule.gpt2
        #expect(rule.split("Hello, world!") == ["Hello", ",", " world", "!"])
        #expect(rule.split("it's I'M") == ["it", "'s", " I", "'", "M"])
        #expect(rule.split("a   b") == ["a", "  ", " b"])
        #expect(rule.split("x\n\ny") == ["x", "\n", "\n", "y"])
        #expect(rule.split("end  ") == ["end", "  "])
        #expect(rule.split(" 12 ab") == [" 12", " ab"])
        #expect(rule.split("Ångström café") == ["Ångström", " café"])
        #expect(rule.split("") == [])
    }

    @Test func smolLMIsolatesEveryDigit() {
        #expect(PreTokenizerRule.smollm.split("Pi is 3.14") == ["Pi", " is", " ", "3", ".", "1", "4"])
        #expect(PreTokenizerRule.smollm.split("x٣²") == ["x", "٣", "²"])  // Nd and No are \p{N}
    }

    @Test func llama3HandWorkedSplits() {
        let rule = PreTokenizerRule.llama3
        #expect(rule.split("Hello 12345 world!!\n\n  x") == ["Hello", " ", "123", "45", " world", "!!\n\n", " ", " x"])
        #expect(rule.split("I'M (int)") == ["I", "'M", " (", "int", ")"])
        #expect(rule.split("a \n\n b") == ["a", " \n\n", " b"])
        #expect(PreTokenizerRule.qwen2.split("x 2024") == ["x", " ", "2", "0", "2", "4"])
    }

    @Test func prefixSpace() {
        let rule = PreTokenizerRule(steps: [.gpt2], addPrefixSpace: true)
        #expect(rule.split("Hi there") == [" Hi", " there"])
        #expect(rule.split(" Hi") == [" Hi"])
    }

    /// The scanners agree with Swift Regex running the source patterns over Unicode scalars.
    @Test(arguments: [("gpt2", 0), ("llama3", 1), ("qwen2", 2)])
    func scannersAgreeWithRegexOracle(name: String, which: Int) throws {
        let pattern = [Self.gpt2Pattern, Self.llama3Pattern, Self.qwen2Pattern][which]
        let rule = [PreTokenizerRule.gpt2, .llama3, .qwen2][which]
        let regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
        var rng = SplitMix64(seed: 11 + UInt64(which))
        let alphabet: [Unicode.Scalar] = Array(
            "aZé'sStTmMlLrReEvVdD 0129٣²\t\n\r\u{A0}\u{3000}!?.,-(_\u{301}😀中".unicodeScalars)
        for round in 0..<250 {
            var view = String.UnicodeScalarView()
            let length = Int(rng.next() % 18)
            for _ in 0..<length {
                view.append(round % 2 == 0 ? alphabet[Int(rng.next() % UInt64(alphabet.count))] : rng.randomScalar())
            }
            let text = String(view)
            let expected = text.matches(of: regex).map {
                String(String.UnicodeScalarView(text.unicodeScalars[$0.range]))
            }
            let actual = rule.split(text)
            #expect(actual == expected, "\(name): \(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }
}
