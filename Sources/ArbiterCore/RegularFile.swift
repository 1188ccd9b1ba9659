// RegularFile: the one way Arbiter opens a file a user named (a model, a rubric, a samples or
// labels file, a tokenizer or config.json): it refuses anything that is not a regular file — a
// FIFO, a device, a socket, a directory — before reading a byte, and it opens without blocking,
// so a FIFO named `model.gguf` is an error, not a process that waits forever for a writer. Not
// a file writer and not a path resolver.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A user-named file that cannot be read as a regular file.
package struct RegularFileError: Error, LocalizedError, Sendable, Equatable {
    /// The path as given.
    package let path: String
    /// What went wrong, e.g. "is a FIFO, not a regular file".
    package let reason: String

    package var errorDescription: String? { "\(path) \(reason)" }
}

package enum RegularFile {
    /// A read-only descriptor for the regular file at `path` (symbolic links followed) and the
    /// file's size in bytes. Opens with O_NONBLOCK, so naming a FIFO never blocks, then refuses
    /// anything `fstat` does not call a regular file. The caller closes the descriptor.
    package static func openForReading(_ path: String) throws(RegularFileError) -> (descriptor: Int32, size: Int) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw RegularFileError(path: path, reason: "cannot be opened (\(String(cString: strerror(errno))))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw RegularFileError(path: path, reason: "cannot be inspected (\(reason))")
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            close(fd)
            throw RegularFileError(path: path, reason: "is \(describe(kind)), not a regular file; name a regular file")
        }
        return (fd, Int(info.st_size))
    }

    /// The whole content of the regular file at `url` (see `openForReading`).
    package static func read(_ url: URL) throws(RegularFileError) -> Data {
        let fd = try openForReading(url.path).descriptor
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw RegularFileError(path: url.path, reason: "cannot be read (\(error.localizedDescription))")
        }
    }

    /// "a FIFO", "a directory", … for a `stat` file type.
    package static func describe(_ kind: mode_t) -> String {
        switch kind {
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFDIR: return "a directory"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file (mode \(String(kind, radix: 8)))"
        }
    }
}
