// GGUFFile+Parse: the GGUF v2/v3 header, metadata and tensor-table parser. Checks every count
// against the bytes left (no huge allocations from corrupt lengths), every tensor's shape, type,
// alignment and data range. Not the dequantiser.

/// Result of parsing a GGUF header (everything but the mapping).
struct GGUFParsed {
    var version: UInt32
    var metadata: [String: GGUFValue]
    var metadataOrder: [String]
    var tensors: [GGUFTensorInfo]
    var alignment: Int
    var dataOffset: Int
}

enum GGUFParser {
    /// `GGUF` read as a little-endian UInt32.
    static let magic: UInt32 = 0x4655_4747
    /// ggml's GGML_MAX_DIMS.
    static let maxDimensions = 4
    /// Nesting limit for arrays of arrays (GGUF files in the wild use at most 1).
    static let maxArrayDepth = 4
    static let defaultAlignment = 32

    static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(GGUFError) -> GGUFParsed {
        var c = GGUFByteCursor(bytes: bytes, path: path)
        let magic = try c.uint32("magic")
        guard magic == Self.magic else { throw .badMagic(path: path, found: magic) }
        let version = try c.uint32("version")
        guard ArbiterModelsInfo.supportedGGUFVersions.contains(version) else {
            throw .unsupportedVersion(path: path, version: version)
        }
        let tensorCount = try c.uint64("tensor count")
        let kvCount = try c.uint64("metadata count")
        // A count above the file size is corruption; a smaller one that the rest of the file cannot
        // hold is reported as truncation where the bytes run out. Reservations are capped by what
        // could fit (smallest KV: 8-byte key length + 4-byte type + 1-byte value).
        try c.requirePlausible(count: kvCount, minimumSize: 1, for: "metadata count")
        try c.requirePlausible(count: tensorCount, minimumSize: 1, for: "tensor count")

        var metadata: [String: GGUFValue] = [:]
        var order: [String] = []
        metadata.reserveCapacity(min(Int(kvCount), c.remaining / 13))
        order.reserveCapacity(min(Int(kvCount), c.remaining / 13))
        for i in 0..<Int(kvCount) {
            let key = try c.string("metadata key #\(i)")
            let typeOffset = c.position
            let typeID = try c.uint32("value type of '\(key)'")
            guard let type = GGUFValueType(rawValue: typeID) else {
                throw .unknownValueType(path: path, key: key, typeID: typeID, offset: typeOffset)
            }
            let value = try readValue(type, key: key, cursor: &c, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw .duplicate(path: path, what: "metadata key", name: key)
            }
            order.append(key)
        }

        // Smallest tensor record: 8-byte name length + 4 n_dims + 4 type + 8 offset.
        var raw: [(name: String, dims: [UInt64], typeID: UInt32, typeOffset: Int, offset: UInt64)] = []
        raw.reserveCapacity(min(Int(tensorCount), c.remaining / 24))
        var names = Set<String>()
        for i in 0..<Int(tensorCount) {
            let name = try c.string("name of tensor #\(i)")
            guard names.insert(name).inserted else {
                throw .duplicate(path: path, what: "tensor name", name: name)
            }
            let dimsOffset = c.position
            let nDims = try c.uint32("dimension count of tensor '\(name)'")
            guard nDims <= UInt32(maxDimensions) else {
                throw .implausibleCount(
                    path: path, what: "dimension count of tensor '\(name)'", count: UInt64(nDims),
                    offset: dimsOffset, limit: maxDimensions)
            }
            let dims = try c.integers(UInt64.self, count: Int(nDims), "dimensions of tensor '\(name)'")
            let typeOffset = c.position
            let typeID = try c.uint32("type of tensor '\(name)'")
            let offset = try c.uint64("data offset of tensor '\(name)'")
            raw.append((name, dims, typeID, typeOffset, offset))
        }

        let alignment = try readAlignment(metadata, path: path)
        let headerEnd = c.position
        let dataOffset = (headerEnd + alignment - 1) / alignment * alignment
        let dataBytes = bytes.count - dataOffset  // may be negative when the data section is missing

        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(raw.count)
        for r in raw {
            guard let type = GGMLType(rawValue: r.typeID) else {
                throw .unknownTensorType(path: path, tensor: r.name, typeID: r.typeID, offset: r.typeOffset)
            }
            let (elements, byteCount) = try geometry(of: r.dims, type: type, tensor: r.name, path: path)
            guard r.offset % UInt64(alignment) == 0 else {
                throw .badTensorData(
                    path: path, tensor: r.name, offset: r.offset, byteCount: byteCount,
                    reason: "is not aligned to \(alignment) bytes")
            }
            guard dataBytes >= 0, r.offset <= UInt64(dataBytes),
                byteCount <= dataBytes - Int(r.offset)
            else {
                throw .badTensorData(
                    path: path, tensor: r.name, offset: r.offset, byteCount: byteCount,
                    reason:
                        "runs past the end of the data section (starts at byte \(dataOffset), file has \(bytes.count) bytes)"
                )
            }
            tensors.append(
                GGUFTensorInfo(
                    name: r.name, shape: r.dims.map { Int($0) }, type: type, offset: Int(r.offset),
                    byteCount: byteCount, elementCount: elements))
        }
        return GGUFParsed(
            version: version, metadata: metadata, metadataOrder: order, tensors: tensors,
            alignment: alignment, dataOffset: dataOffset)
    }

