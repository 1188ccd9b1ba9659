// SafeTensors+Mapping: the read-only bytes behind a SafeTensorsFile, either a private read-only
// memory map of the file (so opening a 500 MB checkpoint reads only the header) or an owned copy
// of in-memory bytes. Not a general file abstraction; it never writes.
import ArbiterCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Immutable bytes kept alive for as long as any `SafeTensorsFile` copy refers to them.
final class SafeTensorsStorage: @unchecked Sendable {
    // @unchecked: the pointer is written once in init, only read afterwards, and freed in deinit.
    private let base: UnsafeRawPointer?
    let count: Int
    private let isMapped: Bool

    /// Maps `path` read-only. Empty files are represented without a mapping.
    init(mapping path: String) throws(SafeTensorsError) {
        let (fd, size): (Int32, Int)
        do { (fd, size) = try RegularFile.openForReading(path) } catch { throw .io(path: path, reason: error.reason) }
        defer { close(fd) }
        if size == 0 {
            base = nil
            count = 0
            isMapped = false
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw .io(path: path, reason: "cannot memory-map \(size) bytes (\(String(cString: strerror(errno))))")
        }
        base = UnsafeRawPointer(address)
        count = size
        isMapped = true
    }

    /// Copies `data` into storage owned by this object.
    init(copying data: Data) {
        count = data.count
        isMapped = false
        if data.isEmpty {
            base = nil
        } else {
            let memory = UnsafeMutableRawPointer.allocate(byteCount: data.count, alignment: 16)
            data.withUnsafeBytes { source in
                if let from = source.baseAddress { memory.copyMemory(from: from, byteCount: source.count) }
            }
            base = UnsafeRawPointer(memory)
        }
    }

    deinit {
        guard let base else { return }
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            base.deallocate()
        }
    }

    /// All bytes of the file.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
