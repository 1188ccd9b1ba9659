// SafeTensorsWriter: writes Float32 values as F32, F16 or BF16 tensors into a `.safetensors` file
// laid out the way the reference Rust writer does it: tensors ordered by descending dtype
// alignment then by name, compact JSON header with `__metadata__` first, header padded with spaces
// to a multiple of 8 bytes. The file appears atomically. Not a reader (SafeTensorsFile).
import Foundation

/// One tensor to write: row-major values and the dtype to store them as.
public struct SafeTensorsEntry: Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]
    public var dtype: SafeTensorDType

    public init(name: String, shape: [Int], values: [Float], dtype: SafeTensorDType = .float32) {
        self.name = name
        self.shape = shape
        self.values = values
        self.dtype = dtype
    }
}

/// Writes safetensors files.
public enum SafeTensorsWriter {
    /// Writes `tensors` and `metadata` to `url` atomically (temporary file, flush, rename).
    public static func write(
        _ tensors: [(name: String, shape: [Int], values: [Float], dtype: SafeTensorDType)],
        metadata: [String: String], to url: URL
    ) throws {
        try write(
            tensors.map { SafeTensorsEntry(name: $0.name, shape: $0.shape, values: $0.values, dtype: $0.dtype) },
            metadata: metadata, to: url)
    }

    /// Writes `entries` and `metadata` to `url` atomically (temporary file, flush, rename).
    public static func write(_ entries: [SafeTensorsEntry], metadata: [String: String], to url: URL) throws {
        let (header, ordered) = try prepare(entries, metadata: metadata, path: url.path)
        let writer = try AtomicFileWriter(destination: url)
        try writer.write(header)
        for entry in ordered {
            var chunk: [UInt8] = []
            entry.values.withUnsafeBufferPointer { SafeTensorsConversion.append($0, as: entry.dtype, to: &chunk) }
            try writer.write(chunk)
        }
        try writer.commit()
    }

    /// The complete file image `write` would produce.
    public static func serialize(_ entries: [SafeTensorsEntry], metadata: [String: String]) throws -> Data {
        let (header, ordered) = try prepare(entries, metadata: metadata, path: "<memory>")
        var bytes = header
        for entry in ordered {
            entry.values.withUnsafeBufferPointer { SafeTensorsConversion.append($0, as: entry.dtype, to: &bytes) }
        }
        return Data(bytes)
    }

    /// Validates, orders, and builds the 8-byte length plus padded JSON header.
    static func prepare(_ entries: [SafeTensorsEntry], metadata: [String: String], path: String)
        throws(SafeTensorsError) -> (header: [UInt8], ordered: [SafeTensorsEntry])
    {
        var names = Set<String>()
        for entry in entries {
            guard entry.name != "__metadata__" else {
                throw .invalidTensor(path: path, tensor: entry.name, reason: "the name __metadata__ is reserved")
            }
            guard names.insert(entry.name).inserted else {
                throw .invalidTensor(path: path, tensor: entry.name, reason: "the name is used twice")
            }
            guard entry.dtype.isWritable else {
                throw .invalidTensor(
                    path: path, tensor: entry.name,
                    reason: "dtype \(entry.dtype.rawValue) cannot be written from Float32; use F32, F16 or BF16")
            }
            var count = 1
            var overflow = false
            for d in entry.shape {
                guard d >= 0 else {
                    throw .invalidTensor(
                        path: path, tensor: entry.name, reason: "shape \(entry.shape) has a negative dimension")
                }
                if !overflow { (count, overflow) = count.multipliedReportingOverflow(by: d) }
            }
            guard !overflow, count == entry.values.count else {
                throw .invalidTensor(
                    path: path, tensor: entry.name,
                    reason: "shape \(entry.shape) does not hold \(entry.values.count) values")
            }
        }
        let ordered = entries.sorted { a, b in
            if a.dtype.alignmentRank != b.dtype.alignmentRank { return a.dtype.alignmentRank > b.dtype.alignmentRank }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
        var parts: [String] = []
        if !metadata.isEmpty {
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let pairs = keys.map {
                SafeTensorsJSONWriter.quoted($0) + ":" + SafeTensorsJSONWriter.quoted(metadata[$0] ?? "")
            }
            parts.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for entry in ordered {
            let end = offset + entry.values.count * entry.dtype.byteSize
            let shape = entry.shape.map(String.init).joined(separator: ",")
            parts.append(
                SafeTensorsJSONWriter.quoted(entry.name)
                    + ":{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}"
            )
            offset = end
        }
        var json = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        guard UInt64(json.count) <= SafeTensorsHeader.maximumLength else {
            throw .headerTooLarge(path: path, length: UInt64(json.count))
        }
        var header: [UInt8] = []
        header.reserveCapacity(8 + json.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { header.append(contentsOf: $0) }
        header.append(contentsOf: json)
        return (header, ordered)
    }
}
