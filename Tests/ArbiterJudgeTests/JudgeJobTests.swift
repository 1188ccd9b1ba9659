// JudgeJobTests: resumable judging runs over samples JSONL with a scripted fake backend: a run
// cancelled midway then rerun yields each of 30 judgments exactly once; a truncated last output
// line is repaired; failures are kept and only retried on request; malformed sample lines stop
// the job (with file and line) or are recorded with skipInvalid.
import ArbiterCore
import ArbiterJudge
import ArbiterRubric
import ArbiterTestSupport
import Foundation
import Testing

/// A fresh temporary folder for one test.
func jobFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
        "arbiter-job-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `count` pointwise samples; the response text names the score the fake judge gives
/// ("score=3"), or "garbled" for the ids in `garbled`.
func writeSamples(_ count: Int, to url: URL, garbled: Set<Int> = []) throws {
    var lines: [String] = []
    for i in 0..<count {
        let response = garbled.contains(i) ? "garbled" : "score=\(i % 5 + 1)"
        lines.append(#"{"id": "s\#(i)", "prompt": "document \#(i)", "response": "\#(response)"}"#)
    }
    try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
}

/// Answers "[RESULT] n" for "score=n" responses, and unreadable text for "garbled" ones.
func scoringBackend(delayMs: Int = 0) -> FunctionBackend {
    FunctionBackend { request in
        if delayMs > 0 { Thread.sleep(forTimeInterval: Double(delayMs) / 1000) }
        let user = request.messages.last?.content ?? ""
        guard let r = user.range(of: "score=") else { return "no idea at all" }
        return "Reasoning.\n[RESULT] \(user[r.upperBound])"
    }
}

final class TaskBox: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<JudgeJobSummary, any Error>?
    func set(_ t: Task<JudgeJobSummary, any Error>) { lock.withLock { task = t } }
    func cancel() { lock.withLock { task?.cancel() } }
}

@Suite struct JudgeJobTests {
    func job(
        _ folder: URL, backend: FunctionBackend, concurrency: Int = 3, retryFailed: Bool = false,
        skipInvalid: Bool = false
    ) throws -> JudgeJob {
        let rubric = try ShippedRubric.load("summeval-consistency")
        let judge = try RubricJudge.pointwise(
            name: "fake", rubric: rubric, backend: backend,
            options: RubricJudgeOptions(call: try JudgeCallSettings(reasks: 0)))
        return JudgeJob(
            input: folder.appendingPathComponent("samples.jsonl"),
            output: folder.appendingPathComponent("judgments.jsonl"),
            judge: JobJudge(judge),
            options: try JudgeJobOptions(concurrency: concurrency, skipInvalid: skipInvalid, retryFailed: retryFailed))
    }

    func readOutput(_ folder: URL) throws -> [Judgment] {
        try Judgment.decodeJSONLines(Data(contentsOf: folder.appendingPathComponent("judgments.jsonl")))
    }

    @Test func cancelledRunThenRerunHasEveryJudgmentOnce() async throws {
        let folder = try jobFolder()
        try writeSamples(30, to: folder.appendingPathComponent("samples.jsonl"))
        let first = try job(folder, backend: scoringBackend(delayMs: 5))
        let box = TaskBox()
        let task = Task {
            try await first.run { p in if p.done >= 10 { box.cancel() } }
        }
        box.set(task)
        let outcome = await task.result
        let partial = try readOutput(folder)
        // Cancelled midway: the run throws, and only whole samples finished before it are written.
        guard case .failure(let error) = outcome else {
            Issue.record("the run was not cancelled")
            return
        }
        #expect(error is CancellationError)
        #expect(partial.count >= 10 && partial.count < 30)

        let rerunBackend = scoringBackend()
        let summary = try await job(folder, backend: rerunBackend).run()
        #expect(summary.alreadyDone == partial.count)
        #expect(rerunBackend.callCount == 30 - partial.count)
        let all = try readOutput(folder)
        #expect(all.count == 30)
        #expect(Set(all.map(\.id)).count == 30)
        for j in all {
            let i = try #require(Int(j.id.dropFirst()))
            #expect(j.score == Double(i % 5 + 1))
        }
    }

