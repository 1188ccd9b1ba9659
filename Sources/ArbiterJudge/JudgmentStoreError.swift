// JudgmentStoreError: the typed errors of the SQLite judgment store. Each message names the
// database file and says what to do; a damaged, foreign or newer-schema file is reported, never
// a crash, and never silently rewritten. Mapping from SQLite result codes lives here too.
import Foundation
import GRDB

/// A judgment store that cannot be opened, read or written.
public enum JudgmentStoreError: LocalizedError, Equatable {
    /// The file or its folder cannot be opened or created.
    case cannotOpen(path: String, reason: String)
    /// The file is not a SQLite database (random bytes, another format, or a header cut short).
    case notADatabase(path: String)
    /// The file is a SQLite database, but its pages are damaged (e.g. truncated).
    case corrupt(path: String, detail: String)
    /// A SQLite database written by another application (its application id is not Arbiter's).
    case notAJudgmentStore(path: String, detail: String)
    /// Written by a newer Arbiter whose schema this build does not know.
    case newerSchema(path: String, found: Int, supported: Int, unknownMigrations: [String])
    /// One stored judgment cannot be decoded (`seq` is its insertion number).
    case malformedRow(path: String, seq: Int64, reason: String)
    /// A read or write failed (disk full, permissions, locked by another process, ...).
    case databaseError(path: String, operation: String, reason: String)
    /// The JSONL export could not be written.
    case exportFailed(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .cannotOpen(let p, let r):
            return "cannot open judgment store \(p) (\(r)); check the path and its folder's permissions"
        case .notADatabase(let p):
            return
                "\(p) is not a SQLite judgment store (no SQLite header); pass --db a .sqlite file written by arbiter, or a new path to create one"
        case .corrupt(let p, let d):
            return
                "judgment store \(p) is damaged (\(d)); move it aside and rerun (everything is judged again), or restore it from a backup"
        case .notAJudgmentStore(let p, let d):
            return
                "\(p) is a SQLite database but not an arbiter judgment store (\(d)); pass --db a new path or a file written by arbiter"
        case .newerSchema(let p, let found, let supported, let unknown):
            let names = unknown.isEmpty ? "" : ", unknown migrations: \(unknown.sorted().joined(separator: ", "))"
            return
                "judgment store \(p) has schema version \(found)\(names), but this arbiter reads up to version \(supported); upgrade arbiter, or pass --db a new path"
        case .malformedRow(let p, let seq, let r):
            return
                "judgment store \(p): stored judgment #\(seq) is unreadable (\(r)); the file is damaged: move it aside and rerun, or restore it from a backup"
        case .databaseError(let p, let op, let r):
            return
                "judgment store \(p): \(op) failed (\(r)); check free disk space and permissions, and that no other process holds the file locked"
        case .exportFailed(let p, let r):
            return
                "cannot write judgments export \(p) (\(r)); check the path, its folder's permissions and free disk space"
        }
    }

    /// Maps an error thrown by GRDB/SQLite while doing `operation` on the store at `path`.
    static func from(_ error: any Error, path: String, operation: String) -> JudgmentStoreError {
        if let own = error as? JudgmentStoreError { return own }
        guard let db = error as? DatabaseError else {
            return .databaseError(path: path, operation: operation, reason: "\(error)")
        }
        let reason = db.message ?? "\(db.resultCode)"
        switch db.resultCode {
        case .SQLITE_NOTADB: return .notADatabase(path: path)
        case .SQLITE_CORRUPT: return .corrupt(path: path, detail: reason)
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY: return .cannotOpen(path: path, reason: reason)
        default: return .databaseError(path: path, operation: operation, reason: reason)
        }
    }
}
