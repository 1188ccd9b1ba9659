// GRPOCommand: `arbiter grpo --config grpo.yaml`: trains a policy with GRPO (ArbiterGRPO) from a
// YAML configuration with TRL's field names; the same command resumes from the last checkpoint;
// `--dry-run` prints the resolved configuration; `--force` trains on a judge whose audit fails
// its trust gate. This file parses options and draws progress only.
import Arbiter
import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

struct GRPOCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grpo",
        abstract: "Train a policy with GRPO against judge and verifier rewards (resumable).",
        discussion: """
            The configuration is YAML with TRL's GRPOConfig names (model, train_data, rewards, \
            num_generations, max_completion_length, learning_rate, beta, loss_type, …). Writes \
            output_dir/metrics.jsonl (one line per step), throughput.jsonl, report.html and checkpoint/. \
            Rerun the same command to resume; raise max_steps to continue a finished run.
            """)

    @Option(help: "The GRPO configuration (YAML).") var config: String
    @Flag(help: "Print the resolved configuration and exit.") var dryRun = false
    @Flag(help: "Train even when a judge reward's audit fails its trust gate.") var force = false

    func run() async throws {
        let configuration: GRPOConfiguration
        do {
            configuration = try GRPOConfiguration.load(URL(fileURLWithPath: config))
        } catch let error as LocalizedError {
            throw ValidationError(error.errorDescription ?? "\(error)")
        }
        if dryRun {
            print(configuration.resolvedYAML, terminator: "")
            return
        }
        let trainer = try GRPOTrainer.prepare(configuration, force: force)
        let terminal = isatty(STDERR_FILENO) != 0
        trainer.progress = { p in
            let reward = p.metrics["reward"].map { String(format: "%.4f", $0) } ?? "–"
            let kl = p.metrics["kl"].map { String(format: "%.4f", $0) } ?? "–"
            let length = p.metrics["completions/mean_length"].map { String(format: "%.1f", $0) } ?? "–"
            let line = String(
                format: "step %d/%d reward %@ kl %@ length %@ %.1fs/step", p.step, p.maxSteps, reward, kl, length,
                p.seconds)
            FileHandle.standardError.write(Data(((terminal ? "\r" : "") + line + (terminal ? "\u{1B}[K" : "\n")).utf8))
            if let warning = p.warning { FileHandle.standardError.write(Data(("\nwarning: " + warning + "\n").utf8)) }
        }
        let summary = try await trainer.train()
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        print(
            """
            GRPO: \(summary.steps) steps (\(summary.stepsRun) this run)\(summary.stoppedByMonitor ? ", stopped by the hacking monitor" : "")
            metrics: \(summary.metricsURL.path)
            report: \(summary.reportURL.path)
            """)
    }
}
