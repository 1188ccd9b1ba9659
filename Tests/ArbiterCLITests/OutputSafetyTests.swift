import ArgumentParser
import Foundation
import Testing

// OutputSafetyTests: commands that write files never lose a file the user owns. An output that is
// one of the inputs (by path, symbolic link or hard link) is refused before anything is written;
// an existing file Arbiter did not write is refused unless --force; Arbiter's own report or export
// is refreshed; a judgments log that is not one is refused before anything is repaired; and
// `arbiter judge` exits non-zero when nothing was scored. Commands run in-process on small files.
@testable import ArbiterCLI

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct OutputSafetyTests {
    /// A fresh temporary folder holding a tiny human/judge label pair and a samples file.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "arbiter-cli-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var human: [String] = []
        var judge: [String] = []
        for i in 0..<8 {
            human.append(#"{"id": "i\#(i)", "rater": "h1", "score": \#(i % 5 + 1)}"#)
            human.append(#"{"id": "i\#(i)", "rater": "h2", "score": \#((i + 1) % 5 + 1)}"#)
            judge.append(#"{"id": "i\#(i)", "judge": "j", "score": \#(i % 5 + 1)}"#)
        }
        try (human.joined(separator: "\n") + "\n").write(
            to: url.appendingPathComponent("human.jsonl"), atomically: true, encoding: .utf8)
        try (judge.joined(separator: "\n") + "\n").write(
            to: url.appendingPathComponent("judge.jsonl"), atomically: true, encoding: .utf8)
        let samples = (0..<3).map { #"{"id": "s\#($0)", "prompt": "p", "response": "42", "reference": "42"}"# }
        try (samples.joined(separator: "\n") + "\n").write(
            to: url.appendingPathComponent("samples.jsonl"), atomically: true, encoding: .utf8)
        return url
    }

    /// Runs `arguments` as `arbiter` would; returns the exit code.
    static func run(_ arguments: [String]) async -> Int32 {
        do {
            var command = try ArbiterCommand.parseAsRoot(arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            return 0
        } catch {
            return ArbiterCommand.exitCode(for: error).rawValue
        }
    }

    static func audit(_ folder: URL, _ extra: [String]) async -> Int32 {
        await run(
            [
                "audit", "--human", folder.appendingPathComponent("human.jsonl").path,
                "--judge", folder.appendingPathComponent("judge.jsonl").path, "--bootstrap", "0",
            ] + extra)
    }

    static func bytes(_ url: URL) throws -> Data { try Data(contentsOf: url) }

    @Test func auditNeverWritesOverItsInputs() async throws {
        let folder = try Self.folder()
        let human = folder.appendingPathComponent("human.jsonl")
        let judge = folder.appendingPathComponent("judge.jsonl")
        let before = (try Self.bytes(human), try Self.bytes(judge))
        let symlink = folder.appendingPathComponent("report.md")
        try FileManager.default.createSymbolicLink(at: symlink, withDestinationURL: human)
        let hardlink = folder.appendingPathComponent("report.html")
        try FileManager.default.linkItem(at: judge, to: hardlink)
        for extra in [
            ["--markdown", human.path], ["--html", judge.path], ["--json", human.path], ["--markdown", symlink.path],
            ["--html", hardlink.path], ["--json", hardlink.path, "--force"],
        ] {
            #expect(await Self.audit(folder, extra) != 0, "\(extra)")
            #expect(try Self.bytes(human) == before.0 && Self.bytes(judge) == before.1, "\(extra)")
        }
        // Two reports into one file are refused too.
        let same = folder.appendingPathComponent("r.out").path
        #expect(await Self.audit(folder, ["--markdown", same, "--json", same]) != 0)
        #expect(!FileManager.default.fileExists(atPath: same))
    }

    @Test func auditRefreshesItsOwnReportsButNotOtherFiles() async throws {
        let folder = try Self.folder()
        for (option, name) in [("--markdown", "r.md"), ("--html", "r.html"), ("--json", "r.json")] {
            let url = folder.appendingPathComponent(name)
            #expect(await Self.audit(folder, [option, url.path]) == 0)
            let first = try Self.bytes(url)
            #expect(!first.isEmpty)
            // Rerunning refreshes Arbiter's own report without --force.
            #expect(await Self.audit(folder, [option, url.path]) == 0, "\(option)")
            // A file Arbiter did not write is kept unless --force.
            let notes = folder.appendingPathComponent("notes-\(name)")
            try Data("my own notes\n".utf8).write(to: notes)
            #expect(await Self.audit(folder, [option, notes.path]) != 0, "\(option)")
            #expect(try String(contentsOf: notes, encoding: .utf8) == "my own notes\n")
            #expect(await Self.audit(folder, [option, notes.path, "--force"]) == 0, "\(option)")
            #expect(try Self.bytes(notes) == first)
        }
    }

    @Test func judgeExportNeverReplacesTheSamplesOrAForeignFile() async throws {
        let folder = try Self.folder()
        let samples = folder.appendingPathComponent("samples.jsonl")
        let before = try Self.bytes(samples)
        let db = folder.appendingPathComponent("j.sqlite").path
        let base = ["judge", "--judge", "verifier:exact-match", "--input", samples.path, "--db", db]
        #expect(await Self.run(base + ["--export", samples.path]) != 0)
        #expect(try Self.bytes(samples) == before)
        let notes = folder.appendingPathComponent("notes.jsonl")
        try Data("keep me\n".utf8).write(to: notes)
        #expect(await Self.run(base + ["--export", notes.path]) != 0)
        #expect(try String(contentsOf: notes, encoding: .utf8) == "keep me\n")
        // Its own export is refreshed; --force replaces the foreign file.
        let export = folder.appendingPathComponent("export.jsonl")
        #expect(await Self.run(base + ["--export", export.path]) == 0)
        #expect(await Self.run(base + ["--export", export.path]) == 0)
        #expect(await Self.run(base + ["--export", notes.path, "--force"]) == 0)
        #expect(try Self.bytes(notes) == Self.bytes(export))
    }

    @Test func judgeOutIsCheckedBeforeAnythingIsRepaired() async throws {
        let folder = try Self.folder()
        let samples = folder.appendingPathComponent("samples.jsonl")
        let base = ["judge", "--judge", "verifier:exact-match", "--input", samples.path]
        // The samples file itself, also when its last line lacks a newline.
        var unterminated = try Self.bytes(samples)
        unterminated.removeLast()
        try unterminated.write(to: samples)
        #expect(await Self.run(base + ["--out", samples.path]) != 0)
        #expect(try Self.bytes(samples) == unterminated)
        // A text file, and a copy of the samples file: refused, and left whole.
        for (name, text) in [
            ("notes.txt", "first line\nsecond line"), ("copy.jsonl", String(decoding: unterminated, as: UTF8.self)),
        ] {
            let url = folder.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            #expect(await Self.run(base + ["--out", url.path]) != 0, "\(name)")
            #expect(try String(contentsOf: url, encoding: .utf8) == text, "\(name)")
        }
    }

    /// A FIFO (or a folder) as an output is refused before it is opened: writing into a FIFO
    /// would block until someone reads it, and `--out` would append into nothing.
    @Test func outputsThatAreNotRegularFilesAreRefused() throws {
        let folder = try Self.folder()
        let fifo = folder.appendingPathComponent("pipe.jsonl")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        for kind in [OutputPath.Kind.selfChecked, .markdownReport, .judgments] {
            #expect(
                throws: OutputPathError(
                    option: "--out", path: fifo.path, problem: .notRegular(what: "a FIFO (named pipe)"))
            ) {
                try OutputPath(fifo.path, option: "--out", kind: kind, force: true, others: [])
            }
        }
        #expect(throws: OutputPathError(option: "--html", path: folder.path, problem: .notRegular(what: "a directory")))
        {
            try OutputPath(folder.path, option: "--html", kind: .htmlReport, others: [])
        }
    }

    @Test func judgeExitsNonZeroWhenNothingWasScored() async throws {
        let folder = try Self.folder()
        // No reference answers: every exact-match judgment fails.
        let samples = folder.appendingPathComponent("bare.jsonl")
        try Data(#"{"id": "a", "prompt": "p", "response": "r"}"#.utf8 + [0x0A]).write(to: samples)
        let out = folder.appendingPathComponent("out.jsonl").path
        let code = await Self.run(["judge", "--judge", "verifier:exact-match", "--input", samples.path, "--out", out])
        #expect(code == JudgeCommand.nothingScoredExitCode)
        // A run that scores something exits 0.
        let good = folder.appendingPathComponent("samples.jsonl").path
        let out2 = folder.appendingPathComponent("out2.jsonl").path
        #expect(await Self.run(["judge", "--judge", "verifier:exact-match", "--input", good, "--out", out2]) == 0)
    }
}
