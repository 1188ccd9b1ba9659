// JudgmentStore+Schema: the store's SQLite schema as GRDB migrations, and the checks made before
// a file is trusted: a SQLite header, an intact b-tree (`PRAGMA quick_check`), Arbiter's
// application id, and a schema version this build knows. The checks run on a plain connection
// that writes nothing, so a foreign or damaged file is reported and left exactly as it was.
//
// Schema version 1:
//   judgments(seq INTEGER PRIMARY KEY AUTOINCREMENT,          -- insertion order (export order)
//             rubric_hash, judge_config_hash, sample_hash, criterion, sample_id  -- UNIQUE key ("" = no rubric hash)
//             judge, rubric, model, score, verdict, failure (kind), latency_ms,
//             attempts, prompt_hash,                           -- filterable copies of the fields
//             line,                                            -- the judgment's JSON line (source of truth)
//             recorded_at)                                     -- ISO 8601, UTC
//   judge_configs(hash PRIMARY KEY, judge, description, first_seen)  -- what a config hash stands for
// `PRAGMA application_id` = 0x4152424A ("ARBJ"); `PRAGMA user_version` = the schema version.
import Foundation
import GRDB

extension JudgmentStore {
    /// The newest schema version this build reads and writes.
    public static let schemaVersion = 1
    /// `PRAGMA application_id` of an arbiter judgment store ("ARBJ").
    static let applicationID: Int64 = 0x4152_424A

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-judgments") { db in
            try db.execute(
                sql: """
                    CREATE TABLE judgments (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        rubric_hash TEXT NOT NULL,
                        judge_config_hash TEXT NOT NULL,
                        sample_hash TEXT NOT NULL,
                        criterion TEXT NOT NULL,
                        sample_id TEXT NOT NULL,
                        judge TEXT NOT NULL,
                        rubric TEXT NOT NULL,
                        model TEXT NOT NULL,
                        score REAL,
                        verdict TEXT,
                        failure TEXT,
                        latency_ms REAL NOT NULL,
                        attempts INTEGER NOT NULL,
                        prompt_hash TEXT,
                        line TEXT NOT NULL,
                        recorded_at TEXT NOT NULL,
                        UNIQUE (rubric_hash, judge_config_hash, sample_hash, criterion, sample_id)
                    );
                    CREATE INDEX judgments_by_sample_id ON judgments(sample_id);
                    CREATE INDEX judgments_by_config ON judgments(judge_config_hash, rubric_hash);
                    CREATE TABLE judge_configs (
                        hash TEXT PRIMARY KEY NOT NULL,
                        judge TEXT NOT NULL,
                        description TEXT NOT NULL,
                        first_seen TEXT NOT NULL
                    );
                    PRAGMA application_id = \(applicationID);
                    PRAGMA user_version = 1;
                    """)
        }
        return migrator
    }

    /// SQLite writes whole pages, so a file whose length is not a multiple of the page size, or
    /// (with no WAL beside it) shorter than the page count its header vouches for, was cut short.
    /// Header fields (big-endian): page size at 16 (1 = 65536), change counter at 24, page count
    /// at 28, and at 92 the change counter for which that page count is valid.
    static func checkLength(header: [UInt8], size: Int, path: String) throws(JudgmentStoreError) {
        func be(_ offset: Int, _ count: Int) -> Int {
            header[offset..<(offset + count)].reduce(0) { $0 << 8 | Int($1) }
        }
        let rawPageSize = be(16, 2)
        let pageSize = rawPageSize == 1 ? 65536 : rawPageSize
        guard pageSize >= 512, pageSize & (pageSize - 1) == 0 else { throw .notADatabase(path: path) }
        guard size % pageSize == 0 else {
            throw .corrupt(
                path: path,
                detail: "its length \(size) is not a whole number of \(pageSize)-byte pages: the file was cut short")
        }
        let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? nil
        let pages = be(28, 4)
        if (walSize ?? 0) == 0, be(24, 4) == be(92, 4), pages > 0, size < pages * pageSize {
            throw .corrupt(
                path: path,
                detail: "it holds \(size / pageSize) of the \(pages) pages its header records: the file was cut short")
        }
    }

    /// Checks an existing file before it is opened for writing. A missing or empty file is a new
    /// store. Throws `notADatabase`, `corrupt`, `notAJudgmentStore` or `newerSchema`.
    static func inspect(path: String) throws(JudgmentStoreError) {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard let size, size > 0 else { return }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .cannotOpen(path: path, reason: "the file cannot be read")
        }
        let header = (try? handle.read(upToCount: 100)) ?? nil
        try? handle.close()
        guard let header, header.count == 100, header.starts(with: Array("SQLite format 3\0".utf8)) else {
            throw .notADatabase(path: path)
        }
        try checkLength(header: [UInt8](header), size: size, path: path)
        do {
            var config = Configuration()
            config.busyMode = .timeout(30)
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            try queue.read { db in
                let problems = try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
                if problems != ["ok"] {
                    throw JudgmentStoreError.corrupt(path: path, detail: problems.prefix(3).joined(separator: "; "))
                }
                let appID = try Int64.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let tables = try String.fetchAll(
                    db,
                    sql:
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
                if appID != applicationID {
                    // An empty database (e.g. a run killed before its first migration) becomes a store.
                    if appID == 0, tables.isEmpty { return }
                    let shown = tables.prefix(5).joined(separator: ", ")
                    throw JudgmentStoreError.notAJudgmentStore(
                        path: path, detail: "application id \(appID), tables: \(shown.isEmpty ? "none" : shown)")
                }
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                let known = Set(migrator.migrations)
                let unknown = try migrator.appliedIdentifiers(db).filter { !known.contains($0) }
                if version > schemaVersion || !unknown.isEmpty {
                    throw JudgmentStoreError.newerSchema(
                        path: path, found: version, supported: schemaVersion, unknownMigrations: unknown.sorted())
                }
            }
        } catch {
            throw JudgmentStoreError.from(error, path: path, operation: "opening")
        }
    }
}
