// GGUFFile: a memory-mapped GGUF v2/v3 model file: header, metadata, tensor table, and access to
// each tensor's bytes. Parsing lives in GGUFFile+Parse.swift, dequantisation in
// GGUFFile+Dequantize.swift. Not a writer, and not a model: it knows nothing of architectures.
import Foundation

/// A parsed GGUF file. The file stays memory-mapped while this value (or a copy) is alive;
/// tensor data is read lazily from the mapping.
public struct GGUFFile: Sendable {
    /// Where the file was read from.
    public let url: URL
    /// GGUF format version (2 or 3).
    public let version: UInt32
    /// Every metadata key/value pair.
    public let metadata: [String: GGUFValue]
    /// The metadata keys in file order.
    public let metadataOrder: [String]
    /// The tensor table in file order.
    public let tensors: [GGUFTensorInfo]
    /// Alignment of the data section and of every tensor offset (`general.alignment`, default 32).
    public let alignment: Int
    /// Absolute byte offset of the data section.
    public let dataOffset: Int

    let region: GGUFMappedRegion
    let tensorIndex: [String: Int]

    /// Maps and parses the file at `url`. Throws a `GGUFError` for anything malformed;
    /// never traps on bad input.
    public init(contentsOf url: URL) throws(GGUFError) {
        let region = try GGUFMappedRegion(path: url.path)
        let parsed = try GGUFParser.parse(region.bytes, path: url.path)
        self.url = url
        self.region = region
        self.version = parsed.version
        self.metadata = parsed.metadata
        self.metadataOrder = parsed.metadataOrder
        self.tensors = parsed.tensors
        self.alignment = parsed.alignment
        self.dataOffset = parsed.dataOffset
        var index: [String: Int] = [:]
        index.reserveCapacity(parsed.tensors.count)
        for (i, t) in parsed.tensors.enumerated() { index[t.name] = i }
        self.tensorIndex = index
    }

    /// Size of the file in bytes.
    public var fileSize: Int { region.count }

    /// The tensor-table entry named `name`, if present.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// Calls `body` with the raw (still quantised) bytes of `info`'s data, straight from the
    /// mapping. The buffer must not escape `body`. Throws if `info` does not lie inside this file.
    public func withTensorBytes<R>(
        _ info: GGUFTensorInfo, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        let range = try byteRange(of: info)
        let bytes = region.bytes
        return try body(UnsafeRawBufferPointer(rebasing: bytes[range]))
    }

    /// Absolute byte range of `info`'s data, checked against the file.
    func byteRange(of info: GGUFTensorInfo) throws(GGUFError) -> Range<Int> {
        let (start, o1) = dataOffset.addingReportingOverflow(info.offset)
        let (end, o2) = start.addingReportingOverflow(info.byteCount)
        guard !o1, !o2, info.offset >= 0, info.byteCount >= 0, end <= region.count else {
            throw .badTensorData(
                path: url.path, tensor: info.name, offset: UInt64(clamping: info.offset),
                byteCount: info.byteCount, reason: "lies outside the file (\(region.count) bytes)")
        }
        return start..<end
    }
}
