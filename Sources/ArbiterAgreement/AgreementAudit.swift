// AgreementAudit: the audit pipeline — a human label file and a judge file in, an AuditReport out.
// Judge-vs-human metrics are the mean over human raters of (judge vs that rater) on the items both
// labelled; human_human is the same comparison among humans; intervals resample items with a seed.
// Graded metrics: AgreementAudit+Graded.swift; pairwise: AgreementAudit+Pairwise.swift.
import Foundation

/// Options of an audit, validated in `init`.
public struct AuditOptions: Sendable {
    /// Judge name inside the judge file (needed when it holds several judges).
    public var judge: String?
    /// Criteria to audit; nil = every criterion of the human file (or the single unnamed one).
    public var criteria: [String]?
    /// Level of measurement for Krippendorff's α (graded data; pairwise is always nominal).
    public var level: MeasurementLevel
    /// The score scale (categories for κ, AC1, percent agreement); nil = the observed scores.
    public var scale: [Double]?
    /// Bootstrap settings; nil = no intervals.
    public var bootstrap: Bootstrap?
    public var intervalMethod: IntervalMethod
    /// Samples (for length baselines and grouping).
    public var samples: SampleFile?
    /// Sample metadata key of the source document (summary-level correlations), if any.
    public var groupBy: String?
    /// Sample metadata key of the system (system-level correlations), if any.
    public var systemKey: String?
    /// Seed of the random baseline.
    public var baselineSeed: UInt64
    /// Called as long work advances (file reading, bootstrap, jackknife); nil = no reports.
    public var progress: (@Sendable (AuditProgress) -> Void)? = nil

    public init(
        judge: String? = nil, criteria: [String]? = nil, level: MeasurementLevel = .ordinal,
        scale: [Double]? = nil, bootstrap: Bootstrap? = nil, intervalMethod: IntervalMethod = .bca,
        samples: SampleFile? = nil, groupBy: String? = nil, systemKey: String? = nil,
        baselineSeed: UInt64 = 0
    ) throws {
        if let scale {
            guard !scale.isEmpty, Set(scale).count == scale.count, scale.allSatisfy(\.isFinite) else {
                throw AuditError.invalidOption("the scale must list distinct finite scores, got \(scale)")
            }
        }
        if (groupBy != nil || systemKey != nil) && samples == nil {
            throw AuditError.invalidOption("grouping by sample metadata needs a samples file")
        }
        self.judge = judge
        self.criteria = criteria
        self.level = level
        self.scale = scale.map { $0.sorted() }
        self.bootstrap = bootstrap
        self.intervalMethod = intervalMethod
        self.samples = samples
        self.groupBy = groupBy
        self.systemKey = systemKey
        self.baselineSeed = baselineSeed
    }
}

/// Runs agreement audits.
public enum AgreementAudit {
    /// Loads both files and audits them.
    public static func run(humanFile: URL, judgeFile: URL, options: AuditOptions) throws -> AuditReport {
        func load(_ url: URL) throws -> LabelFile {
            guard let report = options.progress else { return try LabelFile.load(url) }
            return try LabelFile.load(url) {
                report(AuditProgress(stage: .reading, subject: url.path, done: $0, total: $1))
            }
        }
        return try run(human: try load(humanFile), judge: try load(judgeFile), options: options)
    }

    /// Audits a judge file against a human file: the judge named in the options, the file's only
    /// judge, or — when the file holds several and none is named — every judge, side by side.
    public static func run(human: LabelFile, judge: LabelFile, options: AuditOptions) throws -> AuditReport {
        guard human.kind == judge.kind else { throw AuditError.kindMismatch(human: human.name, judge: judge.name) }
        let names = options.judge.map { [$0] } ?? judge.sources
        if let one = options.judge { _ = try judge.judgeName(one) }
        let audits = try names.map {
            JudgeAudit(name: $0, criteria: try criteria(human: human, judge: judge, judgeName: $0, options: options))
        }
        return AuditReport(
            humanFile: human.name, judgeFile: judge.name, kind: human.kind,
            bootstrap: options.bootstrap, intervalMethod: options.intervalMethod, judges: audits)
    }

