// AuditCommand: `arbiter audit` — agreement of a judge's labels with human labels, with seeded
// bootstrap intervals; prints a Markdown summary and writes JSON / HTML reports. The statistics live
// in ArbiterAgreement (AgreementAudit); this file only parses options, prints (progress included:
// AuditProgressDisplay) and sets exit codes.
import Arbiter
import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Measure how well a judge agrees with human labels (κ, α, AC1, correlations, ICC, MT-Bench).",
        discussion: """
            A judge file holding several judges is audited judge by judge, side by side, unless --judge-name picks one.
            Human labels: JSONL {"id","rater","criterion"?,"score"} or {"id","criterion"?,"scores":[..]} or pairwise
            {"id","rater","winner"}. Judge labels: the same with "judge" instead of "rater". Ids labelled on one side only
            are counted and listed in the report, never dropped silently.
            """
    )

    @Option(help: "Human label file (JSONL).") var human: String
    @Option(help: "Judge label file (JSONL).") var judge: String
    @Option(
        name: .customLong("judge-name"),
        help: "Judge to audit when the judge file holds several (default: every judge, side by side).") var judgeName:
        String?
    @Option(help: "Criterion to audit (repeatable; default: every criterion of the human file).") var criterion:
        [String] = []
    @Option(help: "Level of measurement for Krippendorff's alpha: nominal, ordinal, interval, ratio.") var level:
        String = "ordinal"
    @Option(
        help:
            "Score scale as comma-separated values, e.g. 1,2,3,4,5 (default: the human scores plus the judge's whole-number scores). Judge scores off the scale (probability-weighted, e.g. 3.72) are snapped to the nearest level, ties to the lower, for percent agreement, kappa, AC1, nominal/ordinal alpha and the confusion matrix; correlations, ICC and interval alpha use raw scores."
    ) var scale: String?
    @Option(help: "Bootstrap resamples for confidence intervals (0 = none; at most \(Bootstrap.maxReplicates)).")
    var bootstrap: Int = 1000
    @Option(help: "Interval method: bca or percentile.") var interval: String = "bca"
    @Option(help: "Confidence level.") var confidence: Double = 0.95
    @Option(help: "Seed of the bootstrap and the random baseline.") var seed: UInt64 = 0
    @Option(
        help:
            "Samples file (JSONL) for length baselines, the verbosity and self-preference bias probes (generator metadata: model/generator, model_a/model_b or cmp_key), and grouping."
    ) var samples: String?
    @Option(
        name: .customLong("group-by"), help: "Sample metadata key of the source document (summary-level correlations).")
    var groupBy: String?
    @Option(name: .customLong("system-key"), help: "Sample metadata key of the system (system-level correlations).")
    var systemKey: String?
    @Option(help: "Write the JSON report here.") var json: String?
    @Option(help: "Write the self-contained HTML report here.") var html: String?
    @Option(help: "Write the Markdown report here (it is also printed).") var markdown: String?
    @Flag(
        help:
            "Replace an existing --json/--html/--markdown file that is not an Arbiter audit report (never an input file)."
    ) var force = false
    @Option(
        help: ArgumentHelp(
            "Trust gate, e.g. alpha>=0.6,ratio>=0.9 (metric keys or alpha/ratio/ac1/kappa/icc/tau; .ci_low for the interval's lower bound; 'baselines' = must beat the trivial baselines). Exit code 3 when it fails."
        ))
    var gate: String?

    func validate() throws {
        guard MeasurementLevel(rawValue: level) != nil else {
            throw ValidationError("--level must be one of nominal, ordinal, interval, ratio (got \(level))")
        }
        guard IntervalMethod(rawValue: interval) != nil else {
            throw ValidationError("--interval must be bca or percentile")
        }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be ≥ 0") }
        guard bootstrap <= Bootstrap.maxReplicates else {
            throw ValidationError(
                "--bootstrap must be at most \(Bootstrap.maxReplicates) (the cap bounds memory; 1000–10000 is usual), got \(bootstrap)"
            )
        }
        guard confidence > 0 && confidence < 1 else { throw ValidationError("--confidence must be in (0, 1)") }
        if let gate {
            do { _ = try TrustGate(parsing: gate) } catch {
                throw ValidationError("--gate: \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
            }
        }
        if let scale, parseScale(scale) == nil {
            throw ValidationError("--scale must be comma-separated numbers, e.g. 1,2,3,4,5")
        }
    }

    func parseScale(_ text: String) -> [Double]? {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        return parts.compactMap { $0 }
    }

    /// The report files, checked before any work: none is an input or another report, and an
    /// existing one is Arbiter's own report of that kind unless --force (OutputPath).
    func reportOutputs() throws -> (json: OutputPath?, html: OutputPath?, markdown: OutputPath?) {
        let checked = try OutputPath.check(
            [("--json", json, .jsonReport), ("--html", html, .htmlReport), ("--markdown", markdown, .markdownReport)],
            inputs: [("--human", human), ("--judge", judge), ("--samples", samples)], force: force)
        return (checked[0], checked[1], checked[2])
    }

    func run() async throws {
        do {
            let outputs = try reportOutputs()
            var options = try AuditOptions(
                judge: judgeName, criteria: criterion.isEmpty ? nil : criterion,
                level: MeasurementLevel(rawValue: level) ?? .ordinal, scale: scale.flatMap(parseScale),
                bootstrap: bootstrap > 0 ? try Bootstrap(replicates: bootstrap, seed: seed, level: confidence) : nil,
                intervalMethod: IntervalMethod(rawValue: interval) ?? .bca,
                samples: try samples.map { try SampleFile.load(URL(fileURLWithPath: $0)) },
                groupBy: groupBy, systemKey: systemKey, baselineSeed: seed)
            let display = AuditProgressDisplay(terminal: isatty(STDERR_FILENO) == 1)
            if display.terminal { options.progress = { display.show($0) } }
            // The progress line is cleared before anything else is printed (or the error).
            let report = try { () throws -> AuditReport in
                defer { display.finish() }
                return try AgreementAudit.run(
                    humanFile: URL(fileURLWithPath: human), judgeFile: URL(fileURLWithPath: judge),
                    options: options)
            }()
            let md = report.markdown()
            print(md)
            if let json = outputs.json { try json.write(report.jsonData()) }
            if let html = outputs.html { try html.write(Data(report.html().utf8)) }
            if let markdown = outputs.markdown {
                try markdown.write(Data((OutputPath.markdownMarker + "\n" + md).utf8))
            }
            if let gate {
                let result = try TrustGate(parsing: gate).evaluate(report)
                print(result.summary)
                if !result.passed { throw ExitCode(3) }
            }
        } catch let error as LocalizedError {
            FileHandle.standardError.write(Data("error: \(error.errorDescription ?? "\(error)")\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// Audit progress on stderr, only where someone watches and only for long work: nothing when stderr
/// is not a terminal (the report goes to stdout, logs stay clean), and on a terminal nothing for the
/// first second (short audits stay quiet); after that one redrawn line, at most ten times a second.
final class AuditProgressDisplay: @unchecked Sendable {
    let terminal: Bool
    private let lock = NSLock()
    private let start = ContinuousClock.now
    private var lastDraw: ContinuousClock.Instant? = nil
    private var drawn = false

    init(terminal: Bool) { self.terminal = terminal }

    func show(_ p: AuditProgress) {
        guard terminal else { return }
        lock.withLock {
            let now = ContinuousClock.now
            guard now - start >= .seconds(1) else { return }
            if let lastDraw, now - lastDraw < .milliseconds(100), p.done < p.total { return }
            lastDraw = now
            drawn = true
            let percent = p.total > 0 ? min(100, p.done * 100 / p.total) : 100
            let what: String
            switch p.stage {
            case .reading: what = "reading \(URL(fileURLWithPath: p.subject).lastPathComponent)"
            case .bootstrap:
                what = "bootstrap \(p.subject.isEmpty ? "" : "\(p.subject) ")\(p.done)/\(p.total) resamples"
            case .jackknife:
                what = "BCa jackknife \(p.subject.isEmpty ? "" : "\(p.subject) ")\(p.done)/\(p.total) items"
            }
            FileHandle.standardError.write(Data("\r\u{1B}[K\(what) \(percent)%".utf8))
        }
    }

    /// Ends the progress line, if one was drawn.
    func finish() {
        lock.withLock {
            if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            drawn = false
        }
    }
}
