// GGUFMappedRegion: a read-only memory mapping of a whole file that lives as long as any GGUFFile
// (or tensor view) holds it. Not a general file API: read-only, whole-file, never written.
import ArbiterCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An immutable mmap of a file; unmapped on deinit. Safe to share: the bytes never change
/// through this mapping (PROT_READ, MAP_PRIVATE).
final class GGUFMappedRegion: @unchecked Sendable {
    /// Start of the mapping; nil for an empty file.
    let base: UnsafeRawPointer?
    /// File size in bytes.
    let count: Int

    init(path: String) throws(GGUFError) {
        let (fd, size): (Int32, Int)
        do { (fd, size) = try RegularFile.openForReading(path) } catch {
            throw .cannotOpen(path: path, reason: error.reason)
        }
        defer { close(fd) }
        count = size
        if size == 0 {
            base = nil
            return
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw .cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The mapped bytes (empty for an empty file).
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
