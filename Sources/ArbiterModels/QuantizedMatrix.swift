// QuantizedMatrix: a weight matrix W (rows, columns) kept in its ggml block encoding (Q4_0, Q4_1,
// Q8_0), read straight from the memory-mapped GGUF bytes, with y = W·x products for a few
// activation rows (decode). As in llama.cpp, x is first quantised to 8-bit blocks with a float
// scale (`QuantizedActivations`), so each 32-element block is an integer dot product scaled once.
// Inference only: there is no gradient through this product (hence no finite-difference check);
// training and prefill use the fp32 Tensors and BLAS. Not a dequantiser (Dequantizer.swift) and
// not a quantiser of weights. Kernels: where the CPU has AVX2, a copy of the blocks repacked eight
// rows at a time (made once, at init) and the `_x8` C kernels (CArbiterKernels); the
// row-at-a-time AVX2 kernels if a Q4_0 scale cannot be repacked; else the Swift ones in
// QuantizedMatVec+Legacy.swift, which read the file's bytes.
import ArbiterTensor
import CArbiterKernels
import Foundation
import Synchronization

/// Why a tensor cannot be used as a `QuantizedMatrix`.
package enum QuantizedMatrixError: Error, LocalizedError, Sendable, Equatable {
    /// No quantised matrix-vector kernel for this type; use the dequantised fp32 weights instead.
    case unsupportedType(tensor: String, type: GGMLType)
    /// The row length is not a whole number of blocks, or the tensor is not a matrix.
    case badShape(tensor: String, shape: [Int], blockSize: Int)
    /// The data does not hold exactly rows × columns / blockSize blocks.
    case byteCountMismatch(tensor: String, expected: Int, actual: Int)

    package var errorDescription: String? {
        switch self {
        case .unsupportedType(let tensor, let type):
            return
                "QuantizedMatrix: tensor '\(tensor)' is \(type.name); quantised kernels exist for \(QuantizedMatrix.supportedTypes.map(\.name).joined(separator: ", ")). Load it dequantised (fp32) instead."
        case .badShape(let tensor, let shape, let blockSize):
            return
                "QuantizedMatrix: tensor '\(tensor)' has row-major shape \(shape); a quantised matrix needs two dimensions with a row length that is a multiple of \(blockSize). Load it dequantised (fp32) instead."
        case .byteCountMismatch(let tensor, let expected, let actual):
            return
                "QuantizedMatrix: tensor '\(tensor)' has \(actual) bytes of data but its shape and type need \(expected). The file is truncated or corrupt; re-download it."
        }
    }
}

