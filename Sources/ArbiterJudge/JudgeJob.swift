// JudgeJob: runs a judge over a samples JSONL file and appends each finished judgment to an
// output JSONL (through JudgmentLog) as soon as its sample is done, with bounded concurrency.
// It is resumable: on start it reads the output and skips samples whose (id, judge, rubric hash,
// criterion) lines are all there, so a killed run that is rerun neither loses nor duplicates
// work. Failed judgments count as done unless `retryFailed` (then a new line is appended and the
// later line for a key wins). It does not print; progress goes to a callback.
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
            return "\(issues.count) malformed sample line(s); fix them, or pass --skip-invalid to record them as failed judgments:\n\(shown)\(more)"
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
    let run: @Sendable (JobSample) async -> [Judgment]

    /// A pointwise judge (LLM, rubric or verifier). Pairwise samples become `invalidSample` failures.
    public init(pointwise judge: any Judge, rubric: String, rubricHash: String?, criteria: [String]) {
        self.name = judge.name
        self.rubric = rubric
        self.rubricHash = rubricHash
        self.criteria = criteria
        self.pairwise = false
        let criteria = criteria
        self.run = { sample in
            guard case .pointwise(let s) = sample else {
                return criteria.map {
                    Judgment(id: sample.id, judge: judge.name, rubric: rubric, rubricHash: rubricHash, criterion: $0, model: "none",
                             failure: .invalidSample(message: "a pointwise judge was given a pairwise sample"))
                }
            }
            return await judge.judge([s])
        }
    }

    /// A rubric-built pointwise judge (criteria, rubric name and hash come from it).
    public init(_ judge: RubricPointwiseJudge) {
        self.init(pointwise: judge, rubric: judge.rubric.name, rubricHash: judge.rubric.contentHash, criteria: judge.criteria)
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
                return [Judgment(id: sample.id, judge: judge.name, rubric: c.rubric, rubricHash: c.rubricHash, criterion: c.criterion,
                                 model: "none", failure: .invalidSample(message: "a pairwise judge was given a pointwise sample"))]
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
        guard concurrency >= 1 else { throw JudgeJobError.invalidOption(name: "concurrency", value: "\(concurrency)", fix: "use 1 or more") }
        if let limit, limit < 0 { throw JudgeJobError.invalidOption(name: "limit", value: "\(limit)", fix: "use 0 or more") }
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
    /// Samples already complete in the output before this run.
    public var alreadyDone: Int
    /// Samples judged by this run.
    public var judged: Int
    /// Failed judgments written by this run.
    public var failures: Int
    /// Malformed lines recorded (with `skipInvalid`).
    public var invalid: [SampleIssue]
    /// Bytes of a truncated last line removed from the output on start.
    public var repairedBytes: Int
}

/// A resumable judging run over one samples file.
public struct JudgeJob: Sendable {
    public let input: URL
    public let output: URL
    public let judge: JobJudge
    public let options: JudgeJobOptions

    public init(input: URL, output: URL, judge: JobJudge, options: JudgeJobOptions) {
        self.input = input
        self.output = output
        self.judge = judge
        self.options = options
    }

    struct Key: Hashable {
        var id: String, judge: String, rubricHash: String?, criterion: String
    }

    /// Runs the job. Throws before judging anything when the samples have malformed lines (unless
    /// `skipInvalid`) or the output cannot be opened or read. Cancellation stops it: samples in
    /// flight are not written, so a rerun judges them.
    public func run(progress: @escaping @Sendable (JobProgress) -> Void = { _ in }) async throws -> JudgeJobSummary {
        let contents = try Self.readSamples(input, pairwise: judge.pairwise)
        if !contents.issues.isEmpty, !options.skipInvalid { throw JudgeJobError.invalidSamples(contents.issues) }
        let log = try JudgmentLog(url: output)
        var latest: [Key: Judgment] = [:]
        for j in log.existing { latest[Key(id: j.id, judge: j.judge, rubricHash: j.rubricHash, criterion: j.criterion)] = j }

        // Malformed lines are recorded once, as failed judgments, under their id, or under
        // "<file name>:<line>" when they have none or share it with a valid sample.
        var failures = 0
        let validIDs = Set(contents.samples.map(\.id))
        for issue in contents.issues {
            let id = issue.id.flatMap { validIDs.contains($0) ? nil : $0 }
                ?? "\(URL(fileURLWithPath: issue.file).lastPathComponent):\(issue.line)"
            for c in judge.criteria where latest[Key(id: id, judge: judge.name, rubricHash: judge.rubricHash, criterion: c)] == nil {
                let j = Judgment(id: id, judge: judge.name, rubric: judge.rubric, rubricHash: judge.rubricHash, criterion: c,
                                 model: "none", attempts: 0, failure: .invalidSample(message: issue.description))
                try await log.append(j)
                latest[Key(id: id, judge: judge.name, rubricHash: judge.rubricHash, criterion: c)] = j
                failures += 1
            }
        }

        let selected = options.limit.map { Array(contents.samples.prefix($0)) } ?? contents.samples
        var pending: [(sample: JobSample, missing: Set<String>)] = []
        for sample in selected {
            let missing = judge.criteria.filter { c in
                guard let j = latest[Key(id: sample.id, judge: judge.name, rubricHash: judge.rubricHash, criterion: c)] else { return true }
                return options.retryFailed && !j.succeeded
            }
            if !missing.isEmpty { pending.append((sample, Set(missing))) }
        }
        let alreadyDone = selected.count - pending.count
        var state = JobProgress(done: alreadyDone, total: selected.count, failures: failures)
        progress(state)

        let run = judge.run
        try await withThrowingTaskGroup(of: [Judgment]?.self) { group in
            var next = 0
            func launch() {
                guard next < pending.count else { return }
                let item = pending[next]
                next += 1
                group.addTask {
                    let judged = await run(item.sample)
                    // A cancelled sample's judgments are cancellation artefacts: never record them.
                    if Task.isCancelled { return nil }
                    return judged.filter { item.missing.contains($0.criterion) }
                }
            }
            for _ in 0..<options.concurrency { launch() }
            while let finished = try await group.next() {
                guard let judged = finished, !Task.isCancelled else { continue }
                for j in judged {
                    try await log.append(j)
                    if !j.succeeded { state.failures += 1 }
                }
                state.done += 1
                progress(state)
                launch()
            }
        }
        try Task.checkCancellation()
        return JudgeJobSummary(
            total: selected.count, alreadyDone: alreadyDone, judged: state.done - alreadyDone,
            failures: state.failures, invalid: contents.issues, repairedBytes: log.discardedBytes)
    }
}
