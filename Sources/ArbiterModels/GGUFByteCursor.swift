// GGUFByteCursor: bounds-checked little-endian reads over the mapped GGUF header. Every read
// checks the remaining length first and throws GGUFError.truncated naming what and where.
// Not the format logic (GGUFFile+Parse.swift).

/// A read position in a byte buffer, with checked little-endian primitives.
struct GGUFByteCursor {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var position = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - position }

    /// Throws unless `count` more bytes are available.
    func require(_ count: Int, for what: @autoclosure () -> String) throws(GGUFError) {
        guard count >= 0, count <= remaining else {
            throw .truncated(path: path, what: what(), offset: position, needed: count, fileSize: bytes.count)
        }
    }

    /// Throws unless `count` items of at least `minimumSize` bytes each could fit in the rest.
    func requirePlausible(count: UInt64, minimumSize: Int, for what: @autoclosure () -> String) throws(GGUFError) {
        let limit = remaining / max(minimumSize, 1)
        guard count <= UInt64(limit) else {
            throw .implausibleCount(path: path, what: what(), count: count, offset: position, limit: limit)
        }
    }

    mutating func skip(to offset: Int) {
        position = offset
    }

    @inline(__always)
    private mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFError)
        -> T
    {
        try require(MemoryLayout<T>.size, for: what())
        let value = bytes.loadUnaligned(fromByteOffset: position, as: T.self)
        position += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func uint8(_ what: @autoclosure () -> String) throws(GGUFError) -> UInt8 { try load(UInt8.self, what()) }
    mutating func int8(_ what: @autoclosure () -> String) throws(GGUFError) -> Int8 { try load(Int8.self, what()) }
    mutating func uint16(_ what: @autoclosure () -> String) throws(GGUFError) -> UInt16 {
        try load(UInt16.self, what())
    }
    mutating func int16(_ what: @autoclosure () -> String) throws(GGUFError) -> Int16 { try load(Int16.self, what()) }
    mutating func uint32(_ what: @autoclosure () -> String) throws(GGUFError) -> UInt32 {
        try load(UInt32.self, what())
    }
    mutating func int32(_ what: @autoclosure () -> String) throws(GGUFError) -> Int32 { try load(Int32.self, what()) }
    mutating func uint64(_ what: @autoclosure () -> String) throws(GGUFError) -> UInt64 {
        try load(UInt64.self, what())
    }
    mutating func int64(_ what: @autoclosure () -> String) throws(GGUFError) -> Int64 { try load(Int64.self, what()) }
    mutating func float32(_ what: @autoclosure () -> String) throws(GGUFError) -> Float {
        Float(bitPattern: try uint32(what()))
    }
    mutating func float64(_ what: @autoclosure () -> String) throws(GGUFError) -> Double {
        Double(bitPattern: try uint64(what()))
    }

    /// A GGUF string: UInt64 byte length, then that many UTF-8 bytes (no terminator).
    mutating func string(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let start = position
        let length = try uint64("length of \(what())")
        guard length <= UInt64(remaining) else {
            throw .truncated(
                path: path, what: what(), offset: position, needed: Int(clamping: length), fileSize: bytes.count)
        }
        let n = Int(length)
        guard let base = bytes.baseAddress else {
            // Only an empty buffer has no base address, and then n == 0.
            return ""
        }
        let slice = UnsafeBufferPointer(start: (base + position).assumingMemoryBound(to: UInt8.self), count: n)
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw .invalidUTF8(path: path, what: what(), offset: start)
        }
        position += n
        return text
    }

    /// `count` fixed-width integers, read in one pass (the caller checked plausibility).
    mutating func integers<T: FixedWidthInteger>(_: T.Type, count: Int, _ what: String) throws(GGUFError) -> [T] {
        let size = MemoryLayout<T>.size
        try require(count * size, for: what)
        let start = position
        let raw = bytes
        let out = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                buffer[i] = T(littleEndian: raw.loadUnaligned(fromByteOffset: start + i * size, as: T.self))
            }
            initialized = count
        }
        position += count * size
        return out
    }
}