/// A (rows, columns) weight matrix in a ggml block format, multiplied without dequantising.
package struct QuantizedMatrix: @unchecked Sendable {
    /// Types with a matrix-vector kernel.
    package static let supportedTypes: [GGMLType] = [.q4_0, .q4_1, .q8_0]

    /// Matrices with at least this many weights split their rows across cores.
    static let parallelThreshold = 1 << 18

    package let name: String
    package let type: GGMLType
    package let rows: Int
    package let columns: Int
    /// Bytes of one row (columns / blockSize blocks).
    let rowBytes: Int
    /// Start of row 0; `rows * rowBytes` readable bytes, kept alive by `owner`.
    let base: UnsafeRawPointer
    /// The mapping (or byte array box) that owns `base`.
    private let owner: AnyObject
    /// The blocks repacked eight rows at a time for the AVX2 kernels, made on first use.
    private let repacked: LazyValue<PackedRows>
    /// Q4 blocks repacked sixteen rows at a time for the prefill kernels, made on first use.
    let panelStore: LazyValue<PanelRows>

    /// Validates geometry and byte count: (rows, columns) row-major, `bytes` exactly the blocks.
    private init(
        name: String, type: GGMLType, rows: Int, columns: Int, bytes: UnsafeRawBufferPointer, owner: AnyObject
    ) throws(QuantizedMatrixError) {
        guard Self.supportedTypes.contains(type) else { throw .unsupportedType(tensor: name, type: type) }
        guard rows > 0, columns > 0, columns % type.blockSize == 0 else {
            throw .badShape(tensor: name, shape: [rows, columns], blockSize: type.blockSize)
        }
        let rowBytes = columns / type.blockSize * type.typeSize
        let (expected, overflow) = rows.multipliedReportingOverflow(by: rowBytes)
        guard !overflow, expected == bytes.count, let base = bytes.baseAddress else {
            throw .byteCountMismatch(tensor: name, expected: overflow ? Int.max : expected, actual: bytes.count)
        }
        self.name = name
        self.type = type
        self.rows = rows
        self.columns = columns
        self.rowBytes = rowBytes
        self.base = base
        self.owner = owner
        repacked = LazyValue()
        panelStore = LazyValue()
    }

    /// The repacked blocks, made on first call (nil without AVX2, or when the type or a Q4_0
    /// scale has no repacked form). Thread-safe; later calls return the same copy.
    var packed: PackedRows? {
        repacked.value {
            AVX2Kernels.available
                ? PackedRows(type: type, base: base, rowBytes: rowBytes, rows: rows, blocks: columns / 32) : nil
        }
    }

    /// The 2-D tensor `info` of `file`, read in place from the file's mapping (which this value
    /// keeps alive). Throws for unsupported types, non-matrix shapes or data outside the file.
    package init(file: GGUFFile, info: GGUFTensorInfo) throws(QuantizedMatrixError) {
        let shape = info.rowMajorShape
        guard shape.count == 2 else { throw .badShape(tensor: info.name, shape: shape, blockSize: info.type.blockSize) }
        guard let range = try? file.byteRange(of: info) else {
            throw .byteCountMismatch(
                tensor: info.name, expected: info.byteCount,
                actual: max(file.fileSize - file.dataOffset - info.offset, 0))
        }
        try self.init(
            name: info.name, type: info.type, rows: shape[0], columns: shape[1],
            bytes: UnsafeRawBufferPointer(rebasing: file.region.bytes[range]), owner: file.region)
    }

    /// A matrix over a copy of `bytes` (e.g. blocks built in a test).
    package init(name: String = "<bytes>", type: GGMLType, rows: Int, columns: Int, bytes: [UInt8])
        throws(QuantizedMatrixError)
    {
        let box = ByteBox(bytes)
        try self.init(
            name: name, type: type, rows: rows, columns: columns,
            bytes: UnsafeRawBufferPointer(start: box.pointer, count: bytes.count), owner: box)
    }

    /// y = x·Wᵀ for `x` holding n rows of `columns` floats: (n, columns) → (n, rows), row-major.
    package func multiply(_ x: [Float]) -> [Float] {
        precondition(x.count % columns == 0, "QuantizedMatrix \(name): \(x.count) inputs are not rows of \(columns)")
        let n = x.count / columns
        let activations = x.withUnsafeBufferPointer { QuantizedActivations($0, rows: n, columns: columns) }
        return multiply(activations)
    }

    /// y = x·Wᵀ for activations already quantised (shared by matrices that read the same input).
    package func multiply(_ x: QuantizedActivations, useAVX2: Bool = QuantizedKernels.usesAVX2) -> [Float] {
        Self.multiply([self], x, useAVX2: useAVX2)[0]
    }

    /// y_i = x·W_iᵀ, (n, columns) → (n, rows_i), for matrices that read the same activations (a
    /// block's q/k/v, or gate/up), as one parallel job over all their rows (WorkerPool).
    package static func multiply(
        _ matrices: [QuantizedMatrix], _ x: QuantizedActivations, useAVX2: Bool = QuantizedKernels.usesAVX2
    ) -> [[Float]] {
        let n = x.rows
        guard n > 0 else { return matrices.map { _ in [] } }
        let outputs = matrices.map { UnsafeMutablePointer<Float>.allocate(capacity: n * $0.rows) }
        defer { outputs.forEach { $0.deallocate() } }
        multiply(matrices, x, into: outputs, useAVX2: useAVX2)
        return zip(matrices, outputs).map { m, y in Array(UnsafeBufferPointer(start: y, count: n * m.rows)) }
    }

    /// The same, writing product i into outputs[i], (n, rows_i) floats the caller owns.
    static func multiply(
        _ matrices: [QuantizedMatrix], _ x: QuantizedActivations, into outputs: [UnsafeMutablePointer<Float>],
        useAVX2: Bool = QuantizedKernels.usesAVX2
    ) {
        precondition(
            outputs.count == matrices.count, "QuantizedMatrix: \(matrices.count) products but \(outputs.count) outputs")
        for m in matrices {
            precondition(
                x.columns == m.columns,
                "QuantizedMatrix \(m.name): input rows have \(x.columns) values, not \(m.columns)")
        }
        guard x.rows > 0 else { return }
        // Work is split in units: groups of eight rows for repacked matrices, else single rows.
        let packed = matrices.map { useAVX2 && AVX2Kernels.available ? $0.packed : nil }
        let units = zip(matrices, packed).map { m, p in p != nil ? (m.rows + 7) / 8 : m.rows }
        let target = SendableOutputs(pointers: outputs)
        forEachUnitRange(units, work: matrices.reduce(0) { $0 + $1.rows * $1.columns }) { i, range in
            if let rows = packed[i] {
                matrices[i].groupRange(range, rows, x, target.pointers[i])
            } else {
                matrices[i].rowRange(range, x, target.pointers[i], avx2: useAVX2)
            }
        }
    }

    /// Splits the work units of several matrices (units[i] of matrix i: row groups, rows or
    /// panels), counted as one range, into parts on the WorkerPool (one part when `work` is
    /// below `parallelThreshold`) and calls body(i, matrix i's units in that part).
    static func forEachUnitRange(_ units: [Int], work: Int, spinAfter: Bool = true, _ body: (Int, Range<Int>) -> Void) {
        let starts = units.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1) }  // first global unit of each
        let total = starts[starts.count - 1]
        let pool = WorkerPool.shared
        let parts = work >= parallelThreshold ? min(total, 4 * (pool.workerCount + 1)) : 1
        pool.run(parts: parts, spinAfter: spinAfter) { part in
            let lo = total * part / parts
            let hi = total * (part + 1) / parts
            for i in units.indices {
                let begin = max(lo, starts[i])
                let end = min(hi, starts[i + 1])
                if begin < end { body(i, (begin - starts[i])..<(end - starts[i])) }
            }
        }
    }

    /// Output rows of the eight-row groups `range` (repacked AVX2 kernels).
    private func groupRange(
        _ range: Range<Int>, _ packed: PackedRows, _ x: QuantizedActivations, _ y: UnsafeMutablePointer<Float>
    ) {
        x.withByteBuffers { q, scale, sum, _ in
            let (begin, end, blocks) = (range.lowerBound, range.upperBound, columns / 32)
            if type == .q8_0 {
                arbiter_q8_0_x8_avx2(packed.bytes, begin, end, blocks, q, scale, x.rows, y, rows, rows)
            } else {
                arbiter_q4_x8_avx2(packed.bytes, begin, end, blocks, q, scale, sum, x.rows, y, rows, rows)
            }
        }
    }

    /// Output rows `range` for every activation row: y[b·rows + r] = W[r]·x[b].
    private func rowRange(_ range: Range<Int>, _ x: QuantizedActivations, _ y: UnsafeMutablePointer<Float>, avx2: Bool)
    {
        if avx2 && QuantizedKernels.avx2Available {
            x.withByteBuffers { q, scale, sum, qsum in
                let (begin, end, blocks) = (range.lowerBound, range.upperBound, columns / 32)
                switch type {
                case .q4_1: arbiter_q4_1_rows_avx2(base, rowBytes, begin, end, blocks, q, scale, sum, x.rows, y, rows)
                case .q4_0: arbiter_q4_0_rows_avx2(base, rowBytes, begin, end, blocks, q, scale, qsum, x.rows, y, rows)
                default: arbiter_q8_0_rows_avx2(base, rowBytes, begin, end, blocks, q, scale, sum, x.rows, y, rows)
                }
            }
            return
        }
        HalfPrecision.float16Table.withUnsafeBufferPointer { tableBuffer in
            x.withBuffers { q, scale, sum, qsum in
                guard let table = tableBuffer.baseAddress else { return }
                let blocks = columns / 32
                let rows = self.rows
                for r in range {
                    let w = base + r * rowBytes
                    for b in 0..<x.rows {
                        let xq = q + b * columns
                        let first = b * blocks
                        let dot: Float
                        switch type {
                        case .q4_1: dot = QuantizedDot.q4_1(w, xq, scale + first, sum + first, blocks, table)
                        case .q4_0: dot = QuantizedDot.q4_0(w, xq, scale + first, qsum + first, blocks, table)
                        default: dot = QuantizedDot.q8_0(w, xq, scale + first, blocks, table)
                        }
                        y[b * rows + r] = dot
                    }
                }
            }
        }
    }
}

