// JudgeJob+Ledger: where a job's judgments go and how it knows what is done. Without a store,
// the JSONL log decides (key: id, judge, rubric hash, criterion). With a store, the store
// decides (key: rubric hash, judge configuration hash, sample content hash, id, criterion),
// a sample's judgments are committed to it first (one transaction) and then appended to the JSONL
// log when there is one (one write), after `Judgment.recordable()` turned any number JSON cannot
// hold into a typed failure, so a sample is recorded whole or not at all;
// a log line missing for a stored judgment (a kill between the two writes, or a fresh --out
// file) is appended before judging starts, in the store's order, so after every run the log's
// latest line for each sample agrees with the store. It does not judge.
import Foundation

struct JobLedger {
    struct LogKey: Hashable {
        var id: String, judge: String, rubricHash: String?, criterion: String
    }

    struct StoreKey: Hashable {
        var sampleHash: String, id: String, criterion: String
    }

    let judge: JobJudge
    let log: JudgmentLog?
    let store: JudgmentStore?
    let configHash: String
    private var logLatest: [LogKey: Judgment] = [:]
    private var storeLatest: [StoreKey: (seq: Int64, judgment: Judgment)] = [:]
    /// Stored judgments appended to the log because it lacked them.
    private(set) var copiedToLog = 0

    init(judge: JobJudge, output: URL?, store: JudgmentStore?) throws {
        precondition(output != nil || store != nil, "a judge job needs an output file, a store, or both")
        self.judge = judge
        self.store = store
        self.configHash = judge.configurationHash
        self.log = try output.map { try JudgmentLog(url: $0) }
        for j in log?.existing ?? [] { logLatest[Self.logKey(j)] = j }
        if let store {
            try store.registerConfiguration(
                hash: configHash, judge: judge.name, description: judge.configurationDescription)
            for row in try store.judgments(rubricHash: judge.rubricHash, judgeConfigHash: configHash) {
                storeLatest[
                    StoreKey(sampleHash: row.key.sampleHash, id: row.key.sampleID, criterion: row.key.criterion)] = (
                        row.seq, row.judgment
                    )
            }
        }
    }

    static func logKey(_ j: Judgment) -> LogKey {
        LogKey(id: j.id, judge: j.judge, rubricHash: j.rubricHash, criterion: j.criterion)
    }

    /// Bytes of a truncated last line cut off the log on open.
    var repairedBytes: Int { log?.discardedBytes ?? 0 }

    /// The judgment already made for this sample and criterion, if any (the store's when there is one).
    func existing(id: String, sampleHash: String, criterion: String) -> Judgment? {
        if store != nil { return storeLatest[StoreKey(sampleHash: sampleHash, id: id, criterion: criterion)]?.judgment }
        return logLatest[LogKey(id: id, judge: judge.name, rubricHash: judge.rubricHash, criterion: criterion)]
    }

    /// With a store and a log: appends to the log each stored judgment of these samples whose
    /// latest log line differs, in the store's insertion order,
    /// so a log rebuilt from nothing equals the store's export.
    mutating func syncLog(_ samples: [(id: String, sampleHash: String)]) async throws {
        guard store != nil, let log else { return }
        var copies: [(seq: Int64, judgment: Judgment)] = []
        for (id, sampleHash) in samples {
            for criterion in judge.criteria {
                guard let stored = storeLatest[StoreKey(sampleHash: sampleHash, id: id, criterion: criterion)] else {
                    continue
                }
                let copy = stored.judgment
                if let line = logLatest[Self.logKey(copy)], try line.jsonLine() == copy.jsonLine() { continue }
                copies.append((stored.seq, copy))
            }
        }
        for (_, judgment) in copies.sorted(by: { $0.seq < $1.seq }) {
            try await log.append(judgment)
            logLatest[Self.logKey(judgment)] = judgment
            copiedToLog += 1
        }
    }

    /// Records one sample's finished judgments, all together: each made recordable first (a
    /// number JSON cannot hold becomes a `nonFinite` failure), then committed to the store in one
    /// transaction, then appended to the log in one write. Returns what was recorded.
    @discardableResult
    mutating func record(_ judgments: [Judgment], sampleHash: String) async throws -> [Judgment] {
        let recorded = judgments.map { $0.recordable() }
        guard !recorded.isEmpty else { return [] }
        if let store {
            let seqs = try store.record(recorded, judgeConfigHash: configHash, sampleHash: sampleHash)
            for (judgment, seq) in zip(recorded, seqs) {
                storeLatest[StoreKey(sampleHash: sampleHash, id: judgment.id, criterion: judgment.criterion)] = (
                    seq, judgment
                )
            }
        }
        if let log {
            try await log.append(contentsOf: recorded)
            for judgment in recorded { logLatest[Self.logKey(judgment)] = judgment }
        }
        return recorded
    }
}
