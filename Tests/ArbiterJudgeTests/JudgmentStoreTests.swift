// JudgmentStoreTests: the SQLite judgment store on its own: one row per (rubric hash, judge
// configuration, sample hash, sample id, criterion) with the later judgment winning, every Judgment field
// surviving the round trip, content and configuration hashes that ignore what they should, many
// concurrent writers (two store objects on one file, eight tasks each) with nothing lost or
// doubled, and the JSONL export in insertion order with the Judgment+JSONL encoding.
import ArbiterJudge
import ArbiterTestSupport
import Foundation
import Testing

/// A store in a fresh temporary folder.
func freshStore(_ name: String = "judgments.sqlite") throws -> JudgmentStore {
    try JudgmentStore(url: try jobFolder().appendingPathComponent(name))
}

@Suite struct JudgmentStoreTests {
    func judgment(_ id: String, criterion: String = "c", score: Double? = 3, rubricHash: String? = "rh") -> Judgment {
        Judgment(
            id: id, judge: "j", rubric: "r", rubricHash: rubricHash, criterion: criterion, score: score, model: "m")
    }

    @Test func oneRowPerKeyAndTheLaterJudgmentWins() throws {
        let store = try freshStore()
        try store.record(judgment("a", score: 2), judgeConfigHash: "cfg", sampleHash: "h1")
        try store.record(judgment("a", score: 4), judgeConfigHash: "cfg", sampleHash: "h1")
        #expect(try store.count() == 1)
        let key = JudgmentKey(rubricHash: "rh", judgeConfigHash: "cfg", sampleHash: "h1", sampleID: "a", criterion: "c")
        #expect(try store.judgment(for: key)?.score == 4)
        // Each key part on its own makes a new row; a nil rubric hash differs from a real one.
        try store.record(judgment("a", score: 1), judgeConfigHash: "cfg2", sampleHash: "h1")
        try store.record(judgment("a", score: 1), judgeConfigHash: "cfg", sampleHash: "h2")
        try store.record(judgment("a", criterion: "d", score: 1), judgeConfigHash: "cfg", sampleHash: "h1")
        try store.record(judgment("a", score: 1, rubricHash: nil), judgeConfigHash: "cfg", sampleHash: "h1")
        try store.record(judgment("a", score: 5, rubricHash: ""), judgeConfigHash: "cfg", sampleHash: "h9")
        try store.record(judgment("b", score: 1), judgeConfigHash: "cfg", sampleHash: "h1")
        #expect(try store.count() == 7)
        let nilKey = JudgmentKey(
            rubricHash: nil, judgeConfigHash: "cfg", sampleHash: "h1", sampleID: "a", criterion: "c")
        #expect(try store.judgment(for: nilKey)?.rubricHash == nil)
        // An empty rubric hash is the same key as none.
        try store.record(judgment("a", score: 2, rubricHash: ""), judgeConfigHash: "cfg", sampleHash: "h1")
        #expect(try store.count() == 7 && store.judgment(for: nilKey)?.score == 2)
        #expect(try store.judgment(for: key)?.score == 4)
        // Insertion order: a replaced key moves to the end.
        try store.record(judgment("a", score: 5), judgeConfigHash: "cfg", sampleHash: "h1")
        let rows = try store.allJudgments()
        #expect(rows.map(\.seq) == rows.map(\.seq).sorted())
        #expect(rows.last?.key == key && rows.last?.judgment.score == 5)
    }

    @Test func everyFieldRoundTrips() throws {
        let store = try freshStore()
        let full = Judgment(
            id: "x\n\"y\"", judge: "local:model", rubric: "r v2", rubricHash: "abc", criterion: "pairwise", score: nil,
            verdict: .b, distribution: [1: 0.25, 2: 0.75], rationale: "because ✓", raw: "[RESULT] B",
            promptHash: "ph",
            model: "smol", latencyMs: 12.5, attempts: 2, positionConsistent: false,
            consistency: nil, failure: nil)
        let failed = Judgment(
            id: "f", judge: "j", rubric: "r", rubricHash: nil, criterion: "c", score: 3, model: "m", attempts: 3,
            failure: .offScale(value: 9, allowed: [1, 2, 3]))
        try store.record(full, judgeConfigHash: "k", sampleHash: "s1")
        try store.record(failed, judgeConfigHash: "k", sampleHash: "s2")
        let back = try store.allJudgments().map(\.judgment)
        #expect(back == [full, failed])
        #expect(back[1].score == nil && back[1].failure == .offScale(value: 9, allowed: [1, 2, 3]))
    }

