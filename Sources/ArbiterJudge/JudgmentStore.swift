// JudgmentStore: a persistent judgment store in one SQLite file (WAL mode, through one GRDB
// DatabasePool), keyed by (rubric content hash, judge configuration hash, sample content hash,
// sample id, criterion) (see JudgmentKey). Every `record` is its own committed transaction with `synchronous = FULL`, so a
// killed process loses at most the judgments still in flight. Recording a key again replaces the
// row and gives it a new insertion number (the later judgment wins, as in judgments JSONL).
// It does not judge or decide what to judge (JudgeJob does); schema and open-time checks are in
// +Schema, JSONL export in +Export.
import Foundation
import GRDB

/// A judgment as stored: its key, insertion number and the judgment itself.
public struct StoredJudgment: Sendable, Equatable {
    /// Insertion number (increases with every record, replacements included).
    public var seq: Int64
    public var key: JudgmentKey
    public var judgment: Judgment
}

/// A SQLite judgment store. Safe to share between tasks; several processes may write the same
/// file (SQLite locks serialise them, waiting up to 30 s).
public final class JudgmentStore: Sendable {
    public let url: URL
    private let pool: DatabasePool

    /// Opens the store at `url`, creating it (and applying the schema) when the file is missing
    /// or empty. Throws `JudgmentStoreError` for a file that is not a SQLite database, is
    /// damaged, belongs to another application, or has a newer schema; such a file is not modified.
    public init(url: URL) throws(JudgmentStoreError) {
        let path = url.path
        self.url = url
        try Self.inspect(path: path)
        do {
            var config = Configuration()
            config.busyMode = .timeout(30)
            config.label = "arbiter.judgment-store"
            let pool = try DatabasePool(path: path, configuration: config)
            // GRDB sets synchronous = NORMAL for WAL; FULL also survives power loss, like JudgmentLog's fsync.
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
            try Self.migrator.migrate(pool)
            self.pool = pool
        } catch {
            throw JudgmentStoreError.from(error, path: path, operation: "opening")
        }
    }

    /// Closes the database connections; later calls throw.
    public func close() throws(JudgmentStoreError) {
        do { try pool.close() } catch { throw .from(error, path: url.path, operation: "closing") }
    }

    /// Records one judgment in its own transaction, replacing any judgment with the same key;
    /// returns its insertion number.
    @discardableResult
    public func record(_ judgment: Judgment, judgeConfigHash: String, sampleHash: String) throws(JudgmentStoreError)
        -> Int64
    {
        try record([judgment], judgeConfigHash: judgeConfigHash, sampleHash: sampleHash)[0]
    }

    /// Records one sample's judgments in one transaction (all or none), each replacing any
    /// judgment with the same key; returns their insertion numbers in order. Every line is
    /// encoded before the transaction starts.
    @discardableResult
    public func record(_ judgments: [Judgment], judgeConfigHash: String, sampleHash: String) throws(JudgmentStoreError)
        -> [Int64]
    {
        var rows: [StatementArguments] = []
        for judgment in judgments {
            let key = JudgmentKey(judgment, judgeConfigHash: judgeConfigHash, sampleHash: sampleHash)
            let line: String
            do { line = try judgment.jsonLine() } catch {
                throw .databaseError(path: url.path, operation: "encoding judgment \(judgment.id)", reason: "\(error)")
            }
            rows.append([
                key.rubricHash ?? "", key.judgeConfigHash, key.sampleHash, key.criterion, judgment.id, judgment.judge,
                judgment.rubric, judgment.model, judgment.score, judgment.verdict?.rawValue,
                judgment.failure.map(Self.failureKind),
                judgment.latencyMs, judgment.attempts, judgment.promptHash, line, Self.timestamp(),
            ])
        }
        return try write("recording judgment \(judgments.first?.id ?? "")") { db in
            var seqs: [Int64] = []
            for arguments in rows {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO judgments (rubric_hash, judge_config_hash, sample_hash, criterion, sample_id, judge,
                            rubric, model, score, verdict, failure, latency_ms, attempts, prompt_hash, line, recorded_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: arguments)
                seqs.append(db.lastInsertedRowID)
            }
            return seqs
        }
    }

