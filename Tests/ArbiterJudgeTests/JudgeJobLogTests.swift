import ArbiterCore
import ArbiterJudge
import ArbiterRubric
// JudgeJobLogTests: the append-only judgments log on its own (a whole last line that only lacks
// its newline is kept, a malformed middle line is an error with file and line) and a pairwise
// job over pairwise samples, resumed without duplicates.
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct JudgeJobLogTests {
    func judgment(_ id: String) -> Judgment {
        Judgment(id: id, judge: "j", rubric: "r", rubricHash: "h", criterion: "c", score: 3, model: "m")
    }

    @Test func lastLineWithoutNewlineIsKept() async throws {
        let url = try jobFolder().appendingPathComponent("j.jsonl")
        let text = try judgment("a").jsonLine() + "\n" + judgment("b").jsonLine()
        try text.write(to: url, atomically: true, encoding: .utf8)
        let log = try JudgmentLog(url: url)
        #expect(log.existing.map(\.id) == ["a", "b"] && log.discardedBytes == 0)
        try await log.append(judgment("c"))
        let back = try Judgment.decodeJSONLines(Data(contentsOf: url))
        #expect(back.map(\.id) == ["a", "b", "c"])
    }

    @Test func malformedMiddleLineIsAnErrorNamingTheLine() throws {
        let url = try jobFolder().appendingPathComponent("j.jsonl")
        let text = try judgment("a").jsonLine() + "\n{\"id\": 3}\n" + judgment("b").jsonLine() + "\n"
        try text.write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: JudgmentFileError.self) { try JudgmentLog(url: url) }
        do { _ = try JudgmentLog(url: url) } catch let JudgmentFileError.malformedLine(file, line, _) {
            #expect(file == url.path && line == 2)
        } catch { Issue.record("unexpected \(error)") }
        // The file is left as it was.
        #expect(try String(contentsOf: url, encoding: .utf8) == text)
    }

    @Test func pairwiseJobResumes() async throws {
        let folder = try jobFolder()
        let input = folder.appendingPathComponent("pairs.jsonl")
        let lines = (0..<6).map { #"{"id": "p\#($0)", "prompt": "q", "response_a": "good", "response_b": "bad"}"# }
        try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        let rubric = try ShippedRubric.load("pairwise-preference")
        // Prefers the response that reads "good", wherever it is shown.
        let backend = FunctionBackend { request in
            let user = request.messages.last?.content ?? ""
            let good = user.range(of: "good")?.lowerBound
            let bad = user.range(of: "bad")?.lowerBound
            return (good ?? user.endIndex) < (bad ?? user.endIndex) ? "[RESULT] A" : "[RESULT] B"
        }
        func makeJob(limit: Int?) throws -> JudgeJob {
            JudgeJob(
                input: input, output: folder.appendingPathComponent("out.jsonl"),
                judge: JobJudge(pairwise: try RubricJudge.pairwise(name: "pj", rubric: rubric, backend: backend)),
                options: try JudgeJobOptions(concurrency: 2, limit: limit))
        }
        let s1 = try await makeJob(limit: 4).run()
        #expect(s1.judged == 4 && s1.total == 4)
        let s2 = try await makeJob(limit: nil).run()
        #expect(s2.alreadyDone == 4 && s2.judged == 2)
        let out = try Judgment.decodeJSONLines(Data(contentsOf: folder.appendingPathComponent("out.jsonl")))
        #expect(out.count == 6 && Set(out.map(\.id)).count == 6)
        #expect(out.allSatisfy { $0.verdict == .a && $0.positionConsistent == true && $0.criterion == "pairwise" })
    }
}

@Suite struct JudgeJobLogFuzzTests {
    @Test func mutatedLogsOpenOrThrowNeverTrap() throws {
        let folder = try jobFolder()
        var good = Data()
        for i in 0..<4 {
            let j = Judgment(
                id: "s\(i)", judge: "j", rubric: "r", rubricHash: "h", criterion: "c", score: Double(i % 5 + 1),
                rationale: "ok", model: "m")
            good.append(contentsOf: Array(try j.jsonLine().utf8) + [0x0A])
        }
        var rng = SplitMix64(seed: 7)
        var opened = 0
        for k in 0..<200 {
            var bytes = [UInt8](good)
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            if k % 4 == 0 { bytes.removeLast(Int(rng.next() % 40)) }
            let url = folder.appendingPathComponent("f\(k).jsonl")
            try Data(bytes).write(to: url)
            if let log = try? JudgmentLog(url: url) {
                opened += 1
                // Whatever was kept reads back as whole lines.
                #expect(try Judgment.decodeJSONLines(Data(contentsOf: url)).count == log.existing.count)
            }
        }
        #expect(opened > 0)
    }
}
