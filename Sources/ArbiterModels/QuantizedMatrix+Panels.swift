// QuantizedMatrix+Panels: y = x·Wᵀ for many activation rows at once (a prompt's prefill) from a
// Q4_0/Q4_1/Q8_0 matrix's blocks, the arithmetic of the decode kernels (8-bit activations, exact
// integer block dots, one scale per block) in matrix-matrix form: the blocks repacked sixteen
// rows at a time (`PanelRows`, made once on first use) and the p16 kernels of CArbiterKernels
// (kernels_p16_gemm.c for Q4, kernels_p16_q8.c for Q8_0), which need no horizontal sums. Three forms with bit-identical results:
// AVX-512 VNNI, AVX2, portable C (`PanelKernel`). Inference only, no gradient. Not the decode
// (few-row) kernels: QuantizedMatrix.swift.
import ArbiterTensor
import CArbiterKernels
import Foundation

/// Which form of the p16 matrix-matrix kernel runs.
package enum PanelKernel: Sendable, CaseIterable {
    /// AVX-512 F/BW/VL + VNNI (vpdpbusd): sixteen rows per instruction.
    case vnni
    /// AVX2 + FMA (vpmaddubsw, vpmaddwd): eight rows per instruction.
    case avx2
    /// Portable C, one lane at a time.
    case portable

    /// Whether this CPU can run the form.
    package var isAvailable: Bool {
        switch self {
        case .vnni: return Self.vnniAvailable
        case .avx2: return AVX2Kernels.available
        case .portable: return true
        }
    }

    private static let vnniAvailable = arbiter_kernels_avx512vnni_available() != 0

    /// The form products use: VNNI where the CPU has it and `ARBITER_NO_AVX512` is not set, else
    /// AVX2 where `AVX2Kernels.enabled`, else portable C.
    package static let best: PanelKernel = {
        if vnniAvailable, AVX2Kernels.enabled, ProcessInfo.processInfo.environment["ARBITER_NO_AVX512"] == nil {
            return .vnni
        }
        return AVX2Kernels.enabled ? .avx2 : .portable
    }()
}

/// A matrix's blocks repacked sixteen rows at a time (`arbiter_p16_repack`, or
/// `arbiter_p16_q8_repack` for Q8_0), 64-byte aligned.
final class PanelRows: @unchecked Sendable {
    let bytes: UnsafeMutablePointer<UInt8>

    /// nil when the type has no p16 form.
    init?(type: GGMLType, base: UnsafeRawPointer, rowBytes: Int, rows: Int, blocks: Int) {
        guard QuantizedMatrix.panelTypes.contains(type), let kind = type.repackKind else { return nil }
        let source = base.assumingMemoryBound(to: UInt8.self)
        let count = type == .q8_0 ? arbiter_p16_q8_packed_bytes(rows, blocks) : arbiter_p16_packed_bytes(rows, blocks)
        guard
            let copy = alignedRepack(
                count: count,
                {
                    if type == .q8_0 {
                        arbiter_p16_q8_repack(source, rowBytes, rows, blocks, $0)
                        return true
                    }
                    return arbiter_p16_repack(kind, source, rowBytes, rows, blocks, $0) == 1
                })
        else { return nil }
        bytes = copy
    }

    deinit { bytes.deallocate() }
}

extension QuantizedMatrix {
    /// Types with a matrix-matrix (prefill) kernel.
    package static let panelTypes: [GGMLType] = [.q4_0, .q4_1, .q8_0]

    /// Whether `multiplyPanels` accepts this matrix.
    package var hasPanelKernel: Bool { Self.panelTypes.contains(type) }

    /// The sixteen-row repacked blocks, made on first call (nil for types without a p16 form).
    var panels: PanelRows? {
        panelStore.value { PanelRows(type: type, base: base, rowBytes: rowBytes, rows: rows, blocks: columns / 32) }
    }