    /// Element count and byte size of a tensor, with every overflow and block rule checked.
    static func geometry(
        of dims: [UInt64], type: GGMLType, tensor: String, path: String
    ) throws(GGUFError) -> (elements: Int, bytes: Int) {
        var elements = 1
        for d in dims {
            guard let di = Int(exactly: d) else {
                throw .badShape(
                    path: path, tensor: tensor, shape: dims, type: type, reason: "dimension \(d) is too large")
            }
            let (p, overflow) = elements.multipliedReportingOverflow(by: di)
            guard !overflow else {
                throw .badShape(path: path, tensor: tensor, shape: dims, type: type, reason: "element count overflows")
            }
            elements = p
        }
        let first = dims.first.map { Int(clamping: $0) } ?? 1
        guard first % type.blockSize == 0 else {
            throw .badShape(
                path: path, tensor: tensor, shape: dims, type: type,
                reason: "ne[0] = \(first) is not a multiple of the block size \(type.blockSize)")
        }
        let (bytes, overflow) = (elements / type.blockSize).multipliedReportingOverflow(by: type.typeSize)
        guard !overflow else {
            throw .badShape(path: path, tensor: tensor, shape: dims, type: type, reason: "byte size overflows")
        }
        return (elements, bytes)
    }

    static func readAlignment(_ metadata: [String: GGUFValue], path: String) throws(GGUFError) -> Int {
        guard let value = metadata["general.alignment"] else { return defaultAlignment }
        guard let a = value.intValue, a > 0, a <= 65536, a & (a - 1) == 0 else {
            throw .badAlignment(path: path, value: "\(value)")
        }
        return a
    }

    static func readValue(
        _ type: GGUFValueType, key: String, cursor c: inout GGUFByteCursor, depth: Int
    ) throws(GGUFError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try c.uint8("value of '\(key)'"))
        case .int8: return .int8(try c.int8("value of '\(key)'"))
        case .uint16: return .uint16(try c.uint16("value of '\(key)'"))
        case .int16: return .int16(try c.int16("value of '\(key)'"))
        case .uint32: return .uint32(try c.uint32("value of '\(key)'"))
        case .int32: return .int32(try c.int32("value of '\(key)'"))
        case .uint64: return .uint64(try c.uint64("value of '\(key)'"))
        case .int64: return .int64(try c.int64("value of '\(key)'"))
        case .float32: return .float32(try c.float32("value of '\(key)'"))
        case .float64: return .float64(try c.float64("value of '\(key)'"))
        case .bool: return .bool(try c.uint8("value of '\(key)'") != 0)
        case .string: return .string(try c.string("value of '\(key)'"))
        case .array: return .array(try readArray(key: key, cursor: &c, depth: depth))
        }
    }

    static func readArray(key: String, cursor c: inout GGUFByteCursor, depth: Int) throws(GGUFError) -> GGUFArray {
        let path = c.path
        let typeOffset = c.position
        let typeID = try c.uint32("array element type of '\(key)'")
        guard let element = GGUFValueType(rawValue: typeID) else {
            throw .unknownValueType(path: path, key: key, typeID: typeID, offset: typeOffset)
        }
        let count64 = try c.uint64("array length of '\(key)'")
        try c.requirePlausible(count: count64, minimumSize: element.minimumByteCount, for: "array length of '\(key)'")
        let n = Int(count64)
        let what = "array '\(key)'"
        switch element {
        case .uint8: return .uint8s(try c.integers(UInt8.self, count: n, what))
        case .int8: return .int8s(try c.integers(Int8.self, count: n, what))
        case .uint16: return .uint16s(try c.integers(UInt16.self, count: n, what))
        case .int16: return .int16s(try c.integers(Int16.self, count: n, what))
        case .uint32: return .uint32s(try c.integers(UInt32.self, count: n, what))
        case .int32: return .int32s(try c.integers(Int32.self, count: n, what))
        case .uint64: return .uint64s(try c.integers(UInt64.self, count: n, what))
        case .int64: return .int64s(try c.integers(Int64.self, count: n, what))
        case .float32: return .floats(try c.integers(UInt32.self, count: n, what).map { Float(bitPattern: $0) })
        case .float64: return .doubles(try c.integers(UInt64.self, count: n, what).map { Double(bitPattern: $0) })
        case .bool: return .bools(try c.integers(UInt8.self, count: n, what).map { $0 != 0 })
        case .string:
            var strings: [String] = []
            strings.reserveCapacity(n)
            for i in 0..<n { strings.append(try c.string("item \(i) of \(what)")) }
            return .strings(strings)
        case .array:
            guard depth < maxArrayDepth else {
                throw .implausibleCount(
                    path: path, what: "array nesting depth of '\(key)'", count: UInt64(depth + 1),
                    offset: typeOffset, limit: maxArrayDepth)
            }
            var arrays: [GGUFArray] = []
            arrays.reserveCapacity(n)
            for _ in 0..<n { arrays.append(try readArray(key: key, cursor: &c, depth: depth + 1)) }
            return .arrays(arrays)
        }
    }
}
