import ArbiterTestSupport
import ArgumentParser
import Foundation
import Testing

// CLIHostileInputTests: `arbiter generate`, `score` and `models inspect` run end to end on input a
// careless user types, on the tiny chat model (context 32): an empty prompt is legitimate (it
// starts from BOS), a prompt past the context exits 1 with the token counts instead of printing
// nothing, a configuration the tensor table cannot hold fails `inspect`, and a FIFO named like a
// model (or a rubric, or a labels file) is refused at once. Exit codes only; the messages are the library's typed errors.
@testable import ArbiterCLI

@Suite struct CLIHostileInputTests {
    /// Parses and runs `arguments`; nil when the command succeeded, else its exit code.
    static func run(_ arguments: [String]) async throws -> ExitCode? {
        let parsed = try ArbiterCommand.parseAsRoot(arguments)
        do {
            if var command = parsed as? any AsyncParsableCommand {
                try await command.run()
            } else {
                var command = parsed
                try command.run()
            }
            return nil
        } catch let code as ExitCode {
            return code
        }
    }

    @Test func emptyAndOneTokenPromptsRun() async throws {
        let model = try TinyChatModel.file().path
        #expect(try await Self.run(["generate", "--model", model, "--prompt", "", "--max-tokens", "4"]) == nil)
        #expect(
            try await Self.run(["generate", "--model", model, "--prompt", "h", "--max-tokens", "2", "--json"]) == nil)
        #expect(try await Self.run(["score", "--model", model, "--prompt", "", "--completion", "hello"]) == nil)
        #expect(try await Self.run(["score", "--model", model, "--prompt", "h", "--completion", "i"]) == nil)
        // Without a BOS token an empty prompt is a typed error (exit 1), not a trap.
        let bare = try TinyChatModel.file(withBOS: false).path
        #expect(try await Self.run(["generate", "--model", bare, "--prompt", "", "--max-tokens", "4"]) == .failure)
        #expect(try await Self.run(["score", "--model", bare, "--prompt", "", "--completion", "x"]) == .failure)
    }

    @Test func promptsPastTheContextFail() async throws {
        let model = try TinyChatModel.file(contextLength: 16).path
        let long = String(repeating: "x", count: 40)  // 40 byte tokens
        #expect(try await Self.run(["generate", "--model", model, "--prompt", long, "--max-tokens", "4"]) == .failure)
        #expect(try await Self.run(["score", "--model", model, "--prompt", long, "--completion", "y"]) == .failure)
        #expect(
            try await Self.run(["score", "--model", model, "--prompt", "xxxxxxxxxx", "--completion", "yyyyyyy"])
                == .failure)
        #expect(
            try await Self.run(["score", "--model", model, "--prompt", "xxxxxxxxxx", "--completion", "yyyyyy"]) == nil)
    }

    @Test func inspectChecksTheConfigurationAndRefusesFIFOs() async throws {
        #expect(try await Self.run(["models", "inspect", TinyChatModel.file().path]) == nil)
        let huge = try TinyChatModel.file(blockCount: 2_147_483_647).path
        #expect(try await Self.run(["models", "inspect", huge]) == .failure)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-cli-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("model.gguf").path
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(try await Self.run(["models", "inspect", fifo]) == .failure)
        #expect(try await Self.run(["generate", "--model", fifo, "--prompt", "x"]) == .failure)
        // Every user-named file goes through the same refusal: rubrics, samples, labels.
        let rubric = dir.appendingPathComponent("rubric.yaml").path
        #expect(mkfifo(rubric, 0o600) == 0)
        #expect(try await Self.run(["rubric", "validate", rubric]) == .failure)
        let labels = dir.appendingPathComponent("labels.jsonl").path
        #expect(mkfifo(labels, 0o600) == 0)
        #expect(try await Self.run(["audit", "--human", labels, "--judge", labels]) != nil)
    }
}
