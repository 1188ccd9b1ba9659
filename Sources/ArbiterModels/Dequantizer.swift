// Dequantizer: converts raw ggml tensor bytes of any supported type to Float32, checking the byte
// count once and then running the unchecked per-block decoders (Dequantize+Legacy.swift,
// Dequantize+KQuants.swift), split across cores for large tensors. Not a quantiser.
import ArbiterTensor
import Foundation

/// Float32 decoding of ggml tensor data (bit-exact with `gguf.quants.dequantize`).
package enum Dequantizer {
    /// Tensors with at least this many elements are decoded on several threads.
    static let parallelThreshold = 1 << 16

    /// Decodes `count` elements of `type` from `bytes`, which must hold exactly
    /// `count / type.blockSize * type.typeSize` bytes (`count` a multiple of the block size).
    package static func dequantize(type: GGMLType, bytes: UnsafeRawBufferPointer, count: Int) throws(GGUFError)
        -> [Float]
    {
        try dequantize(type: type, bytes: bytes, count: count, tensor: "<raw bytes>")
    }

    /// Convenience over an array of bytes.
    package static func dequantize(type: GGMLType, bytes: [UInt8], count: Int) throws(GGUFError) -> [Float] {
        let result: Result<[Float], GGUFError> = bytes.withUnsafeBytes { raw in
            do throws(GGUFError) {
                return .success(try dequantize(type: type, bytes: raw, count: count))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func dequantize(
        type: GGMLType, bytes: UnsafeRawBufferPointer, count: Int, tensor: String
    ) throws(GGUFError) -> [Float] {
        guard type.canDequantize else { throw .unsupportedDequantization(type: type, tensor: tensor) }
        let blocks = count >= 0 && count % type.blockSize == 0 ? count / type.blockSize : -1
        let (expected, overflow) = max(blocks, 0).multipliedReportingOverflow(by: type.typeSize)
        guard blocks >= 0, !overflow, expected == bytes.count else {
            throw .byteCountMismatch(
                type: type, count: count, expectedBytes: overflow ? Int.max : expected, actualBytes: bytes.count)
        }
        guard count > 0, let src = bytes.baseAddress else { return [] }
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            guard let dst = out.baseAddress else { return }
            decode(type: type, src: src, dst: dst, blocks: blocks)
            initialized = count
        }
    }

    /// Decodes `blocks` whole blocks from `src` into `dst`, in parallel chunks when large.
    static func decode(type: GGMLType, src: UnsafeRawPointer, dst: UnsafeMutablePointer<Float>, blocks: Int) {
        let elements = blocks * type.blockSize
        let workers = elements >= parallelThreshold ? min(ProcessInfo.processInfo.activeProcessorCount, 8) : 1
        if workers <= 1 {
            decodeRange(type: type, src: src, dst: dst, blocks: 0..<blocks)
            return
        }
        let perWorker = (blocks + workers - 1) / workers
        let source = UnsafeSendablePointers(src: src, dst: dst)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let start = min(w * perWorker, blocks)
            let end = min(start + perWorker, blocks)
            if start < end {
                decodeRange(type: type, src: source.src, dst: source.dst, blocks: start..<end)
            }
        }
    }

    /// Decodes the block range `blocks` (block-aligned in both source and destination).
    static func decodeRange(type: GGMLType, src: UnsafeRawPointer, dst: UnsafeMutablePointer<Float>, blocks: Range<Int>)
    {
        let bs = type.blockSize
        let ts = type.typeSize
        HalfPrecision.float16Table.withUnsafeBufferPointer { tableBuffer in
            guard let table = tableBuffer.baseAddress else { return }
            let s = src + blocks.lowerBound * ts
            let y = dst + blocks.lowerBound * bs
            let n = blocks.count
            switch type {
            case .f32: LegacyBlocks.f32(s, y, n)
            case .f16: LegacyBlocks.f16(s, y, n, table)
            case .bf16: LegacyBlocks.bf16(s, y, n)
            case .q4_0: for k in 0..<n { LegacyBlocks.q4_0(s + k * ts, y + k * bs, table) }
            case .q4_1: for k in 0..<n { LegacyBlocks.q4_1(s + k * ts, y + k * bs, table) }
            case .q5_0: for k in 0..<n { LegacyBlocks.q5_0(s + k * ts, y + k * bs, table) }
            case .q5_1: for k in 0..<n { LegacyBlocks.q5_1(s + k * ts, y + k * bs, table) }
            case .q8_0: for k in 0..<n { LegacyBlocks.q8_0(s + k * ts, y + k * bs, table) }
            case .q2_K: for k in 0..<n { KQuantBlocks.q2_K(s + k * ts, y + k * bs, table) }
            case .q3_K: for k in 0..<n { KQuantBlocks.q3_K(s + k * ts, y + k * bs, table) }
            case .q4_K: for k in 0..<n { KQuantBlocks.q4_K(s + k * ts, y + k * bs, table) }
            case .q5_K: for k in 0..<n { KQuantBlocks.q5_K(s + k * ts, y + k * bs, table) }
            case .q6_K: for k in 0..<n { KQuantBlocks.q6_K(s + k * ts, y + k * bs, table) }
            default: preconditionFailure("decodeRange called for \(type.name); callers check canDequantize")
            }
        }
    }
}

/// Source and destination pointers handed to worker threads; each worker touches a disjoint
/// block range of `dst`, and `src` is read-only.
private struct UnsafeSendablePointers: @unchecked Sendable {
    let src: UnsafeRawPointer
    let dst: UnsafeMutablePointer<Float>
}
