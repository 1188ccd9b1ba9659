// JudgeJob: runs a judge over a samples JSONL file and appends each finished judgment to an
// output JSONL (through JudgmentLog) and/or a SQLite JudgmentStore as soon as its sample is done,
// with bounded concurrency. It is resumable: on start it skips samples whose judgments are all
// there (by (id, judge, rubric hash, criterion) in the JSONL, or, with a store, by (rubric hash,
// judge configuration, sample content hash, id, criterion) in the store; see JudgeJob+Ledger),
// so a killed run that is rerun neither loses nor duplicates work. Failed judgments count as done
// unless `retryFailed` (then the judgment is recorded again and the later one for a key wins).
// It does not print; progress goes to a callback.
import Foundation

/// A job that cannot start or continue.
public enum JudgeJobError: LocalizedError, Equatable {
    case cannotRead(path: String, reason: String)
    case invalidSamples([SampleIssue])
    case invalidOption(name: String, value: String, fix: String)

    public var errorDescription: String? {
        switch self {
        case .cannotRead(let p, let r): return "cannot read samples file \(p) (\(r)); check the path"
        case .invalidSamples(let issues):
            let shown = issues.prefix(20).map { "  \($0)" }.joined(separator: "\n")
            let more = issues.count > 20 ? "\n  … and \(issues.count - 20) more" : ""
            return
                "\(issues.count) malformed sample line(s); fix them, or pass --skip-invalid to record them as failed judgments:\n\(shown)\(more)"
        case .invalidOption(let n, let v, let fix): return "\(n) = \(v) is invalid; \(fix)"
        }
    }
}

/// What a job runs: a judge of either kind, the criteria it yields per sample, and the identity
/// used to recognise its earlier judgments.
public struct JobJudge: Sendable {
    public let name: String
    public let rubric: String
    public let rubricHash: String?
    /// Criterion ids each sample yields; a sample is done when all are in the output.
    public let criteria: [String]
    public let pairwise: Bool
    /// Settings that change the judge's output beyond its name and rubric (model file, maximum
    /// tokens, scoring mode, ...); part of `configurationHash`, the judgment store's key.
    public var settings: [String: String] = [:]
    let run: @Sendable (JobSample) async -> [Judgment]

    /// A pointwise judge (LLM, rubric or verifier). Pairwise samples become `invalidSample` failures.
    public init<J: Judge<JudgeSample>>(
        pointwise judge: J, rubric: String, rubricHash: String?, criteria: [String]
    ) {
        self.name = judge.name
        self.rubric = rubric
        self.rubricHash = rubricHash
        self.criteria = criteria
        self.pairwise = false
        let criteria = criteria
        self.run = { sample in
            guard case .pointwise(let s) = sample else {
                return criteria.map {
                    Judgment(
                        id: sample.id, judge: judge.name, rubric: rubric, rubricHash: rubricHash, criterion: $0,
                        model: "none",
                        failure: .invalidSample(message: "a pointwise judge was given a pairwise sample"))
                }
            }
            return await judge.judge([s])
        }
    }

    /// A judge from its parts (`run` judges one sample).
    init(
        name: String, rubric: String, rubricHash: String?, criteria: [String], pairwise: Bool,
        run: @escaping @Sendable (JobSample) async -> [Judgment]
    ) {
        self.name = name
        self.rubric = rubric
        self.rubricHash = rubricHash
        self.criteria = criteria
        self.pairwise = pairwise
        self.run = run
    }

    /// A rubric-built pointwise judge (criteria, rubric name and hash come from it).
    public init(_ judge: RubricPointwiseJudge) {
        self.init(
            pointwise: judge, rubric: judge.rubric.name, rubricHash: judge.rubric.contentHash, criteria: judge.criteria)
    }

