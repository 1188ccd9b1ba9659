// JudgeCommand: `arbiter judge` — runs a judge (a programmatic verifier, or a rubric-driven LLM
// judge on the in-process model) over a samples JSONL file, appending judgments to an output JSONL
// as each finishes; rerunning the same command resumes where a killed run stopped. The work lives
// in ArbiterJudge (JudgeJob, RubricJudge); this file parses options, shows progress, sets exit codes.
import Arbiter
import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `--judge` forms.
enum JudgeSpec: Equatable {
    case verifier(String)
    case local(String)
    case openAI(OpenAIChatBackend.Configuration)
    case trained(String)

    static let verifiers = ["exact-match", "numeric"]

    init(_ text: String) throws {
        if text.hasPrefix("verifier:") {
            let kind = String(text.dropFirst("verifier:".count))
            guard Self.verifiers.contains(kind) else {
                throw ValidationError(
                    "--judge \(text): unknown verifier; use one of \(Self.verifiers.map { "verifier:\($0)" }.joined(separator: ", "))"
                )
            }
            self = .verifier(kind)
        } else if text.hasPrefix("local:"), text.count > "local:".count {
            self = .local(String(text.dropFirst("local:".count)))
        } else if text.hasPrefix("trained:"), text.count > "trained:".count {
            self = .trained(String(text.dropFirst("trained:".count)))
        } else if text.hasPrefix("openai:") {
            do {
                self = .openAI(try OpenAIChatBackend.Configuration.parse(spec: text))
            } catch let error as LocalizedError {
                throw ValidationError("--judge \(error.errorDescription ?? "\(error)")")
            }
        } else {
            throw ValidationError(
                "--judge \(text): use verifier:exact-match, verifier:numeric, local:NAME_OR_PATH, openai:URL#MODEL or trained:DIR"
            )
        }
    }
}

/// A local model that is not a GGUF chat model.
struct LocalModelFormatError: LocalizedError {
    let spec: String
    let path: String
    var errorDescription: String? {
        "--judge \(spec): \(path) is not a .gguf model; the in-process judge runs GGUF chat models (e.g. local:smollm2-135m)"
    }
}

