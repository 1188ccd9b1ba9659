// OutputPath: the one place the CLI decides whether it may write a file. An output is refused
// when it is one of the command's inputs or another of its outputs (compared as resolved paths
// and as files, so symbolic and hard links count), when it is not a regular file (a folder, a
// FIFO, a device), or when it exists and is not Arbiter's own file of that kind (a Markdown report
// starting with `markdownMarker`, an HTML report naming the generator in its head, a JSON report
// with "arbiter_audit_version", a judgments JSONL), unless --force. Whole files are written to a
// temporary file in the same folder and renamed over the resolved path, so an interrupted write
// never leaves half a report. It does not decide what goes in a file, and the append-only
// judgments log validates itself (JudgmentLog).
import Arbiter
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why the CLI will not write an output file.
struct OutputPathError: LocalizedError, Equatable {
    enum Problem: Equatable {
        case aliases(otherOption: String, otherPath: String)
        /// A folder, FIFO, device or socket: writing there would fail, block or go nowhere.
        case notRegular(what: String)
        case notOurs(kind: String)
        case writeFailed(reason: String)
    }

    let option: String
    let path: String
    let problem: Problem

    var errorDescription: String? {
        switch problem {
        case .aliases(let other, let otherPath):
            let same = otherPath == path ? "" : " (\(otherPath))"
            return
                "\(option) \(path) is the same file as \(other)\(same); nothing was written; write the output to another path"
        case .notRegular(let what):
            return "\(option) \(path) is \(what), not a regular file; nothing was written; give a file path"
        case .notOurs(let kind):
            return
                "\(option) \(path) exists and is not \(kind) written by Arbiter; nothing was written; choose another path, or pass --force to replace it"
        case .writeFailed(let reason):
            return "cannot write \(option) \(path) (\(reason)); check the folder's permissions and free space"
        }
    }
}

/// A file the command may write, checked against the command's other files.
struct OutputPath {
    /// What a file holds, so an existing one can be recognised as Arbiter's own.
    enum Kind {
        case markdownReport, htmlReport, jsonReport
        /// A judgments JSONL file (an export): ours when it reads as judgments.
        case judgments
        /// A file opened by its own reader (the append-only log, the SQLite store): only the
        /// aliasing check applies here.
        case selfChecked

        var noun: String {
            switch self {
            case .markdownReport: return "a Markdown audit report"
            case .htmlReport: return "an HTML audit report"
            case .jsonReport: return "a JSON audit report"
            case .judgments: return "a judgments file"
            case .selfChecked: return "a file of this kind"
            }
        }
    }

    /// The first line of a Markdown report file (an HTML comment, invisible when rendered).
    static let markdownMarker = "<!-- generator: \(AuditReport.generator) -->"

    let option: String
    let path: String
    let kind: Kind
    let force: Bool
    /// The path with symbolic links resolved (what is written).
    let resolved: URL

    /// Checks `path` (given as `option`) against `others` (the command's inputs and its other
    /// outputs, as (option, path); nil paths are skipped). Throws `OutputPathError`.
    init(
        _ path: String, option: String, kind: Kind, force: Bool = false, others: [(option: String, path: String?)]
    ) throws {
        self.option = option
        self.path = path
        self.kind = kind
        self.force = force
        self.resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        // One stat of the target: its identity (links share it), whether it exists, its type.
        var info = stat()
        let exists = stat(resolved.path, &info) == 0
        let this = exists ? [UInt64(info.st_dev), UInt64(info.st_ino)] : nil
        for (otherOption, otherPath) in others {
            guard let otherPath else { continue }
            let same =
                URL(fileURLWithPath: otherPath).resolvingSymlinksInPath().standardizedFileURL.path
                == resolved.standardizedFileURL.path || (this != nil && this == Self.identity(otherPath))
            if same {
                throw OutputPathError(
                    option: option, path: path, problem: .aliases(otherOption: otherOption, otherPath: otherPath))
            }
        }
        if exists, info.st_mode & S_IFMT != S_IFREG {
            throw OutputPathError(
                option: option, path: path, problem: .notRegular(what: RegularFile.describe(info.st_mode & S_IFMT)))
        }
        if !force, kind != .selfChecked, exists, !Self.isOurs(resolved, kind: kind) {
            throw OutputPathError(option: option, path: path, problem: .notOurs(kind: kind.noun))
        }
    }

    /// Checks each of a command's outputs (nil paths skipped) against its inputs and its other
    /// outputs; the results are in the order given. Throws `OutputPathError` for the first refused.
    static func check(
        _ outputs: [(option: String, path: String?, kind: Kind)], inputs: [(option: String, path: String?)],
        force: Bool
    ) throws -> [OutputPath?] {
        try outputs.indices.map { i in
            try outputs[i].path.map { path in
                let siblings = outputs.indices.filter { $0 != i }.map {
                    (option: outputs[$0].option, path: outputs[$0].path)
                }
                return try OutputPath(
                    path, option: outputs[i].option, kind: outputs[i].kind, force: force, others: inputs + siblings)
            }
        }
    }

    /// The file's device and inode, when it exists (links to one file share them).
    static func identity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    /// Whether an existing file is Arbiter's own of this kind (empty files count: nothing to lose).
    static func isOurs(_ url: URL, kind: Kind) -> Bool {
        guard let data = try? Data(contentsOf: url) else { return false }
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return true }
        let head = String(decoding: data.prefix(4096), as: UTF8.self)
        switch kind {
        case .markdownReport:
            return head.hasPrefix(markdownMarker)
        case .htmlReport:
            return head.contains(#"<meta name="generator" content="\#(AuditReport.generator)"/>"#)
        case .jsonReport:
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            return object?["arbiter_audit_version"] != nil
        case .judgments:
            return (try? Judgment.decodeJSONLines(data, file: url.path)) != nil
        case .selfChecked:
            return true
        }
    }

    /// Writes `data` to a temporary file beside the resolved path, then renames it into place.
    func write(_ data: Data) throws {
        let folder = resolved.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(resolved.lastPathComponent).arbiter-\(UUID().uuidString)")
        do {
            try data.write(to: temporary)
            guard rename(temporary.path, resolved.path) == 0 else {
                throw OutputPathError(
                    option: option, path: path, problem: .writeFailed(reason: String(cString: strerror(errno))))
            }
        } catch let error as OutputPathError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw OutputPathError(option: option, path: path, problem: .writeFailed(reason: error.localizedDescription))
        }
    }
}
