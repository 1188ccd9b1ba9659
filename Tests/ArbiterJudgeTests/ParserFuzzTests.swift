import ArbiterCore
import ArbiterJudge
// ParserFuzzTests: seeded random mutations of judge outputs through every parser; each must
// return a result (a score, a verdict or a typed failure) and never trap. Also checks that every
// successful parse lies on the scale.
import ArbiterTestSupport
import Foundation
import Testing

@Test func fuzzedJudgeOutputsNeverTrap() {
    let seeds = [
        "Reasoning.\n[RESULT] 4", #"```json\n{"score": 3, "rationale": "x \"q\" {}"}\n```"#,
        "**Score:** 5/5\r\n", "[RESULT] coherence: 4\n[RESULT] fluency: 2", "Output (a)",
        #"{"scores": {"coherence": {"score": 2}}}"#, "Response B is better. [[A]]", "é🙂\u{0}[RESULT]",
    ]
    let pieces = [
        "{", "}", "\"", "\\", "[RESULT]", "Score:", "/", "out of", "\r\n", "**", "9", "-", ".", "e", "🙂", "\u{FFFD}",
        "\u{0}",
    ]
    var rng = SplitMix64(seed: 42)
    let parser = VerdictParser(allowed: .set([1, 2, 3, 4, 5]))
    for _ in 0..<200 {
        var chars = Array(seeds[rng.below(seeds.count)])
        for _ in 0...rng.below(4) {
            let at = rng.below(chars.count + 1)
            switch rng.below(3) {
            case 0: chars.insert(contentsOf: Array(pieces[rng.below(pieces.count)]), at: at)
            case 1: if at < chars.count { chars.remove(at: at) }
            default: chars = Array(chars.prefix(at))
            }
        }
        let text = String(chars)
        // A score is on the scale; a failure is one of the parser's own kinds.
        switch parser.parseScore(text) {
        case .success(let p): #expect((1...5).contains(p.score), "\(text.debugDescription)")
        case .failure(let f):
            switch f {
            case .unparseable, .offScale, .refusal, .emptyOutput: break
            default: Issue.record("parseScore(\(text.debugDescription)) failed with \(f)")
            }
        }
        // The last verdict wins: an appended "[RESULT] 3" is the answer whatever came before.
        #expect((try? parser.parseScore(text + "\n[RESULT] 3").get().score) == 3, "\(text.debugDescription)")
        for (_, r) in parser.parseCriteria(text, criteria: ["coherence", "fluency"]) {
            if case .success(let p) = r { #expect((1...5).contains(p.score)) }
        }
        if case .failure(let f) = VerdictParser.parsePairwise(text) {
            switch f {
            case .unparseable, .refusal, .emptyOutput: break
            default: Issue.record("parsePairwise(\(text.debugDescription)) failed with \(f)")
            }
        }
        if let n = NumericMatchVerifier.lastNumber(in: text) {
            #expect(n.isFinite && text.contains { $0.isNumber }, "\(text.debugDescription) → \(n)")
        }
        #expect(parser.parseScore(text) == parser.parseScore(text), "parsing is deterministic")
    }
}

@Test func hostileBraceFloodParses() throws {
    let flood = String(repeating: "{\"a\": ", count: 5_000) + "\n[RESULT] 3"
    #expect(try VerdictParser(allowed: .set([1, 2, 3])).parseScore(flood).get().score == 3)
}
