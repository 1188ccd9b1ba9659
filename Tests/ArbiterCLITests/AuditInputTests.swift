// AuditInputTests: `arbiter audit` reads what `arbiter judge` writes — a judgments file resumed with
// --retry-failed holds a second line for a retried key, and the later line wins — and refuses
// count options that would size memory past a cap, naming the cap. Files go to a temporary folder.
import Arbiter
import ArgumentParser
import Foundation
import Testing

@testable import ArbiterCLI

/// Fails the first call for the ids in `flaky` (a timeout), scores every other call.
private struct FlakyJudge: Judge {
    actor Calls {
        var seen: Set<String> = []
        func first(_ id: String) -> Bool { seen.insert(id).inserted }
    }

    let name = "flaky"
    let flaky: Set<String>
    let calls = Calls()

    func judge(_ samples: [JudgeSample]) async -> [Judgment] {
        var out: [Judgment] = []
        for s in samples {
            if flaky.contains(s.id), await calls.first(s.id) {
                out.append(
                    Judgment(
                        id: s.id, judge: name, rubric: "r", rubricHash: "h", criterion: "quality", model: "m",
                        failure: .timeout(seconds: 1)))
            } else {
                out.append(
                    Judgment(
                        id: s.id, judge: name, rubric: "r", rubricHash: "h", criterion: "quality",
                        score: Double(s.response.count), model: "m"))
            }
        }
        return out
    }
}

@Suite struct AuditInputTests {
    func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("audit-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func auditReadsAJudgmentsFileResumedWithRetryFailed() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let samples = dir.appendingPathComponent("samples.jsonl")
        let judgments = dir.appendingPathComponent("judgments.jsonl")
        let human = dir.appendingPathComponent("human.jsonl")
        let responses = ["a", "bb", "ccc", "dddd", "eeeee"]
        try Data(
            responses.enumerated().map { i, r in #"{"id":"s\#(i)","prompt":"p","response":"\#(r)"}"# }
                .joined(separator: "\n").utf8
        ).write(to: samples)
        try Data(
            responses.indices.flatMap { i in
                [
                    #"{"id":"s\#(i)","rater":"h1","criterion":"quality","score":\#(i + 1)}"#,
                    #"{"id":"s\#(i)","rater":"h2","criterion":"quality","score":\#(min(5, i + 2))}"#,
                ]
            }.joined(separator: "\n").utf8
        ).write(to: human)
        let judge = JobJudge(
            pointwise: FlakyJudge(flaky: ["s1", "s3"]), rubric: "r", rubricHash: "h", criteria: ["quality"])
        let first = try await JudgeJob(
            input: samples, output: judgments, judge: judge, options: try JudgeJobOptions(concurrency: 1)
        ).run()
        #expect(first.failures == 2)
        let retry = try await JudgeJob(
            input: samples, output: judgments, judge: judge,
            options: try JudgeJobOptions(concurrency: 1, retryFailed: true)
        ).run()
        #expect(retry.judged == 2 && retry.failures == 0)
        let lines = try String(contentsOf: judgments, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 7, "the retried keys have a second line")

        let report = try AgreementAudit.run(humanFile: human, judgeFile: judgments, options: try AuditOptions())
        let c = try #require(report.criteria.first)
        #expect(c.itemCount == 5 && c.onlyHuman.isEmpty)
        #expect(c.judgeScores == [1, 2, 3, 4, 5], "the later line of a retried key wins")

        let command = try #require(
            try ArbiterCommand.parseAsRoot([
                "audit", "--human", human.path, "--judge", judgments.path, "--bootstrap", "0",
            ]) as? AuditCommand)
        try await command.run()
    }

    @Test func countOptionsThatSizeMemoryAreCapped() throws {
        for arguments in [["--bootstrap", "100000000"], ["--bootstrap", "\(Int.max)"]] {
            let error: (any Error)? = {
                do {
                    _ = try ArbiterCommand.parseAsRoot(["audit", "--human", "h", "--judge", "j"] + arguments)
                    return nil
                } catch { return error }
            }()
            let caught = try #require(error, "\(arguments) was accepted")
            #expect(ArbiterCommand.exitCode(for: caught) == .validationFailure)
            #expect(ArbiterCommand.message(for: caught).contains("100000"), "\(ArbiterCommand.message(for: caught))")
        }
        _ = try ArbiterCommand.parseAsRoot(["audit", "--human", "h", "--judge", "j", "--bootstrap", "100000"])
    }
}