    @Test func contentAndConfigurationHashes() throws {
        let a = JobSample.pointwise(JudgeSample(id: "1", prompt: "p", response: "r"))
        let sameContent = JobSample.pointwise(JudgeSample(id: "2", prompt: "p", response: "r"))
        let emptyReference = JobSample.pointwise(JudgeSample(id: "1", prompt: "p", response: "r", reference: ""))
        let shifted = JobSample.pointwise(JudgeSample(id: "1", prompt: "pr", response: ""))
        let pair = JobSample.pairwise(PairwiseSample(id: "1", prompt: "p", responseA: "r", responseB: ""))
        #expect(a.contentHash == sameContent.contentHash)
        #expect(Set([a, emptyReference, shifted, pair].map(\.contentHash)).count == 4)
        #expect(a.contentHash.count == 64 && a.contentHash.allSatisfy(\.isHexDigit))

        var judge = JobJudge(verifier: ExactMatchVerifier())
        let plain = judge.configurationHash
        judge.settings = ["b": "2", "a": "1"]
        let set1 = judge.configurationHash
        judge.settings = ["a": "1", "b": "2"]
        #expect(judge.configurationHash == set1 && set1 != plain)
        judge.settings = ["a": "1", "b": "3"]
        #expect(judge.configurationHash != set1)
        #expect(judge.configurationDescription.contains("setting.b=3"))
    }

    @Test func configurationsAreDescribed() throws {
        let store = try freshStore()
        try store.registerConfiguration(hash: "h", judge: "j", description: "judge=j")
        try store.registerConfiguration(hash: "h", judge: "j", description: "ignored: first one stays")
        #expect(try store.configurationDescription(hash: "h") == "judge=j")
        #expect(try store.configurationDescription(hash: "other") == nil)
    }

    @Test func concurrentWritersLoseAndDoubleNothing() async throws {
        let folder = try jobFolder()
        let url = folder.appendingPathComponent("shared.sqlite")
        let first = try JudgmentStore(url: url)
        let second = try JudgmentStore(url: url)
        // 8 tasks per store, 25 keys each; the two stores write the same 200 keys.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in [first, second] {
                for t in 0..<8 {
                    group.addTask {
                        for k in 0..<25 {
                            let j = Judgment(
                                id: "s\(t)-\(k)", judge: "j", rubric: "r", rubricHash: "rh", criterion: "c",
                                score: Double(k % 5 + 1), model: "m")
                            try store.record(j, judgeConfigHash: "cfg", sampleHash: "h\(t)-\(k)")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try first.count() == 200 && second.count() == 200)
        let rows = try second.allJudgments()
        #expect(Set(rows.map(\.key)).count == 200 && Set(rows.map(\.seq)).count == 200)
        for row in rows {
            let k = try #require(Int(row.judgment.id.split(separator: "-").last ?? ""))
            #expect(row.judgment.score == Double(k % 5 + 1) && row.key.sampleHash == "h" + row.judgment.id.dropFirst())
        }
    }

    @Test func exportIsInsertionOrderWithTheJSONLEncoding() throws {
        let store = try freshStore()
        let judgments = (0..<5).map { judgment("s\($0)", score: Double($0 % 5 + 1)) }
        for (i, j) in judgments.enumerated() { try store.record(j, judgeConfigHash: "cfg", sampleHash: "h\(i)") }
        // Re-recording s1 supersedes its first line: it moves to the end.
        var again = judgments[1]
        again.rationale = "second"
        try store.record(again, judgeConfigHash: "cfg", sampleHash: "h1")
        let expected = try Judgment.jsonLines([judgments[0], judgments[2], judgments[3], judgments[4], again])
        #expect(try store.exportJSONL() == expected)
        let file = try jobFolder().appendingPathComponent("export.jsonl")
        #expect(try store.exportJSONL(to: file) == 5)
        #expect(try Data(contentsOf: file) == expected)
        #expect(throws: JudgmentStoreError.self) {
            try store.exportJSONL(to: URL(fileURLWithPath: "/nonexistent-dir/x.jsonl"))
        }
    }

    @Test func closedStoreThrowsTypedErrors() throws {
        let store = try freshStore()
        try store.close()
        #expect(throws: JudgmentStoreError.self) { try store.count() }
        #expect(throws: JudgmentStoreError.self) {
            try store.record(judgment("a"), judgeConfigHash: "c", sampleHash: "h")
        }
    }
}
