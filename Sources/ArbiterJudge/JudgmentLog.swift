// JudgmentLog: an append-only judgments JSONL file for resumable jobs. Opening it reads what a
// previous run wrote and validates it before changing a byte: every complete line must be a
// judgment (else an error naming the file and line, and the file is left as it was); only then is
// an unfinished last line cut off, and only when it is recognisably the start of a line this log
// writes (`{"attempts":`, the first of its sorted keys), so a text file or a samples file never
// loses its last line. Each append writes all of a sample's lines in one `write`, then `fsync`s;
// a failed write is cut back, so a sample's lines are there together or not at all. It is not a
// query store and never rewrites earlier lines.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A judgments log that cannot be opened or written.
public enum JudgmentLogError: LocalizedError, Equatable {
    case cannotOpen(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    /// A judgment that cannot be written as JSON (nothing of its sample was written).
    case cannotEncode(path: String, id: String, criterion: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .cannotOpen(let p, let r):
            return "cannot open judgments file \(p) (\(r)); check the path and its folder's permissions"
        case .writeFailed(let p, let r):
            return "cannot append to judgments file \(p) (\(r)); check free disk space and permissions"
        case .cannotEncode(let p, let id, let c, let r):
            return
                "cannot write the judgment of sample \(id), criterion \(c) to \(p) (\(r)); nothing of that sample was written; a number JSON cannot hold (nan, infinity) must be recorded as a failure (JudgmentFailure.nonFinite)"
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

    /// How every line this log writes begins (keys are sorted; "attempts" is always present).
    static let linePrefix = Array(#"{"attempts":"#.utf8)

    /// Opens (creating if needed) the log at `url` and reads its judgments. Throws
    /// `JudgmentFileError` for a line that is not a judgment (the file is left untouched),
    /// `JudgmentLogError` for I/O.
    public init(url: URL) throws {
        self.url = url
        let path = url.path
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JudgmentLogError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        do {
            let bytes = [UInt8](try Data(contentsOf: url))
            // Everything after the last newline is an unfinished line (or a last line without its newline).
            let whole = (bytes.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
            let tail = bytes[whole...]
            var judgments: [Judgment]
            var discarded = 0
            if Self.isCompleteJSON(tail) {
                // A last line that only lacks its newline must be a judgment like every other line;
                // it is kept and the newline added.
                judgments = try Judgment.decodeJSONLines(Data(bytes), file: path)
                try Self.writeAll(fd, [0x0A][...], path: path)
            } else {
                // Validate every complete line before anything is repaired.
                judgments = try Judgment.decodeJSONLines(Data(bytes[0..<whole]), file: path)
                if !tail.isEmpty {
                    try Self.checkUnfinished(tail, file: path, line: bytes[0..<whole].count(where: { $0 == 0x0A }) + 1)
                    guard ftruncate(fd, off_t(whole)) == 0 else {
                        throw JudgmentLogError.writeFailed(path: path, reason: String(cString: strerror(errno)))
                    }
                    discarded = tail.count
                }
            }
            self.existing = judgments
            self.discardedBytes = discarded
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
    }

    /// Whether `tail` holds one complete JSON value (not blank).
    static func isCompleteJSON(_ tail: ArraySlice<UInt8>) -> Bool {
        guard tail.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return false }
        return (try? JSONSerialization.jsonObject(with: Data(tail), options: .fragmentsAllowed)) != nil
    }

    /// Throws unless `tail` may be cut: blank, or the unfinished start of a line this log writes.
    static func checkUnfinished(_ tail: ArraySlice<UInt8>, file: String, line: Int) throws {
        let text = tail.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        if text.isEmpty || text.starts(with: linePrefix)
            || (text.count < linePrefix.count && linePrefix.starts(with: text))
        {
            return
        }
        throw JudgmentFileError.malformedLine(
            file: file, line: line,
            reason: "neither a judgment nor the unfinished start of one; this does not look like a judgments file")
    }

    deinit { close(fd) }

    /// Appends one judgment as one line (a single `write`), then `fsync`s.
    public func append(_ judgment: Judgment) throws {
        try append(contentsOf: [judgment])
    }

    /// Appends judgments (one sample's lines) with a single `write`, then `fsync`s. Every line is
    /// encoded first, so a judgment that cannot be encoded throws `cannotEncode` with nothing
    /// written; a failed write is cut back to where it started.
    public func append(contentsOf judgments: [Judgment]) throws {
        var bytes: [UInt8] = []
        for judgment in judgments {
            do {
                bytes += Array(try judgment.jsonLine().utf8)
            } catch {
                throw JudgmentLogError.cannotEncode(
                    path: url.path, id: judgment.id, criterion: judgment.criterion, reason: "\(error)")
            }
            bytes.append(0x0A)
        }
        guard !bytes.isEmpty else { return }
        let start = lseek(fd, 0, SEEK_END)
        do {
            try Self.writeAll(fd, bytes[...], path: url.path)
            guard fsync(fd) == 0 else {
                throw JudgmentLogError.writeFailed(path: url.path, reason: String(cString: strerror(errno)))
            }
        } catch {
            if start >= 0 { _ = ftruncate(fd, start) }
            throw error
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