    /// A pairwise LLM judge.
    public init(pairwise judge: PairwiseLLMJudge) {
        let c = judge.configuration
        self.name = judge.name
        self.rubric = c.rubric
        self.rubricHash = c.rubricHash
        self.criteria = [c.criterion]
        self.pairwise = true
        self.run = { sample in
            guard case .pairwise(let s) = sample else {
                return [
                    Judgment(
                        id: sample.id, judge: judge.name, rubric: c.rubric, rubricHash: c.rubricHash,
                        criterion: c.criterion,
                        model: "none", failure: .invalidSample(message: "a pairwise judge was given a pointwise sample")
                    )
                ]
            }
            return await judge.judge([s])
        }
    }

    /// A verifier (its criterion is its kind; no rubric hash).
    public init(verifier: any Verifier) {
        self.init(pointwise: verifier, rubric: "verifier", rubricHash: nil, criteria: [verifier.kind])
    }
}

/// Job settings, validated in init.
public struct JudgeJobOptions: Sendable {
    public var concurrency: Int
    /// Judge only the first `limit` valid samples of the input.
    public var limit: Int?
    /// Record malformed lines as failed judgments instead of refusing to start.
    public var skipInvalid: Bool
    /// Judge again samples whose earlier judgment failed.
    public var retryFailed: Bool

    public init(concurrency: Int = 4, limit: Int? = nil, skipInvalid: Bool = false, retryFailed: Bool = false) throws {
        guard concurrency >= 1 else {
            throw JudgeJobError.invalidOption(name: "concurrency", value: "\(concurrency)", fix: "use 1 or more")
        }
        if let limit, limit < 0 {
            throw JudgeJobError.invalidOption(name: "limit", value: "\(limit)", fix: "use 0 or more")
        }
        self.concurrency = concurrency
        self.limit = limit
        self.skipInvalid = skipInvalid
        self.retryFailed = retryFailed
    }
}

/// Where a job stands: samples done (earlier runs included), of the total, and failed judgments.
public struct JobProgress: Sendable, Equatable {
    public var done: Int
    public var total: Int
    public var failures: Int
}

/// What a finished job did.
public struct JudgeJobSummary: Sendable, Equatable {
    /// Samples selected (after `limit`).
    public var total: Int
    /// Samples already complete in the output (or the store) before this run.
    public var alreadyDone: Int
    /// Samples judged by this run.
    public var judged: Int
    /// Failed judgments written by this run.
    public var failures: Int
    /// Judgments with a score or verdict written by this run (0 with `judged > 0`: nothing scored).
    public var scored: Int = 0
    /// Malformed lines recorded (with `skipInvalid`).
    public var invalid: [SampleIssue]
    /// Bytes of a truncated last line removed from the output on start.
    public var repairedBytes: Int
    /// Judgments found in the store but missing from the JSONL output, appended to it on start.
    public var copiedFromStore: Int = 0
    /// The first failure this run recorded, if any (what a caller shows when nothing was scored).
    public var firstFailure: JudgmentFailure? = nil
}

/// A resumable judging run over one samples file.
public struct JudgeJob: Sendable {
    public let input: URL
    /// The judgments JSONL file appended to (nil: store only).
    public let output: URL?
    /// The judgment store that decides what is done and keeps every judgment (nil: JSONL only).
    public let store: JudgmentStore?
    public let judge: JobJudge
    public let options: JudgeJobOptions

    public init(input: URL, output: URL, judge: JobJudge, options: JudgeJobOptions) {
        self.init(input: input, output: output, store: nil, judge: judge, options: options)
    }

    /// A job writing to a JSONL file, a store, or both (at least one must be given).
    public init(input: URL, output: URL?, store: JudgmentStore?, judge: JobJudge, options: JudgeJobOptions) {
        precondition(output != nil || store != nil, "JudgeJob needs an output file, a store, or both")
        self.input = input
        self.output = output
        self.store = store
        self.judge = judge
        self.options = options
    }