/// Which block kernels run: the AVX2 ones (CArbiterKernels) when the CPU has AVX2, FMA and
/// F16C and `ARBITER_NO_AVX2` is not set; otherwise the portable Swift ones
/// (QuantizedMatVec+Legacy.swift). Both compute the same integer block sums.
package enum QuantizedKernels {
    package static var avx2Available: Bool { AVX2Kernels.available }
    package static var usesAVX2: Bool { AVX2Kernels.enabled }
}

/// A matrix's blocks repacked eight rows at a time (`arbiter_x8_repack`), in a 64-byte aligned
/// allocation; nil from init when the type has no repacked kernel or a Q4_0 scale cannot be
/// stored as Q4_1 exactly.
final class PackedRows: @unchecked Sendable {
    let bytes: UnsafeMutablePointer<UInt8>

    init?(type: GGMLType, base: UnsafeRawPointer, rowBytes: Int, rows: Int, blocks: Int) {
        guard let kind = type.repackKind else { return nil }
        let source = base.assumingMemoryBound(to: UInt8.self)
        guard
            let copy = alignedRepack(
                count: arbiter_x8_packed_bytes(kind, rows, blocks),
                {
                    arbiter_x8_repack(kind, source, rowBytes, rows, blocks, $0) == 1
                })
        else { return nil }
        bytes = copy
    }