    /// One judge, every requested criterion.
    static func criteria(human: LabelFile, judge: LabelFile, judgeName: String, options: AuditOptions) throws
        -> [CriterionReport]
    {
        let criteria: [String?]
        if let wanted = options.criteria, !wanted.isEmpty {
            criteria = wanted
        } else {
            let all = human.criteria
            criteria = all.isEmpty ? [nil] : all
        }
        var reports: [CriterionReport] = []
        // The judge's model (the `model` field of its judgments, else its name) for self-preference.
        let judgeModel = judge.records.first { $0.source == judgeName && $0.model != nil }?.model ?? judgeName
        for criterion in criteria {
            let judgeCriterion: String? = judge.criteria.isEmpty ? nil : criterion
            let judgments = try judge.records(criterion: judgeCriterion).filter { $0.source == judgeName }
            let humanRecords = try human.records(criterion: criterion)
            if let scale = options.scale, human.kind == .graded {
                try checkScale(scale, human: humanRecords, file: human.name)
                try checkScale(scale, judge: judgments, file: judge.name)
            }
            let failures = JudgeFailureSummary(judgments: judgments, humanIDs: Set(humanRecords.map(\.id)))
            switch human.kind {
            case .graded:
                let aligned = LabelAlignment(
                    humans: try human.scoreTable(criterion: criterion),
                    judge: try judge.scoreTable(criterion: judgeCriterion, sources: [judgeName]))
                guard !aligned.judge.isEmpty else {
                    throw AuditError.noSharedItems(human: human.name, judge: judge.name)
                }
                var report = try gradedReport(criterion ?? "", aligned, options)
                var byID: [String: [Double: Double]] = [:]
                for r in try judge.records(criterion: judgeCriterion) where r.source == judgeName {
                    if let d = r.distribution { byID[r.id] = d }
                }
                if !byID.isEmpty {
                    report.calibration = CalibrationSummary(
                        distributions: aligned.humans.itemIDs.map { byID[$0] },
                        humanMeans: report.humanScores)
                }
                report.biasProbes = try BiasProbes.graded(
                    ids: aligned.humans.itemIDs, judge: aligned.judge,
                    humanMean: report.humanScores, judgeModel: judgeModel, options: options)
                report.record(failures)
                reports.append(report)
            case .pairwise:
                let aligned = LabelAlignment(
                    humans: try human.voteTable(criterion: criterion),
                    judge: try judge.voteTable(criterion: judgeCriterion, sources: [judgeName]))
                guard !aligned.judge.isEmpty else {
                    throw AuditError.noSharedItems(human: human.name, judge: judge.name)
                }
                var report = try pairwiseReport(criterion ?? "", aligned, options)
                // (items, votes)
                let votes = aligned.judge.indices.map { i in aligned.humans.values.compactMap { $0[i] } }
                report.biasProbes = try BiasProbes.pairwise(
                    ids: aligned.humans.itemIDs, judge: aligned.judge, humans: votes,
                    judgeModel: judgeModel, options: options)
                report.record(failures)
                reports.append(report)
            }
        }
        return reports
    }

    /// Human scores must sit on a level of the declared scale: the first that does not is an error
    /// naming its file and line.
    static func checkScale(_ scale: [Double], human records: [LabelRecord], file: String) throws {
        let allowed = Set(scale)
        for r in records {
            if case .score(let v)? = r.value, !allowed.contains(v) {
                throw AuditError.offScale(
                    file: file, line: r.line, id: r.id, source: r.source, score: v, scale: scale, judge: false)
            }
        }
    }

    /// Judge scores must lie within the declared scale's range (continuous probability-weighted
    /// scores between levels are snapped later): the first outside it is an error naming its line.
    static func checkScale(_ scale: [Double], judge records: [LabelRecord], file: String) throws {
        guard let low = scale.first, let high = scale.last else { return }
        for r in records {
            if case .score(let v)? = r.value, v < low || v > high {
                throw AuditError.offScale(
                    file: file, line: r.line, id: r.id, source: r.source, score: v, scale: scale, judge: true)
            }
        }
    }

    /// Point values, and intervals when a bootstrap is configured, for metrics computed together.
    /// `subject` names the work in progress reports (the criterion).
    static func withIntervals(
        itemCount n: Int, options: AuditOptions, keys: [String], subject: String = "",
        statistics: ([Int]) throws -> [Double?]
    ) throws -> [String: MetricValue] {
        var out: [String: MetricValue] = [:]
        if let boot = options.bootstrap {
            var progress: ((AuditProgress.Stage, Int, Int) -> Void)? = nil
            if let report = options.progress {
                progress = { report(AuditProgress(stage: $0, subject: subject, done: $1, total: $2)) }
            }
            let cis = try boot.intervals(
                itemCount: n, method: options.intervalMethod, progress: progress, statistics: statistics)
            for (k, ci) in zip(keys, cis) { out[k] = MetricValue(value: ci.estimate, ciLow: ci.low, ciHigh: ci.high) }
        } else {
            for (k, v) in zip(keys, try statistics(Array(0..<n))) { out[k] = MetricValue(value: v) }
        }
        return out
    }

    /// Mean of the defined values; nil when none is defined.
    static func meanDefined(_ values: [Double?]) -> Double? {
        let d = values.compactMap { $0 }
        return d.isEmpty ? nil : d.reduce(0, +) / Double(d.count)
    }
}
