// GRPOCommandTests: `arbiter grpo` as a user runs it. The minimal configuration resolves
// as written (--dry-run); a bad field is refused naming it; and a run killed with SIGKILL in the
// middle resumes with the same command and ends with metrics.jsonl identical, byte for byte, to
// an uninterrupted run's.
import ArbiterTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.serialized) struct GRPOCommandTests {
    static let minimal = """
        model: smollm2-135m
        train_data: prompts.jsonl          # one {"prompt": …, "answer": …} a line
        rewards:
          - {name: exact, verifier: exact-match, reference_field: answer, weight: 1.0}
        num_generations: 4
        prompts_per_step: 2
        max_completion_length: 8
        learning_rate: 1.0e-6
        max_steps: 2
        seed: 1
        output_dir: runs/tiny

        """

    static func folder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-grpo-cli-\(name)-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let prompts = (0..<8).map { "{\"prompt\": \"What is \($0) + 1?\", \"answer\": \"\($0 + 1)\"}" }
        try Data(prompts.joined(separator: "\n").utf8).write(to: url.appendingPathComponent("prompts.jsonl"))
        return url
    }

    @Test func minimalConfigurationResolvesAsWritten() throws {
        let dir = try Self.folder("dry")
        try Data(Self.minimal.utf8).write(to: dir.appendingPathComponent("grpo.yaml"))
        let run = try CLIProcess.run(["grpo", "--config", "grpo.yaml", "--dry-run"], in: dir, limit: 60)
        #expect(run.status == 0 && !run.signalled, "\(run)")
        for line in [
            "model: \"smollm2-135m\"", "num_generations: 4", "prompts_per_step: 2", "max_completion_length: 8",
            "learning_rate: 1e-06", "max_steps: 2", "seed: 1", "loss_type: dapo", "beta: 0.0", "scale_rewards: group",
        ] {
            #expect(run.stdout.contains(line), "dry run lacks \(line):\n\(run.stdout)")
        }
        #expect(run.stdout.contains(dir.appendingPathComponent("runs/tiny").path))
    }

    @Test func badFieldsAreRefusedByName() throws {
        let dir = try Self.folder("bad")
        let cases: [(String, String)] = [
            (
                Self.minimal.replacingOccurrences(of: "num_generations: 4", with: "num_generations: one"),
                "num_generations"
            ),
            (
                Self.minimal.replacingOccurrences(of: "learning_rate:", with: "learning_rat:"),
                "unknown field `learning_rat`"
            ),
            (Self.minimal.replacingOccurrences(of: "max_steps: 2", with: "max_steps: 0"), "max_steps"),
            (
                Self.minimal.replacingOccurrences(of: "verifier: exact-match", with: "verifier: exact"),
                "rewards.exact.verifier"
            ),
            (Self.minimal + "loss_type: ppo\n", "loss_type"),
            (Self.minimal + "epsilon_high: 0.1\n", "epsilon_high"),
        ]
        for (text, field) in cases {
            try Data(text.utf8).write(to: dir.appendingPathComponent("bad.yaml"))
            let run = try CLIProcess.run(["grpo", "--config", "bad.yaml", "--dry-run"], in: dir, limit: 60)
            #expect(run.status != 0 && !run.signalled && run.stderr.contains(field), "\(field): \(run)")
        }
    }

    static func tinyConfiguration(model: URL, steps: Int) -> String {
        """
        model: \(model.path)
        train_data: prompts.jsonl
        rewards:
          - {name: early, verifier: regex, pattern: "[a-m]", weight: 1.0}
        num_generations: 4
        prompts_per_step: 2
        per_device_train_batch_size: 4
        max_completion_length: 6
        learning_rate: 0.01
        beta: 0.04
        num_iterations: 2
        max_steps: \(steps)
        save_steps: 1
        seed: 9
        output_dir: run

        """
    }

    @Test func killedRunResumesBitIdentically() throws {
        let model = try GGUFTestWriter.tinyLlama(contextLength: 64, layers: 1, seed: 5).write(named: "kill.gguf")
        let steps = 40
        let whole = try Self.folder("whole")
        try Data(Self.tinyConfiguration(model: model, steps: steps).utf8).write(
            to: whole.appendingPathComponent("g.yaml"))
        let reference = try CLIProcess.run(["grpo", "--config", "g.yaml"], in: whole, limit: 600)
        #expect(reference.status == 0, "\(reference)")

        let killed = try Self.folder("killed")
        try Data(Self.tinyConfiguration(model: model, steps: steps).utf8).write(
            to: killed.appendingPathComponent("g.yaml"))
        let process = Process()
        process.executableURL = try CLIProcess.executable()
        process.arguments = ["grpo", "--config", "g.yaml"]
        process.currentDirectoryURL = killed
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let metrics = killed.appendingPathComponent("run/metrics.jsonl")
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline, process.isRunning {
            let lines = (try? Data(contentsOf: metrics))?.split(separator: UInt8(ascii: "\n")).count ?? 0
            if lines >= 5 { break }
            usleep(2000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let cut = (try? Data(contentsOf: metrics))?.split(separator: UInt8(ascii: "\n")).count ?? 0
        #expect(cut >= 5 && cut < steps, "killed after \(cut) lines")
        let resumed = try CLIProcess.run(["grpo", "--config", "g.yaml"], in: killed, limit: 600)
        #expect(resumed.status == 0, "\(resumed)")
        let a = try Data(contentsOf: whole.appendingPathComponent("run/metrics.jsonl"))
        let b = try Data(contentsOf: metrics)
        #expect(a.split(separator: UInt8(ascii: "\n")).count == steps)
        #expect(a == b, "metrics of the killed-and-resumed run differ from the uninterrupted run")
    }
}