struct JudgeCommand: AsyncParsableCommand {
    /// Exit status of a run that recorded judgments but scored none (every one failed).
    static let nothingScoredExitCode: Int32 = 4

    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "Judge a samples file with a rubric-driven LLM judge or a verifier; resumable.",
        discussion: """
            Samples: JSONL {"id","prompt","response","reference"?} or, with --pairwise, {"id","prompt","response_a","response_b"}.
            Judgments are appended to --out one line at a time (fsync'd). Rerunning the same command skips samples already
            judged by the same judge, rubric content and criterion, so a killed run loses and duplicates nothing.
            With --db FILE, a SQLite store decides instead (key: rubric content hash, judge configuration, sample content
            hash, sample id, criterion) and keeps every judgment, each committed as it finishes; --out is still appended when given,
            and --export FILE writes the whole store as JSONL after the run (an existing file must be a judgments file, or --force).
            No output may be the samples file or the rubric. Exit status 4 when judgments were recorded but none was scored.
            Multi-criterion rubrics add a line with criterion "overall" (the rubric's aggregate).
            """
    )

    @Option(help: "Rubric file (.yaml, .json, .xml); required for LLM judges.") var rubric: String?
    @Option(help: "Samples file (JSONL).") var input: String
    @Option(
        help:
            "verifier:exact-match, verifier:numeric, local:NAME_OR_PATH, openai:URL#MODEL (an OpenAI-compatible server, e.g. openai:http://127.0.0.1:8080/v1#smollm2-135m), or trained:DIR (a judge from `arbiter train-judge`)."
    ) var judge: String
    @Flag(help: "Samples are pairwise (response_a, response_b).") var pairwise = false
    @Option(help: "Judgments file (JSONL), appended to (default judgments.jsonl, or none when --db is given).") var out:
        String?
    @Option(
        help: "Judgment store (SQLite, created if missing): decides what is already judged and keeps every judgment.")
    var db: String?
    @Option(help: "After the run, write every judgment in --db to this JSONL file (insertion order).") var export:
        String?
    @Flag(help: "Replace an existing --export file that is not a judgments file (never an input file).") var force =
        false
    @Option(help: "Samples judged at once.") var concurrency: Int = 4
    @Option(help: "Judge only the first N samples.") var limit: Int?
    @Flag(
        name: .customLong("skip-invalid"),
        help: "Record malformed sample lines as failed judgments instead of stopping.") var skipInvalid = false
    @Option(name: .customLong("max-tokens"), help: "Most tokens an LLM judge may generate per answer.") var maxTokens:
        Int = 256
    @Flag(
        name: .customLong("probability-weighted"),
        help:
            "Score each criterion as the expected score over the score-token probabilities after \"[RESULT] \" (G-Eval; prefill only, no generated rationale)."
    ) var probabilityWeighted = false
    @OptionGroup var arithmetic: ArithmeticOptions
    @Flag(name: .customLong("retry-failed"), help: "Judge again samples whose earlier judgment failed.")
    var retryFailed = false
    @OptionGroup(title: "openai: judges") var openAI: OpenAIOptions

    func validate() throws {
        let spec = try JudgeSpec(judge)
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be ≥ 1 (got \(concurrency))") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be ≥ 1 (got \(maxTokens))") }
        if let limit, limit < 0 { throw ValidationError("--limit must be ≥ 0 (got \(limit))") }
        if case .verifier = spec, pairwise { throw ValidationError("verifier judges are pointwise; drop --pairwise") }
        if probabilityWeighted, pairwise {
            throw ValidationError("--probability-weighted scores pointwise rubrics; drop it or --pairwise")
        }
        switch spec {
        case .verifier, .trained: break
        default: if rubric == nil { throw ValidationError("an LLM judge needs --rubric FILE") }
        }
        if export != nil, db == nil { throw ValidationError("--export writes the judgments of --db; add --db FILE") }
    }

    func makeJudge() throws -> JobJudge {
        switch try JudgeSpec(judge) {
        case .verifier("numeric"):
            return JobJudge(verifier: try NumericMatchVerifier())
        case .verifier:
            return JobJudge(verifier: ExactMatchVerifier())
        case .local(let nameOrPath):
            // Load the rubric first: a bad rubric is reported before the slow model load.
            let loaded = try Rubric.load(contentsOf: URL(fileURLWithPath: rubric ?? ""))
            let resolved = try ModelStore().resolve(nameOrPath, fetchIfMissing: true)
            guard resolved.format == .gguf else { throw LocalModelFormatError(spec: judge, path: resolved.url.path) }
            let backend = try LocalChatBackend.load(resolved.url, name: resolved.name, options: arithmetic.loadOptions)
            // The model runs one request at a time, so judge calls are not run in parallel. A long
            // prompt on a slow machine can take minutes; the model cannot be interrupted mid-pass,
            // so the judge's timeout is generous.
            return try rubricJudge(loaded, backend: backend, timeoutSeconds: 1800, concurrency: 1)
        case .trained(let directory):
            // With --rubric, the judge must have been trained for that rubric's content.
            let loaded = try rubric.map { try Rubric.load(contentsOf: URL(fileURLWithPath: $0)) }
            let trained = try TrainedJudge.load(
                directory: URL(fileURLWithPath: directory), name: judge, rubric: loaded)
            return JobJudge(trained: trained, pairwise: pairwise)
        case .openAI(let configuration):
            let loaded = try Rubric.load(contentsOf: URL(fileURLWithPath: rubric ?? ""))
            let validated = try openAI.apply(to: configuration, concurrency: concurrency)
            let backend = OpenAIChatBackend(configuration: validated)
            // The judge's own limit is only a backstop over every attempt and wait.
            let limit = Double(openAI.maxRetries + 1) * (openAI.timeout + validated.maxRetryAfterSeconds)
            return try rubricJudge(loaded, backend: backend, timeoutSeconds: limit, concurrency: concurrency)
        }
    }

    /// The rubric judge (pointwise or pairwise) over `backend`. Probability-weighted judging is
    /// prefill only: each criterion's assistant turn starts "[RESULT] " and the score is the
    /// expectation over the scale values among the next token's top-20 alternatives.
    private func rubricJudge(
        _ rubric: Rubric, backend: any ChatBackend, timeoutSeconds: Double, concurrency: Int
    ) throws -> JobJudge {
        let options = RubricJudgeOptions(
            call: try JudgeCallSettings(
                timeoutSeconds: timeoutSeconds, maxConcurrency: concurrency, maxTokens: maxTokens),
            probabilityWeighted: probabilityWeighted, verdictPrefix: probabilityWeighted ? "[RESULT] " : nil)
        if pairwise {
            return JobJudge(
                pairwise: try RubricJudge.pairwise(name: judge, rubric: rubric, backend: backend, options: options))
        }
        return JobJudge(try RubricJudge.pointwise(name: judge, rubric: rubric, backend: backend, options: options))
    }

    /// The files this run writes, checked before anything is opened: none is the samples file,
    /// the rubric or another of them; an existing --export must be a judgments file unless
    /// --force (OutputPath). --out and --db validate their own contents when opened.
    func outputFiles(out: String?) throws -> (out: OutputPath?, db: OutputPath?, export: OutputPath?) {
        let checked = try OutputPath.check(
            [("--out", out, .selfChecked), ("--db", db, .selfChecked), ("--export", export, .judgments)],
            inputs: [("--input", input), ("--rubric", rubric)], force: force)
        return (checked[0], checked[1], checked[2])
    }

    func run() async throws {
        do {
            let out = self.out ?? (db == nil ? "judgments.jsonl" : nil)
            let files = try outputFiles(out: out)
            let store = try db.map { try JudgmentStore(url: URL(fileURLWithPath: $0)) }
            var judge = try makeJudge()
            // Output-affecting LLM settings join the store key (verifiers have none).
            if judge.rubricHash != nil {
                judge.settings = ["max_tokens": "\(maxTokens)", "probability_weighted": "\(probabilityWeighted)"]
            }
            let job = JudgeJob(
                input: URL(fileURLWithPath: input), output: out.map { URL(fileURLWithPath: $0) }, store: store,
                judge: judge,
                options: try JudgeJobOptions(
                    concurrency: concurrency, limit: limit, skipInvalid: skipInvalid, retryFailed: retryFailed))
            let bar = ProgressDisplay(terminal: isatty(STDERR_FILENO) == 1)
            let summary = try await job.run { bar.show($0) }
            bar.finish()
            let place = [out, db].compactMap { $0 }.joined(separator: " and ")
            print(
                "judged \(summary.judged) sample(s), \(summary.alreadyDone) already in \(place), \(summary.failures) failed judgment(s) written"
            )
            if let out, summary.repairedBytes > 0 {
                print(
                    "repaired \(out): dropped a truncated last line (\(summary.repairedBytes) bytes) and judged it again"
                )
            }
            if let out, summary.copiedFromStore > 0 {
                print("copied \(summary.copiedFromStore) judgment(s) from \(db ?? "") that \(out) lacked")
            }
            for issue in summary.invalid { print("recorded malformed line \(issue)") }
            if let store, let export, let target = files.export {
                let data = try store.exportJSONL()
                try target.write(data)
                print("exported \(data.count(where: { $0 == 0x0A })) judgment(s) from \(store.url.path) to \(export)")
            }
            if summary.scored == 0, summary.failures > 0 {
                let first = summary.firstFailure.map { " (first: \($0.description))" } ?? ""
                FileHandle.standardError.write(
                    Data(
                        "error: nothing was scored: all \(summary.failures) judgment(s) of this run failed\(first); they are recorded in \(place), and --retry-failed judges them again\n"
                            .utf8))
                throw ExitCode(JudgeCommand.nothingScoredExitCode)
            }
        } catch let error as LocalizedError {
            FileHandle.standardError.write(Data("error: \(error.errorDescription ?? "\(error)")\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// Progress on stderr: a redrawn bar on a terminal, a plain line every 5% otherwise.
final class ProgressDisplay: @unchecked Sendable {
    private let terminal: Bool
    private let lock = NSLock()
    private var lastPlain = -1

    init(terminal: Bool) { self.terminal = terminal }

    func show(_ p: JobProgress) {
        lock.withLock {
            let total = max(p.total, 1)
            if terminal {
                let width = 30
                let filled = min(width, p.done * width / total)
                let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
                write("\r[\(bar)] \(p.done)/\(p.total)  failures: \(p.failures)")
            } else {
                let bucket = p.done * 20 / total
                guard bucket != lastPlain || p.done == p.total else { return }
                lastPlain = bucket
                write("progress \(p.done)/\(p.total) failures \(p.failures)\n")
            }
        }
    }

    func finish() {
        if terminal { lock.withLock { write("\n") } }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
