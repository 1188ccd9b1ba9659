// SafeTensorsWriter+Atomic: write a file so that readers see either the old file or the complete
// new one, never a partial write: bytes go to a hidden temporary file in the same directory,
// are flushed to disk, then renamed over the destination. Not a locking mechanism.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a file in pieces, then publishes it with one rename.
struct AtomicFileWriter {
    let destination: URL
    private let temporary: URL
    private let handle: FileHandle

    init(destination: URL) throws(SafeTensorsError) {
        self.destination = destination
        let directory = destination.deletingLastPathComponent()
        temporary = directory.appendingPathComponent(".\(destination.lastPathComponent).tmp-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw .io(path: destination.path, reason: "cannot create a temporary file in \(directory.path)")
        }
        do {
            handle = try FileHandle(forWritingTo: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .io(path: destination.path, reason: "cannot open a temporary file (\(error.localizedDescription))")
        }
    }

    /// Appends bytes to the temporary file.
    func write(_ bytes: [UInt8]) throws(SafeTensorsError) {
        do {
            try bytes.withUnsafeBytes { try handle.write(contentsOf: Data($0)) }
        } catch {
            abandon()
            throw .io(path: destination.path, reason: "write failed (\(error.localizedDescription))")
        }
    }

    /// Flushes, closes and renames the temporary file over the destination.
    func commit() throws(SafeTensorsError) {
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            abandon()
            throw .io(path: destination.path, reason: "flush failed (\(error.localizedDescription))")
        }
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw .io(path: destination.path, reason: "cannot rename the finished file into place (\(reason))")
        }
    }

    /// Closes and deletes the temporary file; the destination is untouched.
    func abandon() {
        try? handle.close()
        try? FileManager.default.removeItem(at: temporary)
    }

    /// Writes `bytes` to `destination` atomically.
    static func write(_ bytes: [UInt8], to destination: URL) throws(SafeTensorsError) {
        let writer = try AtomicFileWriter(destination: destination)
        try writer.write(bytes)
        try writer.commit()
    }
}
