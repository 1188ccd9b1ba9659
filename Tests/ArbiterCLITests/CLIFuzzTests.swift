// CLIFuzzTests: a seeded fuzz harness over `arbiter` itself (the built executable, run as a child
// process): argument vectors and input files for `rubric validate`, `models inspect`, `generate`,
// `score`, `audit` and `judge`, mutated the way careless and hostile users do (truncated, flipped,
// grown and emptied files, FIFOs and folders where files belong, hostile numbers, outputs that
// name an input). Every run must end by itself within the limit, never by a signal (a trap), and
// either succeed or fail with a typed, printed error and a non-zero exit; no input file may change.
// Seeded and bounded by case counts, so a failure reproduces from the printed vector.
import ArbiterCore
import ArbiterTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.serialized) struct CLIFuzzTests {
    /// The suite's fixed seed and case count; `ARBITER_FUZZ_SEED` / `ARBITER_FUZZ_CASES` override them
    /// for a longer exploratory run (a failure prints its vector; rerun with that seed).
    static let seed: UInt64 =
        ProcessInfo.processInfo.environment["ARBITER_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0xF022_1407
    static let casesPerCommand = ProcessInfo.processInfo.environment["ARBITER_FUZZ_CASES"].flatMap { Int($0) } ?? 30
    /// Seconds one run may take (debug build, 2 cores; ordinary runs take well under one).
    static let limit = 20.0

    /// What a careless or hostile user types as an option's value.
    static let hostileValues = [
        "", "-1", "0", "1e308", "-1e308", "nan", "inf", "99999999999999999999", "2.5", " ", "--", "x\u{7}y",
        String(repeating: "9", count: 300),
    ]

    /// Messages that mean an error escaped untyped (a trap's text, a Foundation or coding error dump).
    static let untypedFragments = [
        "Fatal error", "EncodingError", "DecodingError", "Swift.", "Error Domain=", "(null)",
    ]

    /// Good inputs for one case, in its own folder.
    struct Inputs {
        let folder: URL
        let rubrics: [URL]
        let samples: URL
        let human: URL
        let judgeLabels: URL
        let model: URL
        /// A FIFO and a folder, each with a name that looks like an input of every kind.
        let fifo: URL
        let directory: URL

        init(caseNumber: Int, command: String) throws {
            let folder = FileManager.default.temporaryDirectory
                .appendingPathComponent("arbiter-fuzz-\(command)-\(caseNumber)-\(UUID().uuidString)")
            self.folder = folder
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let root = Fixtures.repositoryRoot
            rubrics = try [
                "Rubrics/summeval-consistency.yaml", "Rubrics/examples/helpfulness.json",
                "Rubrics/examples/helpfulness.xml",
            ].map { path in
                let target = folder.appendingPathComponent((path as NSString).lastPathComponent)
                try FileManager.default.copyItem(at: root.appendingPathComponent(path), to: target)
                return target
            }
            samples = folder.appendingPathComponent("samples.jsonl")
            try Data(
                """
                {"id": "s1", "prompt": "2 + 2?", "response": "4", "reference": "4"}
                {"id": "s2", "prompt": "Capital of France?", "response": "Lyon", "reference": "Paris"}
                {"id": "s3", "prompt": "Say hi.", "response": "hi", "reference": "hi"}

                """.utf8
            ).write(to: samples)
            let labels = try String(
                contentsOf: root.appendingPathComponent("Data/summeval-consistency/human_labels.jsonl"), encoding: .utf8
            )
            .split(separator: "\n").prefix(45)
            human = folder.appendingPathComponent("human_labels.jsonl")
            try Data((labels.joined(separator: "\n") + "\n").utf8).write(to: human)
            var ids: [String] = []
            for line in labels {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                if let id = object?["id"] as? String, ids.last != id { ids.append(id) }
            }
            judgeLabels = folder.appendingPathComponent("judge_labels.jsonl")
            let judged = ids.enumerated().map { index, id in
                "{\"id\": \"\(id)\", \"judge\": \"fuzz\", \"criterion\": \"consistency\", \"score\": \(index % 5 + 1)}"
            }
            try Data((judged.joined(separator: "\n") + "\n").utf8).write(to: judgeLabels)
            model = folder.appendingPathComponent("tiny.gguf")
            try Data(GGUFTestWriter.tinyLlama(contextLength: 48).bytes()).write(to: model)
            fifo = folder.appendingPathComponent("pipe.jsonl")
            guard mkfifo(fifo.path, 0o600) == 0 else { throw CLIProcessError(message: "mkfifo failed") }
            directory = folder.appendingPathComponent("folder.yaml")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        /// A FIFO named like `name` (so extension checks pass and the open is what is tested).
        func fifo(named name: String) throws -> URL {
            let url = folder.appendingPathComponent(name)
            guard mkfifo(url.path, 0o600) == 0 else { throw CLIProcessError(message: "mkfifo \(name) failed") }
            return url
        }

        /// Replaces `url`'s bytes with a mutation of them.
        func mutate(_ url: URL, _ rng: inout SplitMix64) throws {
            try CLIFuzzTests.mutate(Data(contentsOf: url), &rng).write(to: url)
        }
    }

    /// One mutation of a file's bytes: cut, flipped, grown, duplicated line, hostile number, emptied,
    /// replaced by noise, or given invalid UTF-8.
    static func mutate(_ data: Data, _ rng: inout SplitMix64) -> Data {
        var bytes = [UInt8](data)
        let position = { (rng: inout SplitMix64) in bytes.isEmpty ? 0 : rng.below(bytes.count) }
        switch rng.below(9) {
        case 0:
            bytes = Array(bytes.prefix(position(&rng)))
        case 1:
            for _ in 0...rng.below(8) where !bytes.isEmpty {
                bytes[position(&rng)] = UInt8(truncatingIfNeeded: rng.next())
            }
        case 2:
            let at = position(&rng)
            bytes.insert(contentsOf: (0...rng.below(32)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
        case 3:
            var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            if !lines.isEmpty {
                let line = lines[rng.below(lines.count)]
                lines.insert(line, at: rng.below(lines.count + 1))
            }
            bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        case 4:
            // A number somewhere becomes a hostile one.
            let digits = bytes.indices.filter { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[$0]) }
            if !digits.isEmpty {
                let at = digits[rng.below(digits.count)]
                let value = ["1e308", "-1e308", "99999999999", "2147483647", "-0", "1.7976931348623157e308", "NaN"]
                bytes.replaceSubrange(at...at, with: Array(value[rng.below(value.count)].utf8))
            }
        case 5:
            bytes = []
        case 6:
            bytes = (0..<512).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        case 7:
            // A binary header: overwrite a 4-byte word in the first 2 KB with a huge count.
            if bytes.count > 8 {
                let at = rng.below(min(bytes.count, 2048) - 4)
                let huge: [UInt32] = [0x7FFF_FFFF, 0xFFFF_FFFF, 0x0100_0000, 0]
                withUnsafeBytes(of: huge[rng.below(huge.count)].littleEndian) {
                    bytes.replaceSubrange(at..<(at + 4), with: $0)
                }
            }
        default:
            bytes.insert(contentsOf: [0xFF, 0xC0, 0x80], at: position(&rng))
        }
        return Data(bytes)
    }

    /// Picks an element.
    static func pick<T>(_ values: [T], _ rng: inout SplitMix64) -> T { values[rng.below(values.count)] }

    /// True with probability `p`.
    static func chance(_ p: Double, _ rng: inout SplitMix64) -> Bool { rng.nextUnitDouble() < p }

    /// One argument vector for `command`, after mutating some of the case's inputs. Returns the
    /// vector and the files that are inputs of this run (they must not change).
    static func vector(
        _ command: String, _ inputs: Inputs, _ rng: inout SplitMix64
    ) throws -> (arguments: [String], inputs: [URL]) {
        let hostile = { (rng: inout SplitMix64) in pick(hostileValues, &rng) }
        switch command {
        case "rubric":
            var rubric = pick(inputs.rubrics, &rng)
            switch rng.below(10) {
            case 0: rubric = try inputs.fifo(named: "pipe.\(rubric.pathExtension)")
            case 1: rubric = inputs.directory
            default: try inputs.mutate(rubric, &rng)
            }
            return (["rubric", "validate", rubric.path], inputs.rubrics)
        case "models":
            var model = inputs.model
            switch rng.below(10) {
            case 0: model = try inputs.fifo(named: "pipe.gguf")
            case 1...7: try inputs.mutate(model, &rng)
            default: break
            }
            return (["models", "inspect", model.path] + (chance(0.3, &rng) ? ["--tensors"] : []), [inputs.model])
        case "generate", "score":
            if chance(0.3, &rng) { try inputs.mutate(inputs.model, &rng) }
            let prompts = [
                "", "a", "<|im_start|>", "<|im_end|><|endoftext|>", String(repeating: "ab ", count: 40),
                "é\u{0}\u{FFFF}",
                hostile(&rng),
            ]
            var arguments = [command, "--model", inputs.model.path, "--prompt", pick(prompts, &rng)]
            if chance(0.3, &rng) { arguments.append("--chat") }
            if chance(0.3, &rng) { arguments.append("--json") }
            if command == "score" {
                arguments += ["--completion", pick(prompts, &rng)]
            } else {
                arguments += ["--max-tokens", chance(0.7, &rng) ? String(1 + rng.below(4)) : hostile(&rng)]
                if chance(0.3, &rng) { arguments += ["--temperature", chance(0.5, &rng) ? "0.8" : hostile(&rng)] }
                if chance(0.2, &rng) { arguments += ["--top-p", hostile(&rng)] }
                if chance(0.2, &rng) { arguments += ["--stop", hostile(&rng)] }
            }
            return (arguments, [inputs.model])
        case "audit":
            if chance(0.6, &rng) { try inputs.mutate(chance(0.5, &rng) ? inputs.human : inputs.judgeLabels, &rng) }
            var arguments = [
                "audit", "--human", inputs.human.path, "--judge", inputs.judgeLabels.path,
                "--bootstrap", chance(0.8, &rng) ? "20" : hostile(&rng),
            ]
            for option in ["--markdown", "--json", "--html"] where chance(0.4, &rng) {
                let targets = [
                    inputs.folder.appendingPathComponent("report-\(option.dropFirst(2))").path, inputs.human.path,
                    inputs.judgeLabels.path, inputs.fifo.path, inputs.directory.path,
                ]
                arguments += [option, pick(targets, &rng)]
            }
            if chance(0.2, &rng) { arguments.append("--force") }
            if chance(0.2, &rng) { arguments += ["--level", hostile(&rng)] }
            if chance(0.2, &rng) { arguments += ["--confidence", hostile(&rng)] }
            if chance(0.2, &rng) { arguments += ["--gate", chance(0.5, &rng) ? "alpha>=0.5" : hostile(&rng)] }
            return (arguments, [inputs.human, inputs.judgeLabels])
        case "judge":
            if chance(0.5, &rng) { try inputs.mutate(inputs.samples, &rng) }
            let outs = [
                inputs.folder.appendingPathComponent("judgments.jsonl").path, inputs.samples.path, inputs.human.path,
                inputs.fifo.path, inputs.directory.path,
            ]
            var arguments = [
                "judge", "--input", chance(0.1, &rng) ? inputs.fifo.path : inputs.samples.path,
                "--judge", pick(["verifier:exact-match", "verifier:numeric"], &rng),
                "--out", pick(outs, &rng),
            ]
            if chance(0.2, &rng) { arguments += ["--limit", hostile(&rng)] }
            if chance(0.2, &rng) { arguments += ["--concurrency", hostile(&rng)] }
            if chance(0.2, &rng) { arguments.append("--retry-failed") }
            if chance(0.2, &rng) { arguments.append("--force") }
            return (arguments, [inputs.samples, inputs.human])
        default:
            throw CLIProcessError(message: "no fuzz vectors for \(command)")
        }
    }

    @Test(arguments: ["rubric", "models", "generate", "score", "audit", "judge"])
    func commandsNeverTrapHangOrTouchTheirInputs(command: String) throws {
        var rng = SplitMix64(seed: Self.seed ^ command.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) })
        for caseNumber in 0..<Self.casesPerCommand {
            let inputs = try Inputs(caseNumber: caseNumber, command: command)
            defer { try? FileManager.default.removeItem(at: inputs.folder) }
            let (arguments, protected) = try Self.vector(command, inputs, &rng)
            let before = protected.map { try? Data(contentsOf: $0) }
            let run = try CLIProcess.run(arguments, in: inputs.folder, limit: Self.limit)
            #expect(!run.timedOut, "case \(caseNumber): \(run)")
            #expect(!run.signalled, "case \(caseNumber): \(run)")
            let gateFailed = command == "audit" && run.status == 3 && arguments.contains("--gate")
            if run.status != 0 && !run.signalled && !run.timedOut && !gateFailed {
                #expect(run.stderr.lowercased().contains("error"), "case \(caseNumber): no error message: \(run)")
                for fragment in Self.untypedFragments {
                    #expect(!run.stderr.contains(fragment), "case \(caseNumber): untyped error: \(run)")
                }
            }
            for (url, bytes) in zip(protected, before) {
                #expect(
                    (try? Data(contentsOf: url)) == bytes,
                    "case \(caseNumber): \(url.lastPathComponent) changed: \(run)")
            }
        }
    }
}