    /// y_i = x·W_iᵀ, (n, columns) → (n, rows_i), for matrices that read the same activations,
    /// as one parallel job over all their sixteen-row panels (WorkerPool).
    package static func multiplyPanels(
        _ matrices: [QuantizedMatrix], _ x: QuantizedActivations, kernel: PanelKernel = .best
    ) -> [[Float]] {
        precondition(kernel.isAvailable, "QuantizedMatrix: the \(kernel) kernel cannot run on this CPU")
        let panels = matrices.map { m -> PanelRows in
            precondition(
                x.columns == m.columns,
                "QuantizedMatrix \(m.name): input rows have \(x.columns) values, not \(m.columns)")
            guard let p = m.panels else {
                preconditionFailure("QuantizedMatrix \(m.name): \(m.type.name) has no matrix-matrix kernel")
            }
            return p
        }
        let n = x.rows
        guard n > 0 else { return matrices.map { _ in [] } }
        let units = matrices.map { ($0.rows + 15) / 16 }
        let work = matrices.reduce(0) { $0 + $1.rows * $1.columns } * n
        let sources = SendablePanels(rows: panels)
        // The kernels write every output element, straight into the arrays returned.
        return uninitializedArrays(counts: matrices.map { n * $0.rows }) { outputs in
            let target = SendableOutputs(pointers: outputs)
            x.withByteBuffers { q, scale, sum, codeSum in
                let inputs = SendableActivations(q: q, d: scale, s: sum, codeSums: codeSum)
                forEachUnitRange(units, work: work, spinAfter: false) { i, range in
                    let m = matrices[i]
                    let (p, y, blocks) = (sources.rows[i].bytes, target.pointers[i], m.columns / 32)
                    let (first, last) = (range.lowerBound, range.upperBound)
                    if m.type == .q8_0 {
                        switch kernel {
                        case .vnni:
                            arbiter_p16_q8_gemm_vnni(
                                p, first, last, blocks, inputs.q, inputs.d, inputs.codeSums, n, y, m.rows, m.rows)
                        case .avx2:
                            arbiter_p16_q8_gemm_avx2(p, first, last, blocks, inputs.q, inputs.d, n, y, m.rows, m.rows)
                        case .portable:
                            arbiter_p16_q8_gemm_c(p, first, last, blocks, inputs.q, inputs.d, n, y, m.rows, m.rows)
                        }
                        return
                    }
                    switch kernel {
                    case .vnni:
                        arbiter_p16_gemm_vnni(
                            p, first, last, blocks, inputs.q, inputs.d, inputs.s, n, y, m.rows, m.rows)
                    case .avx2:
                        arbiter_p16_gemm_avx2(
                            p, first, last, blocks, inputs.q, inputs.d, inputs.s, n, y, m.rows, m.rows)
                    case .portable:
                        arbiter_p16_gemm_c(p, first, last, blocks, inputs.q, inputs.d, inputs.s, n, y, m.rows, m.rows)
                    }
                }
            }
        }
    }
}

/// Arrays of `counts[i]` floats that `fill` must write completely, given their storage.
private func uninitializedArrays(counts: [Int], _ fill: ([UnsafeMutablePointer<Float>]) -> Void) -> [[Float]] {
    func build(_ i: Int, _ pointers: [UnsafeMutablePointer<Float>]) -> [[Float]] {
        guard i < counts.count else {
            fill(pointers)
            return []
        }
        var rest: [[Float]] = []
        let array = [Float](unsafeUninitializedCapacity: max(counts[i], 1)) { buffer, count in
            guard let base = buffer.baseAddress else { preconditionFailure("uninitializedArrays: no storage") }
            rest = build(i + 1, pointers + [base])
            count = counts[i]
        }
        return [array] + rest
    }
    return build(0, [])
}

/// The repacked matrices handed to worker threads (read only).
private struct SendablePanels: @unchecked Sendable {
    let rows: [PanelRows]
}

/// The quantised activations' buffers handed to worker threads (read only, alive for the job).
private struct SendableActivations: @unchecked Sendable {
    let q: UnsafePointer<Int8>
    let d: UnsafePointer<Float>
    let s: UnsafePointer<Float>
    let codeSums: UnsafePointer<Float>
}
