// JudgmentStoreFileTests: files that must not be trusted give a typed JudgmentStoreError naming
// the file and the fix, and are left as they were: random bytes, a store truncated at several
// lengths, a store from a future schema version, a SQLite file of another application, and 200
// seeded random byte mutations of a good store (each opens and reads, or throws; none traps).
// The header fields edited here are SQLite's documented offsets: user_version at byte 60 and
// application_id at byte 68, both 4-byte big-endian.
import ArbiterCore
import ArbiterJudge
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct JudgmentStoreFileTests {
    /// A closed store with `count` judgments (closing checkpoints the WAL into the main file).
    func goodStoreFile(count: Int = 20) throws -> URL {
        let url = try jobFolder().appendingPathComponent("good.sqlite")
        let store = try JudgmentStore(url: url)
        for i in 0..<count {
            let j = Judgment(
                id: "s\(i)", judge: "j", rubric: "r", rubricHash: "rh", criterion: "c", score: Double(i % 5 + 1),
                rationale: String(repeating: "reason \(i) ", count: 20), model: "m")
            try store.record(j, judgeConfigHash: "cfg", sampleHash: "h\(i)")
        }
        try store.close()
        #expect(!FileManager.default.fileExists(atPath: url.path + "-wal"))
        return url
    }

    func setHeaderField(_ url: URL, offset: Int, to value: UInt32) throws {
        var bytes = [UInt8](try Data(contentsOf: url))
        try #require(bytes.count >= 100)
        for k in 0..<4 { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(k))) }
        try Data(bytes).write(to: url)
    }

    @Test func randomBytesAreNotADatabaseAndAreLeftAlone() throws {
        let url = try jobFolder().appendingPathComponent("random.sqlite")
        var rng = SplitMix64(seed: 11)
        let bytes = Data((0..<8192).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        try bytes.write(to: url)
        #expect(throws: JudgmentStoreError.notADatabase(path: url.path)) { try JudgmentStore(url: url) }
        #expect(try Data(contentsOf: url) == bytes)
        // A text file too, and one shorter than a SQLite header.
        try Data("{\"id\": \"s1\"}\n".utf8).write(to: url)
        #expect(throws: JudgmentStoreError.notADatabase(path: url.path)) { try JudgmentStore(url: url) }
        do { _ = try JudgmentStore(url: url) } catch {
            let message = error.localizedDescription
            #expect(message.contains(url.path) && message.contains("--db"))
        }
    }

    @Test func truncatedStoresThrowTypedErrors() throws {
        let good = try goodStoreFile()
        let bytes = [UInt8](try Data(contentsOf: good))
        #expect(bytes.count > 3 * 4096)
        let folder = try jobFolder()
        for cut in [10, 99, 100, 1000, 4096, bytes.count / 2, bytes.count - 4096, bytes.count - 1] {
            let url = folder.appendingPathComponent("cut\(cut).sqlite")
            try Data(bytes[0..<cut]).write(to: url)
            do {
                _ = try JudgmentStore(url: url)
                Issue.record("a store truncated to \(cut) of \(bytes.count) bytes opened")
            } catch {
                switch error {
                case .notADatabase(let p), .corrupt(let p, _): #expect(p == url.path)
                default: Issue.record("cut \(cut): unexpected \(error)")
                }
                #expect(try Data(contentsOf: url) == Data(bytes[0..<cut]))
            }
        }
    }

    @Test func futureSchemaVersionIsRefused() throws {
        let url = try goodStoreFile(count: 2)
        try setHeaderField(url, offset: 60, to: 7)
        let before = try Data(contentsOf: url)
        let expected = JudgmentStoreError.newerSchema(
            path: url.path, found: 7, supported: JudgmentStore.schemaVersion, unknownMigrations: [])
        #expect(throws: expected) { try JudgmentStore(url: url) }
        #expect(try Data(contentsOf: url) == before)
        #expect(expected.localizedDescription.contains("upgrade arbiter"))
        // The current version opens again.
        try setHeaderField(url, offset: 60, to: UInt32(JudgmentStore.schemaVersion))
        #expect(try JudgmentStore(url: url).count() == 2)
    }

    @Test func anotherApplicationsDatabaseIsRefused() throws {
        let url = try goodStoreFile(count: 1)
        try setHeaderField(url, offset: 68, to: 0x1234_5678)
        #expect(throws: JudgmentStoreError.self) { try JudgmentStore(url: url) }
        do { _ = try JudgmentStore(url: url) } catch let JudgmentStoreError.notAJudgmentStore(path, detail) {
            #expect(path == url.path && detail.contains("judgments"))
        }
    }

    @Test func emptyFileBecomesAStoreAndAMissingFolderIsAnError() throws {
        let url = try jobFolder().appendingPathComponent("empty.sqlite")
        try Data().write(to: url)
        #expect(try JudgmentStore(url: url).count() == 0)
        let missing = URL(fileURLWithPath: "/nonexistent-arbiter-dir/j.sqlite")
        #expect(throws: JudgmentStoreError.self) { try JudgmentStore(url: missing) }
    }

    @Test func mutatedStoresOpenOrThrowNeverTrap() throws {
        let good = [UInt8](try Data(contentsOf: try goodStoreFile(count: 6)))
        let folder = try jobFolder()
        var rng = SplitMix64(seed: 2024)
        var opened = 0
        var refused = 0
        for k in 0..<200 {
            var bytes = good
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            let url = folder.appendingPathComponent("m\(k).sqlite")
            try Data(bytes).write(to: url)
            do {
                let store = try JudgmentStore(url: url)
                opened += 1
                // Whatever opened reads back (or reports a damaged row), and exports.
                if let rows = try? store.allJudgments() { #expect(rows.count <= 6) }
                _ = try? store.exportJSONL()
                try? store.close()
            } catch {
                // `JudgmentStore.init` throws only `JudgmentStoreError` (typed throws).
                refused += 1
            }
        }
        #expect(opened + refused == 200 && opened > 0)
    }
}
