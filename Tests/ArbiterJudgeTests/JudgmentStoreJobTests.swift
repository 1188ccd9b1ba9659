// JudgmentStoreJobTests: JudgeJob with a judgment store (the fake judges of JudgeJobTests): the
// store decides what is done (a changed sample or judge configuration is judged again, the same
// content is not; the same content under two ids keeps both); a run cancelled midway, and a process "killed" midway (the database files
// copied from disk mid-run, without closing), rerun to every judgment exactly once; failures kept
// and retried on request; the export equals the run's JSONL log byte for byte; a JSONL log that
// lost lines (a kill between the store commit and the log append, or a fresh --out) is refilled
// from the store without judging again.
import ArbiterJudge
import ArbiterRubric
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct JudgmentStoreJobTests {
    func job(
        _ folder: URL, backend: FunctionBackend, store: JudgmentStore?, jsonl: Bool = true, concurrency: Int = 3,
        retryFailed: Bool = false, skipInvalid: Bool = false, settings: [String: String] = [:]
    ) throws -> JudgeJob {
        let rubric = try ShippedRubric.load("summeval-consistency")
        var judge = JobJudge(
            try RubricJudge.pointwise(
                name: "fake", rubric: rubric, backend: backend,
                options: RubricJudgeOptions(call: try JudgeCallSettings(reasks: 0))))
        judge.settings = settings
        return JudgeJob(
            input: folder.appendingPathComponent("samples.jsonl"),
            output: jsonl ? folder.appendingPathComponent("judgments.jsonl") : nil, store: store, judge: judge,
            options: try JudgeJobOptions(concurrency: concurrency, skipInvalid: skipInvalid, retryFailed: retryFailed))
    }

    func jsonlBytes(_ folder: URL) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent("judgments.jsonl"))
    }

    /// The judgment lines of a JSONL log with superseded lines (an earlier line of a repeated
    /// key) dropped, in the order of the lines kept.
    func latestLines(_ data: Data) throws -> Data {
        let all = try Judgment.decodeJSONLines(data)
        let keys = all.map { "\($0.id)|\($0.judge)|\($0.rubricHash ?? "")|\($0.criterion)" }
        var lastIndex: [String: Int] = [:]
        for (i, k) in keys.enumerated() { lastIndex[k] = i }
        return try Judgment.jsonLines(
            all.enumerated().filter { lastIndex[keys[$0.offset]] == $0.offset }.map(\.element))
    }

    @Test func storeDecidesWhatIsDone() async throws {
        let folder = try jobFolder()
        let samples = folder.appendingPathComponent("samples.jsonl")
        try writeSamples(8, to: samples)
        let store = try freshStore()
        let s1 = try await job(folder, backend: scoringBackend(), store: store, jsonl: false).run()
        #expect(try s1.judged == 8 && store.count() == 8)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("judgments.jsonl").path))

        let again = scoringBackend()
        let s2 = try await job(folder, backend: again, store: store, jsonl: false).run()
        #expect(again.callCount == 0 && s2.alreadyDone == 8)

        // Same ids, one sample's content changed: only it is judged again (the JSONL key would skip it).
        var text = try String(contentsOf: samples, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"document 3\"", with: "\"document three\"")
        try text.write(to: samples, atomically: true, encoding: .utf8)
        let changed = scoringBackend()
        let s3 = try await job(folder, backend: changed, store: store, jsonl: false).run()
        #expect(try changed.callCount == 1 && s3.judged == 1 && store.count() == 9)

        // Another judge configuration judges everything again, in rows of its own.
        let reconfigured = scoringBackend()
        _ = try await job(folder, backend: reconfigured, store: store, jsonl: false, settings: ["max_tokens": "64"])
            .run()
        #expect(try reconfigured.callCount == 8 && store.count() == 17)
    }

    @Test func sameContentUnderTwoIdsKeepsBothJudgments() async throws {
        let folder = try jobFolder()
        let text = """
            {"id": "x", "prompt": "same document", "response": "score=4"}
            {"id": "y", "prompt": "same document", "response": "score=4"}

            """
        try text.write(to: folder.appendingPathComponent("samples.jsonl"), atomically: true, encoding: .utf8)
        let store = try freshStore()
        _ = try await job(folder, backend: scoringBackend(), store: store).run()
        let rows = try store.allJudgments()
        #expect(rows.map(\.judgment.id).sorted() == ["x", "y"] && rows[0].key.sampleHash == rows[1].key.sampleHash)
        #expect(try store.exportJSONL() == jsonlBytes(folder))
        let again = scoringBackend()
        let summary = try await job(folder, backend: again, store: store).run()
        #expect(again.callCount == 0 && summary.copiedFromStore == 0)
    }

    @Test func cancelledRunThenRerunHasEveryJudgmentOnce() async throws {
        let folder = try jobFolder()
        try writeSamples(30, to: folder.appendingPathComponent("samples.jsonl"))
        let store = try freshStore()
        let first = try job(folder, backend: scoringBackend(delayMs: 5), store: store)
        let box = TaskBox()
        let task = Task { try await first.run { p in if p.done >= 10 { box.cancel() } } }
        box.set(task)
        guard case .failure(let error) = await task.result else {
            Issue.record("the run was not cancelled")
            return
        }
        #expect(error is CancellationError)
        let partial = try store.count()
        #expect(partial >= 10 && partial < 30)
        #expect(try store.exportJSONL() == jsonlBytes(folder))

        let rerun = scoringBackend()
        let summary = try await job(folder, backend: rerun, store: store).run()
        #expect(summary.alreadyDone == partial && rerun.callCount == 30 - partial)
        let rows = try store.allJudgments()
        #expect(rows.count == 30 && Set(rows.map(\.judgment.id)).count == 30)
        for row in rows {
            let i = try #require(Int(row.judgment.id.dropFirst()))
            #expect(row.judgment.score == Double(i % 5 + 1))
        }
        // Both records agree, line for line.
        #expect(try store.exportJSONL() == jsonlBytes(folder))
    }

    @Test func killedProcessFilesResumeWithoutLossOrDuplicates() async throws {
        let folder = try jobFolder()
        try writeSamples(24, to: folder.appendingPathComponent("samples.jsonl"))
        let dbURL = folder.appendingPathComponent("live.sqlite")
        let killed = try jobFolder()
        let killedURL = killed.appendingPathComponent("live.sqlite")
        let store = try JudgmentStore(url: dbURL)
        let snapshotAt = 9
        // After `snapshotAt` samples, copy the database and its WAL as they lie on disk: what a
        // SIGKILL at that moment would leave (no close, no checkpoint).
        _ = try await job(folder, backend: scoringBackend(), store: store, jsonl: false, concurrency: 4).run { p in
            guard p.done == snapshotAt else { return }
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: dbURL.path + suffix) {
                try? FileManager.default.copyItem(atPath: dbURL.path + suffix, toPath: killedURL.path + suffix)
            }
        }
        let resumed = try JudgmentStore(url: killedURL)
        #expect(try resumed.count() == snapshotAt)
        let rerun = scoringBackend()
        let summary = try await job(folder, backend: rerun, store: resumed, jsonl: false).run()
        #expect(summary.alreadyDone == snapshotAt && rerun.callCount == 24 - snapshotAt)
        let rows = try resumed.allJudgments()
        #expect(rows.count == 24 && Set(rows.map(\.judgment.id)).count == 24)
        #expect(rows.map(\.seq) == rows.map(\.seq).sorted())
    }

    @Test func failuresAreKeptAndRetriedOnlyOnRequest() async throws {
        let folder = try jobFolder()
        try writeSamples(8, to: folder.appendingPathComponent("samples.jsonl"), garbled: [2, 5])
        let store = try freshStore()
        let s1 = try await job(folder, backend: scoringBackend(), store: store).run()
        #expect(s1.failures == 2)
        let failed = try store.allJudgments().map(\.judgment).filter { !$0.succeeded }
        #expect(
            Set(failed.map(\.id)) == ["s2", "s5"] && failed.allSatisfy { $0.failure == .unparseable && $0.score == nil }
        )

        let again = scoringBackend()
        _ = try await job(folder, backend: again, store: store).run()
        #expect(again.callCount == 0)

        let retry = scoringBackend()
        let s3 = try await job(folder, backend: retry, store: store, retryFailed: true).run()
        #expect(retry.callCount == 2 && s3.judged == 2)
        // The store keeps one row per key (the retry replaced the failure); the log has both lines,
        // and the export is the log with the superseded lines left out.
        #expect(try store.count() == 8)
        #expect(try Judgment.decodeJSONLines(jsonlBytes(folder)).count == 10)
        #expect(try store.exportJSONL() == latestLines(jsonlBytes(folder)))
    }

    @Test func invalidLinesAreStoredOnce() async throws {
        let folder = try jobFolder()
        let text = """
            {"id": "a", "prompt": "p", "response": "score=2"}
            not json
            {"id": "b", "prompt": "p"}

            """
        try text.write(to: folder.appendingPathComponent("samples.jsonl"), atomically: true, encoding: .utf8)
        let store = try freshStore()
        let s1 = try await job(folder, backend: scoringBackend(), store: store, skipInvalid: true).run()
        #expect(try s1.judged == 1 && s1.failures == 2 && store.count() == 3)
        _ = try await job(folder, backend: scoringBackend(), store: store, skipInvalid: true).run()
        #expect(try store.count() == 3)
        #expect(try store.exportJSONL() == jsonlBytes(folder))
    }

    @Test func logMissingLinesIsRefilledFromTheStore() async throws {
        let folder = try jobFolder()
        try writeSamples(6, to: folder.appendingPathComponent("samples.jsonl"))
        let store = try freshStore()
        _ = try await job(folder, backend: scoringBackend(), store: store, jsonl: false).run()
        // A fresh --out: every judgment is copied into it, none judged again.
        let backend = scoringBackend()
        let s1 = try await job(folder, backend: backend, store: store).run()
        #expect(backend.callCount == 0 && s1.copiedFromStore == 6)
        #expect(try jsonlBytes(folder) == store.exportJSONL())

        // A kill after the store commit but before the log append: the last line is missing.
        let url = folder.appendingPathComponent("judgments.jsonl")
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
        lines.removeLast()
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        let s2 = try await job(folder, backend: backend, store: store).run()
        #expect(backend.callCount == 0 && s2.copiedFromStore == 1 && s2.judged == 0)
        #expect(try jsonlBytes(folder) == store.exportJSONL())
        // Nothing more to copy on the next run.
        #expect(try await job(folder, backend: backend, store: store).run().copiedFromStore == 0)
    }

    @Test func manyConcurrentJudgesWriteEverySampleOnce() async throws {
        let folder = try jobFolder()
        try writeSamples(40, to: folder.appendingPathComponent("samples.jsonl"))
        let store = try freshStore()
        let backend = scoringBackend(delayMs: 1)
        _ = try await job(folder, backend: backend, store: store, concurrency: 8).run()
        let rows = try store.allJudgments()
        #expect(rows.count == 40 && Set(rows.map(\.key)).count == 40 && backend.callCount == 40)
        #expect(try store.exportJSONL() == jsonlBytes(folder))
    }
}
