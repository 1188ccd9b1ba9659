// GGUFFile+Dequantize: a tensor of the file decoded to a row-major [Float] (the logical PyTorch
// layout: `info.rowMajorShape`). Not a lazy view: the result is a fresh array.

extension GGUFFile {
    /// The tensor `info` decoded to Float32, `info.elementCount` values in row-major order
    /// (ne[0] fastest). Throws for unsupported types or a record that does not fit this file.
    public func dequantize(_ info: GGUFTensorInfo) throws(GGUFError) -> [Float] {
        let range = try byteRange(of: info)
        let bytes = UnsafeRawBufferPointer(rebasing: region.bytes[range])
        return try Dequantizer.dequantize(type: info.type, bytes: bytes, count: info.elementCount, tensor: info.name)
    }

    /// The tensor named `name` decoded to Float32 (see `dequantize(_:)`).
    public func dequantize(named name: String) throws(GGUFError) -> [Float] {
        guard let info = tensor(named: name) else { throw .missingTensor(path: url.path, tensor: name) }
        return try dequantize(info)
    }
}
