import Foundation

// JudgmentLog: an append-only judgments JSONL file for resumable jobs. Opening it reads what a
// previous run wrote; a truncated last line (a run killed mid-write) is cut off the file so it is
// rewritten, while a malformed complete line is an error naming the file and line (never dropped
// silently). Each append is one `write` of a whole line followed by `fsync`. It is not a query
// store and never rewrites earlier lines.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A judgments log that cannot be opened or written.
public enum JudgmentLogError: LocalizedError, Equatable {
    case cannotOpen(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .cannotOpen(let p, let r):
            return "cannot open judgments file \(p) (\(r)); check the path and its folder's permissions"
        case .writeFailed(let p, let r):
            return "cannot append to judgments file \(p) (\(r)); check free disk space and permissions"
        }
    }
}

/// An append-only judgments JSONL file.
public actor JudgmentLog {
    public nonisolated let url: URL
    private let fd: Int32
    /// Judgments already in the file when it was opened, in file order.
    public nonisolated let existing: [Judgment]
    /// Bytes of a truncated last line that were cut off on open (0 when the file was whole).
    public nonisolated let discardedBytes: Int

    /// Opens (creating if needed) the log at `url` and reads its judgments. Throws
    /// `JudgmentFileError` for a malformed complete line, `JudgmentLogError` for I/O.
    public init(url: URL) throws {
        self.url = url
        let path = url.path
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JudgmentLogError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        do {
            let data = try Data(contentsOf: url)
            let bytes = [UInt8](data)
            // Everything after the last newline is an unfinished line from an interrupted run.
            let whole = (bytes.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
            var kept = Array(bytes[0..<whole])
            var tailJudgments: [Judgment] = []
            let tail = Array(bytes[whole...])
            if !tail.isEmpty {
                // A complete object that only lacks its newline is kept (and the newline added).
                if let j = try? Judgment.decodeJSONLines(Data(tail), file: path), j.count == 1 {
                    tailJudgments = j
                    kept += tail
                    kept.append(0x0A)
                }
                guard ftruncate(fd, off_t(whole)) == 0 else {
                    throw JudgmentLogError.writeFailed(path: path, reason: String(cString: strerror(errno)))
                }
                if !tailJudgments.isEmpty { try Self.writeAll(fd, kept[whole...], path: path) }
            }
            self.existing = try Judgment.decodeJSONLines(Data(bytes[0..<whole]), file: path) + tailJudgments
            self.discardedBytes = tailJudgments.isEmpty ? tail.count : 0
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Appends one judgment as one line (a single `write`), then `fsync`s.
    public func append(_ judgment: Judgment) throws {
        var line = Array(try judgment.jsonLine().utf8)
        line.append(0x0A)
        try Self.writeAll(fd, line[...], path: url.path)
        guard fsync(fd) == 0 else {
            throw JudgmentLogError.writeFailed(path: url.path, reason: String(cString: strerror(errno)))
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>, path: String) throws {
        var rest = bytes
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                throw JudgmentLogError.writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
            rest = rest.dropFirst(n)
        }
    }
}
