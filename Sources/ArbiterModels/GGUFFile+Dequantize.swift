// GGUFFile+Dequantize: a tensor of the file (or a range of its rows) decoded to row-major Float32
// (the logical PyTorch layout: `info.rowMajorShape`). Not a lazy view: results are fresh arrays
// or caller-owned buffers.

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

    /// Rows `rows` of `info` viewed as a matrix of `info.shape[0]`-long rows (e.g. a few token
    /// embeddings), decoded without touching the rest. Rows are whole blocks because ne[0] is a
    /// multiple of the block size.
    public func dequantize(_ info: GGUFTensorInfo, rows: Range<Int>) throws(GGUFError) -> [Float] {
        let rowLength = info.shape.first ?? 1
        let rowCount = rowLength == 0 ? 0 : info.elementCount / rowLength
        guard rows.lowerBound >= 0, rows.upperBound <= rowCount else {
            throw .badTensorData(
                path: url.path, tensor: info.name, offset: UInt64(clamping: info.offset), byteCount: info.byteCount,
                reason: "has \(rowCount) rows; rows \(rows) were asked for")
        }
        let range = try byteRange(of: info)
        let rowBytes = rowLength / info.type.blockSize * info.type.typeSize
        let start = range.lowerBound + rows.lowerBound * rowBytes
        let bytes = UnsafeRawBufferPointer(rebasing: region.bytes[start..<(start + rows.count * rowBytes)])
        return try Dequantizer.dequantize(
            type: info.type, bytes: bytes, count: rows.count * rowLength, tensor: info.name)
    }

    /// Decodes `info` into caller-owned memory of exactly `info.elementCount` floats (e.g. a
    /// tensor's storage), avoiding an intermediate array.
    public func dequantize(_ info: GGUFTensorInfo, into buffer: UnsafeMutableBufferPointer<Float>) throws(GGUFError) {
        guard info.type.canDequantize else { throw .unsupportedDequantization(type: info.type, tensor: info.name) }
        guard buffer.count == info.elementCount else {
            throw .badTensorData(
                path: url.path, tensor: info.name, offset: UInt64(clamping: info.offset), byteCount: info.byteCount,
                reason: "decodes to \(info.elementCount) floats but the destination holds \(buffer.count)")
        }
        let range = try byteRange(of: info)
        guard let dst = buffer.baseAddress, let src = region.base, info.elementCount > 0 else { return }
        Dequantizer.decode(
            type: info.type, src: src + range.lowerBound, dst: dst, blocks: info.elementCount / info.type.blockSize)
    }
}
