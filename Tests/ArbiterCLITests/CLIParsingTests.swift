import ArgumentParser
import Testing

// CLIParsingTests: every `arbiter` command parsed as a user types it: valid argument vectors give
// the command and values expected; invalid ones fail at parse or validation time with exit code 64
// (EX_USAGE) and a message naming the option and the fix; --help and --version exit cleanly. No
// model is loaded and no file is read: parsing and `validate()` only.
@testable import ArbiterCLI

@Suite struct CLIParsingTests {
    /// The parsed subcommand, or the parse error.
    static func parse(_ arguments: [String]) -> Result<any ParsableCommand, any Error> {
        Result { try ArbiterCommand.parseAsRoot(arguments) }
    }

    /// Parses `arguments` and expects a `T`.
    static func command<T: ParsableCommand>(_ arguments: [String], as type: T.Type) throws -> T {
        let parsed = try ArbiterCommand.parseAsRoot(arguments)
        return try #require(parsed as? T, "\(arguments) parsed as \(Swift.type(of: parsed))")
    }

    /// Expects `arguments` to be refused with exit code 64 and a message containing `fragment`.
    static func expectUsageError(
        _ arguments: [String], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        switch parse(arguments) {
        case .success(let command):
            Issue.record(
                "\(arguments) parsed as \(type(of: command)); expected a usage error", sourceLocation: sourceLocation)
        case .failure(let error):
            let message = ArbiterCommand.message(for: error)
            #expect(
                ArbiterCommand.exitCode(for: error) == .validationFailure, "\(arguments): \(message)",
                sourceLocation: sourceLocation)
            #expect(message.contains(fragment), "\(arguments): \(message)", sourceLocation: sourceLocation)
        }
    }

    @Test func generateAndScore() throws {
        let g = try Self.command(
            [
                "generate", "--prompt", "hi", "--chat", "--max-tokens", "4", "--temperature", "0.7", "--top-p", "0.9",
                "--stop", "\n", "--stop", "END", "--exact", "--json",
            ], as: GenerateCommand.self)
        #expect(g.options.prompt == "hi" && g.options.chat && g.options.json && g.options.arithmetic.exact)
        #expect(g.options.arithmetic.loadOptions.arithmetic == .exact && g.maxTokens == 4 && g.stops == ["\n", "END"])
        #expect(g.temperature == 0.7 && g.topP == 0.9 && g.options.model == "smollm2-135m")
        let fast = try Self.command(["generate", "--prompt", "hi"], as: GenerateCommand.self)
        #expect(!fast.options.arithmetic.exact && fast.options.arithmetic.loadOptions.arithmetic == .fast)
        let s = try Self.command(["score", "--prompt", "a", "--completion", "b", "--exact"], as: ScoreCommand.self)
        #expect(s.completion == "b" && s.options.arithmetic.exact)

        Self.expectUsageError(["generate"], "--prompt")
        Self.expectUsageError(["generate", "--prompt", "x", "--max-tokens", "0"], "--max-tokens must be positive")
        Self.expectUsageError(["generate", "--prompt", "x", "--top-p", "2"], "topP")  // also at temperature 0
        Self.expectUsageError(["generate", "--prompt", "x", "--temperature", "-1"], "temperature")
        Self.expectUsageError(["generate", "--prompt", "x", "--stop", ""], "stopStrings")
        Self.expectUsageError(["generate", "--prompt", "x", "--quantized-prefill"], "--quantized-prefill")
        Self.expectUsageError(["generate", "--prompt", "x", "--max-tokens", "many"], "many")
        Self.expectUsageError(["score", "--prompt", "x"], "--completion")
    }

    @Test func judge() throws {
        let j = try Self.command(
            [
                "judge", "--rubric", "r.yaml", "--input", "s.jsonl", "--judge", "local:smollm2-135m",
                "--probability-weighted",
                "--db", "j.sqlite", "--export", "j.jsonl", "--limit", "20", "--exact",
            ], as: JudgeCommand.self)
        #expect(j.rubric == "r.yaml" && j.db == "j.sqlite" && j.export == "j.jsonl" && j.limit == 20)
        #expect(j.probabilityWeighted && j.arithmetic.exact && j.openAI.apiKeyEnv == "OPENAI_API_KEY")
        let h = try Self.command(
            [
                "judge", "--rubric", "r.yaml", "--input", "s.jsonl", "--judge", "openai:http://127.0.0.1:8080/v1#m",
                "--rpm", "60", "--tpm", "1000", "--timeout", "5", "--max-retries", "2", "--api-key-env", "KEY",
            ],
            as: JudgeCommand.self)
        #expect(h.openAI.rpm == 60 && h.openAI.tpm == 1000 && h.openAI.timeout == 5 && h.openAI.maxRetries == 2)
        #expect(h.openAI.apiKeyEnv == "KEY")
        _ = try Self.command(["judge", "--input", "s.jsonl", "--judge", "verifier:exact-match"], as: JudgeCommand.self)

        Self.expectUsageError(["judge", "--input", "s.jsonl", "--judge", "local:m"], "--rubric")
        Self.expectUsageError(["judge", "--input", "s.jsonl", "--judge", "oracle"], "verifier:exact-match")
        Self.expectUsageError(["judge", "--input", "s.jsonl", "--judge", "verifier:regex"], "unknown verifier")
        Self.expectUsageError(
            ["judge", "--input", "s.jsonl", "--judge", "verifier:numeric", "--export", "x.jsonl"], "add --db FILE")
        Self.expectUsageError(
            ["judge", "--input", "s.jsonl", "--judge", "verifier:numeric", "--pairwise"], "drop --pairwise")
        Self.expectUsageError(
            ["judge", "--input", "s.jsonl", "--judge", "verifier:numeric", "--concurrency", "0"], "--concurrency")
        Self.expectUsageError(
            ["judge", "--rubric", "r", "--input", "s", "--judge", "local:m", "--pairwise", "--probability-weighted"],
            "--probability-weighted")
        Self.expectUsageError(["judge", "--input", "s.jsonl", "--judge", "openai:nohash"], "--judge")
    }

    @Test func auditServeModelsRubric() throws {
        let a = try Self.command(
            [
                "audit", "--human", "h.jsonl", "--judge", "j.jsonl", "--level", "ordinal", "--bootstrap", "200",
                "--gate", "alpha>=0.6", "--html", "r.html",
            ], as: AuditCommand.self)
        #expect(a.level == "ordinal" && a.bootstrap == 200 && a.html == "r.html")
        Self.expectUsageError(["audit", "--human", "h", "--judge", "j", "--level", "cardinal"], "--level")
        Self.expectUsageError(["audit", "--human", "h", "--judge", "j", "--confidence", "1"], "--confidence")
        Self.expectUsageError(["audit", "--human", "h", "--judge", "j", "--bootstrap", "-1"], "--bootstrap")
        Self.expectUsageError(["audit", "--human", "h", "--judge", "j", "--gate", "alpha>>1"], "--gate")
        Self.expectUsageError(["audit", "--human", "h"], "--judge")

        let s = try Self.command(["serve", "--port", "0", "--exact", "--served-name", "judge"], as: ServeCommand.self)
        #expect(s.port == 0 && s.arithmetic.exact && s.servedName == "judge")
        Self.expectUsageError(["serve", "--port", "70000"], "--port")
        Self.expectUsageError(["serve", "--served-name", ""], "--served-name")
        Self.expectUsageError(["serve", "--max-queue", "-1"], "--max-queue")

        _ = try Self.command(["models", "list"], as: ModelsCommand.List.self)
        let fetch = try Self.command(["models", "fetch", "smollm2-135m"], as: ModelsCommand.Fetch.self)
        #expect(fetch.name == "smollm2-135m")
        _ = try Self.command(["models", "inspect", "x.gguf", "--tensors"], as: ModelsCommand.Inspect.self)
        Self.expectUsageError(["models", "fetch"], "Missing expected argument")

        let r = try Self.command(["rubric", "validate", "a.yaml", "b.json"], as: RubricCommand.Validate.self)
        #expect(r.files == ["a.yaml", "b.json"])
        Self.expectUsageError(["rubric", "validate"], "Missing expected argument '<files> ...'")
        Self.expectUsageError(["frobnicate"], "frobnicate")
    }

    @Test func trainJudgeAndTrainedJudges() throws {
        let base = ["train-judge", "--rubric", "r.yaml", "--samples", "s.jsonl", "--labels", "l.jsonl", "--out", "d"]
        let t = try Self.command(
            base + [
                "--lora", "8", "--inputs", "features", "--split-by", "prompt", "--test-fold", "0", "--epochs", "2",
            ],
            as: TrainJudgeCommand.self)
        #expect(t.lora == 8 && t.inputs == "features" && t.splitBy == "prompt" && t.testFold == 0 && t.epochs == 2)
        #expect(t.backbone == "minilm-l6-v2" && t.maxLength == 256 && t.aggregation == "majority")
        Self.expectUsageError(base + ["--lora", "8", "--full"], "--lora and --full")
        Self.expectUsageError(base + ["--objective", "hinge"], "--objective hinge")
        Self.expectUsageError(base + ["--aggregation", "mean"], "--aggregation mean")
        Self.expectUsageError(base + ["--test-fold", "5"], "--test-fold must be in 0..<5")
        Self.expectUsageError(base + ["--test-fold", "1", "--cross-validate"], "exclude each other")
        Self.expectUsageError(base + ["--inputs", "tokens"], "--inputs tokens")
        Self.expectUsageError(base + ["--split-by", "rater"], "--split-by")
        Self.expectUsageError(base + ["--max-length", "4"], "--max-length")
        #expect(try JudgeSpec("trained:/tmp/judge") == .trained("/tmp/judge"))
        #expect(throws: (any Error).self) { try JudgeSpec("trained:") }
        // A trained judge needs no rubric (it checks one when given).
        _ = try Self.command(
            ["judge", "--input", "s.jsonl", "--judge", "trained:/tmp/judge", "--pairwise"], as: JudgeCommand.self)
    }

    @Test func helpAndVersionExitCleanly() {
        for arguments in [["--help"], ["--version"], ["judge", "--help"], ["help", "generate"]] {
            switch Self.parse(arguments) {
            case .success(let command):
                // The parser answers help requests with its own help command, which prints and exits 0.
                #expect("\(type(of: command))".contains("HelpCommand"), "\(arguments) parsed as \(type(of: command))")
            case .failure(let error):
                #expect(ArbiterCommand.exitCode(for: error) == .success, "\(arguments)")
                #expect(!ArbiterCommand.fullMessage(for: error).isEmpty)
            }
        }
        let help = ArbiterCommand.helpMessage(for: GenerateCommand.self)
        #expect(help.contains("--exact") && !help.contains("--quantized-prefill"))
        #expect(ArbiterCommand.helpMessage(for: JudgeCommand.self).contains("openai: judges"))
    }
}