    /// Runs the job. Throws before judging anything when the samples have malformed lines (unless
    /// `skipInvalid`) or the output or store cannot be opened or read. Cancellation stops it:
    /// samples in flight are not written, so a rerun judges them.
    public func run(progress: @escaping @Sendable (JobProgress) -> Void = { _ in }) async throws -> JudgeJobSummary {
        let contents = try Self.readSamples(input, pairwise: judge.pairwise)
        if !contents.issues.isEmpty, !options.skipInvalid { throw JudgeJobError.invalidSamples(contents.issues) }
        var ledger = try JobLedger(judge: judge, output: output, store: store)

        // Malformed lines are recorded once, as failed judgments, under their id, or under
        // "<file name>:<line>" when they have none or share it with a valid sample.
        var failures = 0
        var scored = 0
        var firstFailure: JudgmentFailure?
        let validIDs = Set(contents.samples.map(\.id))
        let invalid = contents.issues.map { issue in
            let id =
                issue.id.flatMap { validIDs.contains($0) ? nil : $0 }
                ?? "\(URL(fileURLWithPath: issue.file).lastPathComponent):\(issue.line)"
            return (issue: issue, id: id, hash: JobSample.invalidLineHash(id: id, reason: issue.reason))
        }
        let selected = options.limit.map { Array(contents.samples.prefix($0)) } ?? contents.samples
        let hashes = selected.map(\.contentHash)
        try await ledger.syncLog(invalid.map { ($0.id, $0.hash) } + zip(selected, hashes).map { ($0.id, $1) })

        for (issue, id, hash) in invalid {
            let lines = judge.criteria.filter { ledger.existing(id: id, sampleHash: hash, criterion: $0) == nil }.map {
                Judgment(
                    id: id, judge: judge.name, rubric: judge.rubric, rubricHash: judge.rubricHash, criterion: $0,
                    model: "none", attempts: 0, failure: .invalidSample(message: issue.description))
            }
            let recorded = try await ledger.record(lines, sampleHash: hash)
            failures += recorded.count
            firstFailure = firstFailure ?? recorded.first?.failure
        }

        var pending: [(sample: JobSample, hash: String, missing: Set<String>)] = []
        for (sample, hash) in zip(selected, hashes) {
            let missing = judge.criteria.filter { c in
                guard let j = ledger.existing(id: sample.id, sampleHash: hash, criterion: c) else { return true }
                return options.retryFailed && !j.succeeded
            }
            if !missing.isEmpty { pending.append((sample, hash, Set(missing))) }
        }
        let alreadyDone = selected.count - pending.count
        var state = JobProgress(done: alreadyDone, total: selected.count, failures: failures)
        progress(state)

        let run = judge.run
        try await withThrowingTaskGroup(of: (hash: String, judged: [Judgment])?.self) { group in
            var next = 0
            func launch() {
                guard next < pending.count else { return }
                let item = pending[next]
                next += 1
                group.addTask {
                    let judged = await run(item.sample)
                    // A cancelled sample's judgments are cancellation artefacts: never record them.
                    if Task.isCancelled { return nil }
                    return (item.hash, judged.filter { item.missing.contains($0.criterion) })
                }
            }
            for _ in 0..<options.concurrency { launch() }
            while let finished = try await group.next() {
                guard let (hash, judged) = finished, !Task.isCancelled else { continue }
                // A sample's lines are recorded together or not at all.
                for j in try await ledger.record(judged, sampleHash: hash) {
                    if j.succeeded { scored += 1 } else { state.failures += 1 }
                    firstFailure = firstFailure ?? j.failure
                }
                state.done += 1
                progress(state)
                launch()
            }
        }
        try Task.checkCancellation()
        return JudgeJobSummary(
            total: selected.count, alreadyDone: alreadyDone, judged: state.done - alreadyDone,
            failures: state.failures, scored: scored, invalid: contents.issues, repairedBytes: ledger.repairedBytes,
            copiedFromStore: ledger.copiedToLog, firstFailure: firstFailure)
    }
}