    deinit { bytes.deallocate() }
}

extension GGMLType {
    /// The CArbiterKernels repack kind (`ARBITER_X8_*`) of a type with quantised kernels.
    var repackKind: Int32? {
        switch self {
        case .q4_0: return ARBITER_X8_Q4_0
        case .q4_1: return ARBITER_X8_Q4_1
        case .q8_0: return ARBITER_X8_Q8_0
        default: return nil
        }
    }
}

/// A 64-byte aligned allocation of `count` bytes written by `fill`; nil (and freed) when `fill`
/// reports failure. The caller owns and deallocates the result.
func alignedRepack(count: Int, _ fill: (UnsafeMutablePointer<UInt8>) -> Bool) -> UnsafeMutablePointer<UInt8>? {
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
    let target = raw.bindMemory(to: UInt8.self, capacity: max(count, 1))
    guard fill(target) else {
        raw.deallocate()
        return nil
    }
    return target
}

/// A `Value?` made once, by the first caller (others wait for it).
final class LazyValue<Value: AnyObject & Sendable>: Sendable {
    private enum State {
        case pending
        case done(Value?)
    }
    private let state = Mutex<State>(.pending)

    func value(_ make: () -> Value?) -> Value? {
        state.withLock { state in
            if case .done(let rows) = state { return rows }
            let rows = make()
            state = .done(rows)
            return rows
        }
    }
}

/// Owns the bytes of a matrix built from an array.
private final class ByteBox {
    let pointer: UnsafeMutableRawPointer
    init(_ bytes: [UInt8]) {
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes {
            pointer.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(pointer), byteCount: $0.count)
        }
    }
    deinit { pointer.deallocate() }
}

/// The output buffers handed to worker threads; each part writes a disjoint set of rows.
struct SendableOutputs: @unchecked Sendable {
    let pointers: [UnsafeMutablePointer<Float>]
}
