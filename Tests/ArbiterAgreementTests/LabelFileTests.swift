import ArbiterAgreement
// LabelFileTests: the JSONL loaders accept every documented format, name file and line in each
// error, list ids present on one side only, and never trap on truncated, bit-flipped or fuzzed bytes.
import ArbiterCore
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct LabelFileTests {
    func parse(_ text: String) throws -> LabelFile { try LabelFile(parsing: Data(text.utf8), name: "labels.jsonl") }

    @Test func acceptsEveryDocumentedFormat() throws {
        let graded = try parse(
            """
            {"id": "x1", "rater": "r1", "criterion": "c", "score": 4}
            {"id": "x1", "rater": "r2", "criterion": "c", "score": 5.5}

            {"id": "x2", "criterion": "c", "scores": [1, 2, null]}
            """)
        #expect(graded.kind == .graded)
        #expect(graded.records.count == 5)
        #expect(graded.sources == ["#1", "#2", "#3", "r1", "r2"])
        #expect(graded.records[4].value == nil && graded.records[4].line == 4)
        let votes = try parse(
            #"{"id":"p","rater":"h","winner":"tie"}"# + "\n" + #"{"id":"p","judge":"j","winner":"A"}"#)
        #expect(votes.kind == .pairwise)
        #expect(votes.records.map(\.value) == [.vote(.tie), .vote(.a)])
        let judge = try parse(
            #"{"id":"x1","judge":"m","rubric":"r","criterion":"c","score":3,"latency_ms":12,"raw":"..."}"#)
        #expect(judge.sources == ["m"])
    }

    @Test func errorsNameFileLineAndFix() throws {
        let cases: [(String, Int, LabelFileError.Problem)] = [
            (
                "{\"id\":\"a\",\"rater\":\"r\",\"score\":1}\n{\"id\":\"a\",\"rater\":\"r\",\"score\":2}", 2,
                .duplicate(id: "a", source: "r", criterion: nil, firstLine: 1)
            ),
            ("{\"id\":\"a\",\"rater\":\"r\"}", 1, .missingField("score")),
            ("\n\n{\"rater\":\"r\",\"score\":1}", 3, .missingField("id")),
            (
                "{\"id\":\"a\",\"rater\":\"r\",\"score\":\"high\"}", 1,
                .wrongType(field: "score", expected: "a number or null")
            ),
            (
                "{\"id\":\"a\",\"rater\":\"r\",\"score\":true}", 1,
                .wrongType(field: "score", expected: "a number or null")
            ),
            ("{\"id\":\"a\",\"rater\":\"r\",\"winner\":\"c\"}", 1, .invalidWinner("c")),
            (
                "{\"id\":\"a\",\"rater\":\"r\",\"winner\":\"a\",\"score\":1}", 1,
                .conflictingFields("the line has score and winner")
            ),
            (
                "{\"id\":\"a\",\"rater\":\"r\",\"score\":1}\n{\"id\":\"b\",\"rater\":\"r\",\"winner\":\"a\"}", 2,
                .mixedKinds
            ),
            ("", 0, .empty),
        ]
        for (text, line, problem) in cases {
            let error = try #require(throws: LabelFileError.self) { try parse(text) }
            #expect(error.line == line && error.problem == problem, "\(text)")
            #expect(error.errorDescription?.contains("labels.jsonl") == true)
        }
        let broken = try #require(throws: LabelFileError.self) {
            try parse("{\"id\":\"a\",\"rater\":\"r\",\"score\":1}\n{\"id\": ")
        }
        #expect(broken.line == 2)
        if case .invalidJSON = broken.problem {} else { Issue.record("expected invalidJSON, got \(broken.problem)") }
        let missing = try #require(throws: LabelFileError.self) {
            try LabelFile.load(URL(fileURLWithPath: "/nonexistent/x.jsonl"))
        }
        #expect(missing.errorDescription?.contains("/nonexistent/x.jsonl") == true)
    }

    @Test func alignmentListsIdsOnOneSideOnly() throws {
        let humans = try parse(
            """
            {"id":"a","rater":"h1","score":1}
            {"id":"a","rater":"h2","score":2}
            {"id":"b","rater":"h1","score":3}
            {"id":"c","rater":"h1","score":4}
            """)
        let judge = try parse(
            """
            {"id":"a","judge":"j","score":1}
            {"id":"c","judge":"j","score":null}
            {"id":"z","judge":"j","score":5}
            """)
        let al = LabelAlignment(humans: try humans.scoreTable(), judge: try judge.scoreTable())
        #expect(al.humans.itemIDs == ["a"])
        #expect(al.judge == [1])
        #expect(al.onlyHuman == ["b", "c"])
        #expect(al.onlyJudge == ["z"])
        #expect(throws: AuditError.unknownCriterion(file: "labels.jsonl", criterion: "x", criteria: [])) {
            try humans.scoreTable(criterion: "x")
        }
    }

    @Test func fuzzedBytesParseOrThrowNeverTrap() throws {
        let good = try Fixtures.data("agreement/pandalm/judge_labels.jsonl").prefix(3000)
        var rng = SplitMix64(seed: 20_240_601)
        var parsed = 0
        var rejected = 0
        for round in 0..<200 {
            var bytes = [UInt8](good)
            switch round % 3 {
            case 0: bytes = Array(bytes.prefix(Int(rng.next(below: UInt64(bytes.count)))))
            case 1:
                for _ in 0..<(1 + Int(rng.next(below: 4))) {
                    let i = Int(rng.next(below: UInt64(bytes.count)))
                    bytes[i] ^= UInt8(1 << rng.next(below: 8))
                }
            default:
                for _ in 0..<(1 + Int(rng.next(below: 8))) {
                    bytes[Int(rng.next(below: UInt64(bytes.count)))] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            do {
                _ = try LabelFile(parsing: Data(bytes), name: "fuzz.jsonl")
                parsed += 1
            } catch is LabelFileError {
                rejected += 1
            }
            do { _ = try SampleFile(parsing: Data(bytes), name: "fuzz.jsonl") } catch is LabelFileError {}
        }
        #expect(parsed + rejected == 200)
        #expect(rejected > 0)
    }
}
