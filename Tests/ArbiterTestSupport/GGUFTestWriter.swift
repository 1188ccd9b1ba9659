// GGUFTestWriter: a tiny GGUF v2/v3 writer for tests: synthetic files with chosen metadata and
// tensors (of any type id, with raw data bytes), so readers can be tested on good, truncated and
// corrupted files without model weights. Not a product writer: no validation on purpose, so
// tests can write broken files.
import Foundation

/// Builds GGUF bytes in memory.
public struct GGUFTestWriter {
    /// A metadata value, written with its GGUF type id.
    public enum Value {
        case uint8(UInt8)
        case int8(Int8)
        case uint16(UInt16)
        case int16(Int16)
        case uint32(UInt32)
        case int32(Int32)
        case uint64(UInt64)
        case int64(Int64)
        case float32(Float)
        case float64(Double)
        case bool(Bool)
        case string(String)
        case strings([String])
        case int32s([Int32])
        case floats([Float])
        case uint8s([UInt8])
        /// Array of arrays of strings.
        case nestedStrings([[String]])
        /// Arbitrary type id followed by arbitrary payload bytes (for corrupt files).
        case raw(typeID: UInt32, payload: [UInt8])
    }

    /// A tensor record plus its data.
    public struct Tensor {
        public var name: String
        /// `ne`, fastest dimension first.
        public var dims: [UInt64]
        public var typeID: UInt32
        public var data: [UInt8]
        /// Offset to write instead of the computed one (for corrupt files).
        public var offsetOverride: UInt64?

        public init(name: String, dims: [UInt64], typeID: UInt32, data: [UInt8], offsetOverride: UInt64? = nil) {
            self.name = name
            self.dims = dims
            self.typeID = typeID
            self.data = data
            self.offsetOverride = offsetOverride
        }
    }

    public var version: UInt32
    public var alignment: Int
    public var metadata: [(key: String, value: Value)]
    public var tensors: [Tensor]

    public init(
        version: UInt32 = 3, alignment: Int = 32, metadata: [(key: String, value: Value)] = [], tensors: [Tensor] = []
    ) {
        self.version = version
        self.alignment = alignment
        self.metadata = metadata
        self.tensors = tensors
    }

    /// The file's bytes: header, metadata, tensor table, padding, aligned tensor data.
    public func bytes() -> [UInt8] {
        var out: [UInt8] = []
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func putString(_ s: String) {
            put(UInt64(s.utf8.count))
            out.append(contentsOf: Array(s.utf8))
        }
        put(UInt32(0x4655_4747))
        put(version)
        put(UInt64(tensors.count))
        put(UInt64(metadata.count))
        for (key, value) in metadata {
            putString(key)
            switch value {
            case .uint8(let v):
                put(UInt32(0))
                put(v)
            case .int8(let v):
                put(UInt32(1))
                put(v)
            case .uint16(let v):
                put(UInt32(2))
                put(v)
            case .int16(let v):
                put(UInt32(3))
                put(v)
            case .uint32(let v):
                put(UInt32(4))
                put(v)
            case .int32(let v):
                put(UInt32(5))
                put(v)
            case .float32(let v):
                put(UInt32(6))
                put(v.bitPattern)
            case .bool(let v):
                put(UInt32(7))
                put(UInt8(v ? 1 : 0))
            case .string(let v):
                put(UInt32(8))
                putString(v)
            case .uint64(let v):
                put(UInt32(10))
                put(v)
            case .int64(let v):
                put(UInt32(11))
                put(v)
            case .float64(let v):
                put(UInt32(12))
                put(v.bitPattern)
            case .strings(let a):
                put(UInt32(9))
                put(UInt32(8))
                put(UInt64(a.count))
                for s in a { putString(s) }
            case .int32s(let a):
                put(UInt32(9))
                put(UInt32(5))
                put(UInt64(a.count))
                for x in a { put(x) }
            case .floats(let a):
                put(UInt32(9))
                put(UInt32(6))
                put(UInt64(a.count))
                for x in a { put(x.bitPattern) }
            case .uint8s(let a):
                put(UInt32(9))
                put(UInt32(0))
                put(UInt64(a.count))
                out.append(contentsOf: a)
            case .nestedStrings(let outer):
                put(UInt32(9))
                put(UInt32(9))
                put(UInt64(outer.count))
                for inner in outer {
                    put(UInt32(8))
                    put(UInt64(inner.count))
                    for s in inner { putString(s) }
                }
            case .raw(let typeID, let payload):
                put(typeID)
                out.append(contentsOf: payload)
            }
        }
        var offsets: [UInt64] = []
        var next = 0
        for t in tensors {
            offsets.append(UInt64(next))
            next = (next + t.data.count + alignment - 1) / alignment * alignment
        }
        for (t, offset) in zip(tensors, offsets) {
            putString(t.name)
            put(UInt32(t.dims.count))
            for d in t.dims { put(d) }
            put(t.typeID)
            put(t.offsetOverride ?? offset)
        }
        while out.count % alignment != 0 { out.append(0) }
        let dataStart = out.count
        for (t, offset) in zip(tensors, offsets) {
            while out.count < dataStart + Int(offset) { out.append(0) }
            out.append(contentsOf: t.data)
        }
        return out
    }

    /// Writes `bytes()` to a fresh file in a temporary folder and returns its URL.
    public func write(named name: String = "test.gguf") throws -> URL {
        try Self.writeTemporary(bytes(), named: name)
    }

    /// Writes `bytes` to `<tmp>/arbiter-gguf-<uuid>/<name>`.
    public static func writeTemporary(_ bytes: [UInt8], named name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("arbiter-gguf-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }
}
