// SafeTensors+Header: turns the header bytes of a safetensors file into validated tensor entries,
// applying the reference implementation's rules (100 MB header limit, tensors sorted by offsets
// must tile the data section exactly: no overlap, no hole, nothing left over) plus a duplicate
// name check. Not the element conversion (SafeTensors+Convert).

/// Where one tensor lives in a safetensors file.
public struct SafeTensorInfo: Sendable, Hashable {
    /// The tensor's name in the header.
    public let name: String
    /// Element type as stored.
    public let dtype: SafeTensorDType
    /// Shape, outermost dimension first; `[]` is a scalar.
    public let shape: [Int]
    /// Byte range inside the data section (the header's `data_offsets`).
    public let dataOffsets: Range<Int>

    /// Number of elements (1 for a scalar, 0 when any dimension is 0).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A validated header: tensors in data-offset order and the free-form metadata.
struct SafeTensorsHeader {
    static let maximumLength: UInt64 = 100_000_000

    var tensors: [SafeTensorInfo]
    var metadata: [String: String]
    /// Offset of the data section from the start of the file (8 + header length).
    var dataStart: Int

    /// Parses and validates the header of a complete file image.
    init(file bytes: UnsafeRawBufferPointer, path: String) throws(SafeTensorsError) {
        guard bytes.count >= 8 else { throw .fileTooSmall(path: path, size: bytes.count) }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard length <= Self.maximumLength else { throw .headerTooLarge(path: path, length: length) }
        let headerLength = Int(length)
        guard headerLength <= bytes.count - 8 else {
            throw .headerBeyondFile(path: path, length: length, fileSize: bytes.count)
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + headerLength)])
        let json: SafeTensorsJSON
        do {
            json = try SafeTensorsJSONParser.parse(headerBytes)
        } catch {
            throw .invalidJSON(path: path, reason: error.description)
        }
        guard case .object(let members) = json else {
            throw .invalidJSON(path: path, reason: "the header is not a JSON object")
        }
        dataStart = 8 + headerLength
        metadata = [:]
        var sawMetadata = false
        var seen = Set<String>()
        var entries: [(index: Int, info: SafeTensorInfo)] = []
        entries.reserveCapacity(members.count)
        for (index, member) in members.enumerated() {
            if member.key == "__metadata__" {
                guard !sawMetadata else { throw .duplicateName(path: path, tensor: "__metadata__") }
                sawMetadata = true
                metadata = try Self.parseMetadata(member.value, path: path)
                continue
            }
            guard seen.insert(member.key).inserted else { throw .duplicateName(path: path, tensor: member.key) }
            entries.append((index, try Self.parseTensor(member.key, member.value, path: path)))
        }
        entries.sort {
            ($0.info.dataOffsets.lowerBound, $0.info.dataOffsets.upperBound, $0.index)
                < ($1.info.dataOffsets.lowerBound, $1.info.dataOffsets.upperBound, $1.index)
        }
        var next = 0
        for (_, info) in entries {
            guard info.dataOffsets.lowerBound == next else {
                throw .invalidOffsets(
                    path: path, tensor: info.name, begin: info.dataOffsets.lowerBound,
                    end: info.dataOffsets.upperBound, expectedBegin: next)
            }
            next = info.dataOffsets.upperBound
        }
        let dataSize = bytes.count - dataStart
        guard next == dataSize else { throw .incompleteBuffer(path: path, covered: next, dataSize: dataSize) }
        tensors = entries.map(\.info)
    }

    private static func parseMetadata(_ value: SafeTensorsJSON, path: String) throws(SafeTensorsError) -> [String:
        String]
    {
        guard case .object(let pairs) = value else { throw .invalidMetadata(path: path, reason: "is not an object") }
        var result: [String: String] = [:]
        for pair in pairs {
            guard case .string(let text) = pair.value else {
                throw .invalidMetadata(path: path, reason: "value of '\(pair.key)' is not a string")
            }
            guard result.updateValue(text, forKey: pair.key) == nil else {
                throw .invalidMetadata(path: path, reason: "repeats the key '\(pair.key)'")
            }
        }
        return result
    }

    private static func parseTensor(_ name: String, _ value: SafeTensorsJSON, path: String) throws(SafeTensorsError)
        -> SafeTensorInfo
    {
        guard case .object(let fields) = value else {
            throw .invalidField(path: path, tensor: name, field: "(entry)", reason: "is not an object")
        }
        func field(_ key: String) throws(SafeTensorsError) -> SafeTensorsJSON {
            let matches = fields.filter { $0.key == key }
            guard let first = matches.first else {
                throw .invalidField(path: path, tensor: name, field: key, reason: "is missing")
            }
            guard matches.count == 1 else {
                throw .invalidField(path: path, tensor: name, field: key, reason: "appears more than once")
            }
            return first.value
        }
        guard case .string(let dtypeName) = try field("dtype") else {
            throw .invalidField(path: path, tensor: name, field: "dtype", reason: "is not a string")
        }
        guard let dtype = SafeTensorDType(rawValue: dtypeName) else {
            throw .unknownDType(path: path, tensor: name, dtype: dtypeName)
        }
        guard case .array(let dims) = try field("shape") else {
            throw .invalidField(path: path, tensor: name, field: "shape", reason: "is not an array")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for dim in dims {
            guard let d = dim.nonNegativeInteger else {
                throw .invalidField(
                    path: path, tensor: name, field: "shape",
                    reason: "holds something other than a non-negative integer")
            }
            shape.append(d)
        }
        guard case .array(let offsets) = try field("data_offsets"), offsets.count == 2,
            let begin = offsets[0].nonNegativeInteger, let end = offsets[1].nonNegativeInteger
        else {
            throw .invalidField(
                path: path, tensor: name, field: "data_offsets", reason: "is not a pair of non-negative integers")
        }
        guard end >= begin else {
            throw .invalidOffsets(path: path, tensor: name, begin: begin, end: end, expectedBegin: begin)
        }
        var bytes = dtype.byteSize
        var overflow = false
        for d in shape where !overflow {
            (bytes, overflow) = bytes.multipliedReportingOverflow(by: d)
        }
        guard !overflow, bytes == end - begin else {
            throw .sizeMismatch(
                path: path, tensor: name, shape: shape, dtype: dtype.rawValue,
                expectedBytes: overflow ? "more than Int.max" : String(bytes), rangeBytes: end - begin)
        }
        return SafeTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }
}
