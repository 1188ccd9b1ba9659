// JudgmentCodingTests: JSONL keys and round trips, failure encoding, malformed-line errors with
// line numbers, and a seeded mutation fuzz (every mutated file parses or throws, never traps).
import ArbiterCore
import ArbiterJudge
import ArbiterTestSupport
import Foundation
import Testing

let sampleJudgment = Judgment(
    id: "q1", judge: "smol", rubric: "helpfulness@1", rubricHash: "abc", criterion: "overall", score: 4,
    distribution: [3: 0.25, 4: 0.75], rationale: "good", raw: "good\n[RESULT] 4", promptHash: "ff",
    model: "SmolLM2", latencyMs: 12.5, attempts: 2)

@Test func jsonLineUsesSnakeCaseKeys() throws {
    let line = try sampleJudgment.jsonLine()
    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(
        Set(object.keys) == [
            "id", "judge", "rubric", "rubric_hash", "criterion", "score", "distribution", "rationale", "raw",
            "prompt_hash", "model", "latency_ms", "attempts",
        ])
    #expect(object["latency_ms"] as? Double == 12.5)
    #expect(!line.contains("\n"))
}

@Test func failedJudgmentHasNullScoreAndTypedFailure() throws {
    let failed = Judgment(
        id: "q2", judge: "j", rubric: "r", criterion: "c", score: 1, model: "m",
        failure: .offScale(value: 10, allowed: [1, 5]))
    #expect(failed.score == nil)  // a score passed with a failure is dropped
    let line = try failed.jsonLine()
    #expect(line.contains(#""score":null"#))
    #expect(line.contains(#""failure":{"allowed":[1,5],"kind":"off_scale","value":10}"#))
    let back = try Judgment.decodeJSONLines(Data(line.utf8))
    #expect(back == [failed])
}

@Test func roundTripsEveryFailureKind() throws {
    let failures: [JudgmentFailure] = [
        .unparseable, .offScale(value: 6, allowed: [1, 2]), .refusal, .timeout(seconds: 2),
        .transport(message: "HTTP 503"), .emptyOutput, .invalidSample(message: "no reference"),
        .positionInconsistent(original: .a, swapped: .b),
    ]
    let judgments = failures.enumerated().map {
        Judgment(id: "\($0.offset)", judge: "j", rubric: "r", criterion: "c", model: "m", failure: $0.element)
    }
    let data = try Judgment.jsonLines(judgments + [sampleJudgment])
    #expect(try Judgment.decodeJSONLines(data) == judgments + [sampleJudgment])
}

@Test func pairwiseJudgmentRoundTrips() throws {
    let j = Judgment(id: "p", judge: "j", rubric: "r", criterion: "pairwise", verdict: .b, model: "m")
    #expect(try Judgment.decodeJSONLines(Data(try j.jsonLine().utf8)) == [j])
}

@Test func malformedLinesNameFileAndLine() throws {
    let good = try sampleJudgment.jsonLine()
    let text = good + "\r\n\n" + #"{"id": "x", "judge": "j"}"# + "\n"
    #expect(throws: JudgmentFileError.self) { try Judgment.decodeJSONLines(Data(text.utf8), file: "j.jsonl") }
    do {
        _ = try Judgment.decodeJSONLines(Data(text.utf8), file: "j.jsonl")
    } catch let error as JudgmentFileError {
        guard case .malformedLine(let file, let line, let reason) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(file == "j.jsonl" && line == 3)
        #expect(reason.contains("rubric"))
        #expect(error.errorDescription?.contains("j.jsonl:3") == true)
    }
    let scoreWithFailure =
        #"{"id":"a","judge":"j","rubric":"r","criterion":"c","score":3,"model":"m","latency_ms":1,"failure":{"kind":"refusal"}}"#
    #expect(throws: JudgmentFileError.self) { try Judgment.decodeJSONLines(Data(scoreWithFailure.utf8)) }
    #expect(throws: JudgmentFileError.self) { try Judgment.decodeJSONLines(Data([0x7B, 0xFF, 0xFE, 0x0A])) }
}

@Test func fuzzedJudgmentFilesNeverTrap() throws {
    let good = try Judgment.jsonLines([
        sampleJudgment,
        Judgment(id: "f", judge: "j", rubric: "r", criterion: "c", model: "m", failure: .timeout(seconds: 1)),
    ])
    var rng = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
    func next() -> UInt64 { rng.next() }
    var parsed = 0
    var rejected = 0
    for _ in 0..<200 {
        var bytes = [UInt8](good)
        switch next() % 3 {
        case 0: bytes[Int(next() % UInt64(bytes.count))] ^= UInt8(1 << (next() % 8))
        case 1: bytes = Array(bytes.prefix(Int(next() % UInt64(bytes.count))))
        default: bytes[Int(next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: next())
        }
        do {
            _ = try Judgment.decodeJSONLines(Data(bytes))
            parsed += 1
        } catch is JudgmentFileError {
            rejected += 1
        }
    }
    #expect(parsed + rejected == 200)
    #expect(rejected > 0)
}

@Test func promptHashIsSHA256() {
    // SHA-256("user\nabc\n") from `printf 'user\nabc\n' | sha256sum`.
    #expect(LLMJudge.promptHash([.user("abc")]) == "cdab99c23cf25923161ba11d9af4b6b32a02937f8be8249a25fccff01f9b653d")
}

/// Distributions are keyed by score in memory and by the score's text in JSON, read back once.
@Test func distributionKeysAreScoresWrittenAsText() throws {
    let line = try sampleJudgment.jsonLine()
    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(object["distribution"] as? [String: Double] == ["3": 0.25, "4": 0.75])
    #expect(try Judgment.decodeJSONLines(Data(line.utf8)).first?.distribution == [3: 0.25, 4: 0.75])
    let bad = line.replacingOccurrences(of: #""3":0.25"#, with: #""three":0.25"#)
    #expect(bad != line)
    #expect(throws: (any Error).self) { try Judgment.decodeJSONLines(Data(bad.utf8)) }
}
