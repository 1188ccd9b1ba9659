// SafeTensorsFile: a validated, memory-mapped view of a `.safetensors` file: header entries,
// free-form metadata, and tensors converted to Float32 on request. Every offset is checked when
// the file is opened, so reading a tensor afterwards cannot go out of bounds. Not a writer
// (SafeTensorsWriter) and not a model loader (ArbiterModels maps names to model weights).
import Foundation

/// A safetensors file opened for reading.
public struct SafeTensorsFile: Sendable {
    /// The `__metadata__` dictionary (empty when the file has none).
    public let metadata: [String: String]
    /// Where the file came from, for error messages.
    public let path: String

    private let storage: SafeTensorsStorage
    private let entries: [SafeTensorInfo]  // in data-offset order
    private let index: [String: Int]
    private let dataStart: Int

    /// Memory-maps and validates the file at `url`.
    public init(contentsOf url: URL) throws {
        let path = url.path
        try self.init(storage: try SafeTensorsStorage(mapping: path), path: path)
    }

    /// Validates an in-memory file image; `path` names it in errors.
    public init(data: Data, path: String = "<memory>") throws {
        try self.init(storage: SafeTensorsStorage(copying: data), path: path)
    }

    private init(storage: SafeTensorsStorage, path: String) throws(SafeTensorsError) {
        let header = try SafeTensorsHeader(file: storage.bytes, path: path)
        self.storage = storage
        self.path = path
        self.metadata = header.metadata
        self.entries = header.tensors
        self.dataStart = header.dataStart
        var index: [String: Int] = [:]
        for (i, entry) in header.tensors.enumerated() { index[entry.name] = i }
        self.index = index
    }

    /// Tensor names in the order their data appears in the file.
    public var names: [String] { entries.map(\.name) }

    /// All tensor entries in the order their data appears in the file.
    public var tensors: [SafeTensorInfo] { entries }

    /// Offset of the data section from the start of the file (8 + header length).
    public var dataSectionOffset: Int { dataStart }

    /// The entry for `name`, or nil if the file has no such tensor.
    public func info(_ name: String) -> SafeTensorInfo? {
        index[name].map { entries[$0] }
    }

    /// Calls `body` with the tensor's raw little-endian bytes. The pointer must not escape `body`.
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let info = info(name) else { throw SafeTensorsError.tensorNotFound(path: path, tensor: name) }
        let range = (dataStart + info.dataOffsets.lowerBound)..<(dataStart + info.dataOffsets.upperBound)
        return try withExtendedLifetime(storage) {
            try body(UnsafeRawBufferPointer(rebasing: storage.bytes[range]))
        }
    }

    /// The tensor's elements converted to Float32, in row-major order. F32, F16, BF16, F64, the
    /// integer types, BOOL and both 8-bit float types convert; F16/BF16/F8 widen exactly.
    public func floats(_ name: String) throws -> [Float] {
        guard let info = info(name) else { throw SafeTensorsError.tensorNotFound(path: path, tensor: name) }
        let count = info.elementCount
        return try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            try floats(name, into: UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
            initialized = count
        }
    }

    /// Converts the tensor into `destination`, which must hold exactly `elementCount` floats.
    public func floats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let info = info(name) else { throw SafeTensorsError.tensorNotFound(path: path, tensor: name) }
        guard destination.count == info.elementCount else {
            throw SafeTensorsError.invalidTensor(
                path: path, tensor: name,
                reason: "destination holds \(destination.count) floats but the tensor has \(info.elementCount) elements"
            )
        }
        try withRawBytes(name) { raw in
            SafeTensorsConversion.toFloat(raw, dtype: info.dtype, into: destination)
        }
    }
}