    /// Records what a judge configuration hash stands for (kept from its first use).
    public func registerConfiguration(hash: String, judge: String, description: String) throws(JudgmentStoreError) {
        try write("recording judge configuration") { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO judge_configs (hash, judge, description, first_seen) VALUES (?, ?, ?, ?)",
                arguments: [hash, judge, description, Self.timestamp()])
        }
    }

    /// The description registered for a judge configuration hash, if any.
    public func configurationDescription(hash: String) throws(JudgmentStoreError) -> String? {
        try read("reading judge configurations") { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT description FROM judge_configs WHERE hash = ?", arguments: [hash])
            return row.flatMap { Self.text($0[0] as DatabaseValue) }
        }
    }

    /// The judgment stored under `key`, if any.
    public func judgment(for key: JudgmentKey) throws(JudgmentStoreError) -> Judgment? {
        try stored(
            where: "rubric_hash = ? AND judge_config_hash = ? AND sample_hash = ? AND criterion = ? AND sample_id = ?",
            [key.rubricHash ?? "", key.judgeConfigHash, key.sampleHash, key.criterion, key.sampleID]
        ).first?.judgment
    }

    /// Every judgment made under one rubric hash and judge configuration, in insertion order.
    public func judgments(rubricHash: String?, judgeConfigHash: String) throws(JudgmentStoreError) -> [StoredJudgment] {
        try stored(where: "rubric_hash = ? AND judge_config_hash = ?", [rubricHash ?? "", judgeConfigHash])
    }

    /// Every stored judgment, in insertion order.
    public func allJudgments() throws(JudgmentStoreError) -> [StoredJudgment] {
        try stored(where: nil, [])
    }

    /// Number of stored judgments.
    public func count() throws(JudgmentStoreError) -> Int {
        try read("counting judgments") { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM judgments") ?? 0 }
    }

    // MARK: - Reading rows

    private func stored(where condition: String?, _ arguments: StatementArguments) throws(JudgmentStoreError)
        -> [StoredJudgment]
    {
        let path = url.path
        let sql = """
            SELECT seq, rubric_hash, judge_config_hash, sample_hash, criterion, sample_id, line FROM judgments
            \(condition.map { "WHERE \($0)" } ?? "") ORDER BY seq
            """
        return try read("reading judgments") { db in
            var out: [StoredJudgment] = []
            let decoder = JSONDecoder()
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try rows.next() {
                out.append(try Self.decode(row, decoder: decoder, path: path))
            }
            return out
        }
    }

    /// Decodes one row without trusting its types: every value is checked, never force-cast.
    static func decode(_ row: Row, decoder: JSONDecoder, path: String) throws(JudgmentStoreError) -> StoredJudgment {
        guard case .int64(let seq) = (row[0] as DatabaseValue).storage else {
            throw .malformedRow(path: path, seq: -1, reason: "its insertion number is not an integer")
        }
        let names = ["rubric_hash", "judge_config_hash", "sample_hash", "criterion", "sample_id", "line"]
        var fields: [String] = []
        for (offset, name) in names.enumerated() {
            guard let value = text(row[offset + 1] as DatabaseValue) else {
                throw .malformedRow(path: path, seq: seq, reason: "column \(name) is not text")
            }
            fields.append(value)
        }
        let judgment: Judgment
        do { judgment = try decoder.decode(Judgment.self, from: Data(fields[5].utf8)) } catch let error as DecodingError
        {
            throw .malformedRow(path: path, seq: seq, reason: Judgment.describe(error))
        } catch {
            throw .malformedRow(path: path, seq: seq, reason: "\(error)")
        }
        guard (judgment.rubricHash ?? "") == fields[0], judgment.criterion == fields[3], judgment.id == fields[4] else {
            throw .malformedRow(path: path, seq: seq, reason: "its key columns disagree with its judgment line")
        }
        let key = JudgmentKey(
            rubricHash: fields[0], judgeConfigHash: fields[1], sampleHash: fields[2], sampleID: fields[4],
            criterion: fields[3])
        return StoredJudgment(seq: seq, key: key, judgment: judgment)
    }

    static func text(_ value: DatabaseValue) -> String? {
        if case .string(let s) = value.storage { return s }
        return nil
    }

    // MARK: - Plumbing

    private func write<T>(_ operation: String, _ body: (Database) throws -> T) throws(JudgmentStoreError) -> T {
        do { return try pool.write(body) } catch { throw .from(error, path: url.path, operation: operation) }
    }

    private func read<T>(_ operation: String, _ body: (Database) throws -> T) throws(JudgmentStoreError) -> T {
        do { return try pool.read(body) } catch { throw .from(error, path: url.path, operation: operation) }
    }

    static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }

    /// The `kind` of a failure, as in its JSON form.
    static func failureKind(_ failure: JudgmentFailure) -> String {
        switch failure {
        case .unparseable: return "unparseable"
        case .offScale: return "off_scale"
        case .refusal: return "refusal"
        case .timeout: return "timeout"
        case .transport: return "transport"
        case .emptyOutput: return "empty_output"
        case .contextLength: return "context_length"
        case .positionInconsistent: return "position_inconsistent"
        case .invalidSample: return "invalid_sample"
        case .nonFinite: return "non_finite"
        }
    }
}