    @Test func truncatedLastLineIsRepaired() async throws {
        let folder = try jobFolder()
        try writeSamples(6, to: folder.appendingPathComponent("samples.jsonl"))
        _ = try await job(folder, backend: scoringBackend()).run()
        let out = folder.appendingPathComponent("judgments.jsonl")
        var bytes = try Data(contentsOf: out)
        bytes.removeLast(25)  // the newline and the end of the last object: a killed write
        try bytes.write(to: out)
        let backend = scoringBackend()
        let summary = try await job(folder, backend: backend).run()
        #expect(summary.repairedBytes > 0 && summary.judged == 1 && backend.callCount == 1)
        let all = try readOutput(folder)
        #expect(all.count == 6 && Set(all.map(\.id)).count == 6)
    }

    @Test func failuresAreKeptAndRetriedOnlyOnRequest() async throws {
        let folder = try jobFolder()
        try writeSamples(8, to: folder.appendingPathComponent("samples.jsonl"), garbled: [2, 5])
        let s1 = try await job(folder, backend: scoringBackend()).run()
        #expect(s1.failures == 2)
        let failed = try readOutput(folder).filter { !$0.succeeded }
        #expect(
            Set(failed.map(\.id)) == ["s2", "s5"] && failed.allSatisfy { $0.failure == .unparseable && $0.score == nil }
        )

        let again = scoringBackend()
        let s2 = try await job(folder, backend: again).run()
        #expect(again.callCount == 0 && s2.judged == 0 && s2.alreadyDone == 8)

        let retry = scoringBackend()
        let s3 = try await job(folder, backend: retry, retryFailed: true).run()
        #expect(retry.callCount == 2 && s3.judged == 2)
        #expect(try readOutput(folder).count == 10)
    }

    @Test func malformedLinesStopTheJobWithFileAndLine() async throws {
        let folder = try jobFolder()
        let input = folder.appendingPathComponent("samples.jsonl")
        let text = """
            {"id": "a", "prompt": "p", "response": "score=2"}
            {"id": "b", "prompt": "p"}
            not json
            {"id": "a", "prompt": "p", "response": "score=3"}
            {"id": 7, "prompt": "p", "response": "x"}

            """
        try text.write(to: input, atomically: true, encoding: .utf8)
        let backend = scoringBackend()
        do {
            _ = try await job(folder, backend: backend).run()
            Issue.record("a job over malformed samples must not start")
        } catch let JudgeJobError.invalidSamples(issues) {
            #expect(issues.map(\.line) == [2, 3, 4, 5])
            #expect(issues.allSatisfy { $0.file == input.path })
            #expect(issues[0].reason.contains("response") && issues[2].reason.contains("duplicate"))
        }
        #expect(backend.callCount == 0)

        let summary = try await job(folder, backend: backend, skipInvalid: true).run()
        #expect(summary.judged == 1 && summary.invalid.count == 4)
        let out = try readOutput(folder)
        #expect(out.count == 5)
        #expect(out.filter { if case .invalidSample = $0.failure { true } else { false } }.count == 4)
        // A rerun records nothing new.
        _ = try await job(folder, backend: backend, skipInvalid: true).run()
        #expect(try readOutput(folder).count == 5)
    }

    @Test func fuzzedSampleLinesNeverTrap() {
        var rng = SplitMix64(seed: 42)
        let good = Array(#"{"id": "x", "prompt": "p", "response": "r", "reference": "q"}"#.utf8)
        for _ in 0..<200 {
            var bytes = good
            for _ in 0..<3 {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            let parsed = JudgeJob.parseSamples(Data(bytes), file: "fuzz", pairwise: false)
            #expect(parsed.samples.count + parsed.issues.count == 1)
        }
    }
}
