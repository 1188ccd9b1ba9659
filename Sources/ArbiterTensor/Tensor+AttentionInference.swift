// Tensor+AttentionInference: the forward-only path `Tensor.attention` takes when gradients are not
// recorded (generation, scoring, judging). Work is split into (batch, query head, block of 64
// query rows) tasks run in parallel (decode steps: on the WorkerPool with our SIMD loops; prompts:
// on Dispatch), each on one core with single-threaded BLAS: S = q·kᵀ over the
// keys the block can see (causal blocks stop at their last row's limit, so the masked half of
// the square is never multiplied), a masked softmax with vector exp (the AVX2 row kernel of
// CArbiterKernels where it runs, else SIMD8 Swift), then O = P·v over the same
// keys. Nothing is saved for backward. A query with no valid key outputs zeros, as in the
// recorded path. Shapes: q (B, Hq, Tq, D), k (B, Hkv, Tk, D), v (B, Hkv, Tk, Dv) → (B, Hq, Tq, Dv).
import CArbiterKernels
import COpenBLAS
import Foundation

extension AttentionPayload {
    /// Query rows per task.
    static let inferenceBlockRows = 64

    /// Number of keys a block of query rows i0..<i1 can see (causal limit of its last row).
    @inline(__always) func visibleKeys(rowsEndingAt i1: Int) -> Int {
        causal ? Swift.min(tk, tk - tq + i1) : tk
    }

    /// The forward-only output (B, Hq, Tq, Dv) of softmax(q·kᵀ·scale + mask)·v. kv head h of
    /// batch row b starts at k + (b·Hkv + h)·keyStride (default: contiguous, Tk·D) and likewise v.
    /// `allowCKernels` false keeps to the Swift loops (no AVX2 row or softmax kernel).
    func inferenceForward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
        keyStride: Int? = nil, valueStride: Int? = nil, allowCKernels: Bool = AVX2Kernels.enabled
    ) {
        let keyStride = keyStride ?? tk * d
        let valueStride = valueStride ?? tk * dv
        let blockRows = Self.inferenceBlockRows
        let blocks = (tq + blockRows - 1) / blockRows
        let tasks = b * hq * blocks
        let work = b * hq * tq * tk * (d + dv)  // multiply-adds of the unmasked products
        // Prompt-sized blocks multiply on BLAS; a few query rows (decode steps) use our loops, whose
        // per-head tasks are too short for Dispatch and run on the spinning WorkerPool instead.
        let useBLAS = tq >= 16 && tq * tk * (d + dv) >= 1 << 15
        let parallel = TensorParallel.workers > 1 && tasks > 1 && work >= (useBLAS ? 1 << 18 : 1 << 15)
        let rowKernel = !useBLAS && d == dv && allowCKernels && AVX2Kernels.available  // one C call per query row
        let softmaxKernel = allowCKernels && AVX2Kernels.available
        var mask: UnsafeMutablePointer<UInt8>?  // (B, Tk) key validity as bytes for the C kernel
        if rowKernel, case .mask(let m) = padding {
            let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: m.count)
            for (j, ok) in m.enumerated() { bytes[j] = ok ? 1 : 0 }
            mask = bytes
        }
        defer { mask?.deallocate() }
        let run: (Int) -> Void = { task in
            let block = task % blocks
            let head = (task / blocks) % hq
            let bi = task / (blocks * hq)
            let i0 = block * blockRows
            let i1 = Swift.min(tq, i0 + blockRows)
            let keys = visibleKeys(rowsEndingAt: i1)
            let kvHead = bi * hkv + head / group
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, (i1 - i0) * keys))
            defer { scores.deallocate() }
            if rowKernel {
                for i in i0..<i1 {
                    var limit = causal ? Swift.min(keys, tk - tq + i + 1) : keys
                    var valid: UnsafePointer<UInt8>?
                    switch padding {
                    case .none: break
                    case .lengths(let l): limit = Swift.min(limit, l[bi])
                    case .mask: valid = mask.map { UnsafePointer($0 + bi * tk) }
                    }
                    arbiter_attention_row_avx2(
                        q + ((bi * hq + head) * tq + i) * d, k + kvHead * keyStride, v + kvHead * valueStride,
                        Swift.max(limit, 0), d,
                        scale, valid, scores, out + ((bi * hq + head) * tq + i) * dv)
                }
                return
            }
            inferenceTask(
                batch: bi, rows: i0..<i1, keys: keys, q: q + ((bi * hq + head) * tq + i0) * d,
                k: k + kvHead * keyStride,
                v: v + kvHead * valueStride, scores: scores, out: out + ((bi * hq + head) * tq + i0) * dv,
                useBLAS: useBLAS,
                softmaxKernel: softmaxKernel)
        }
        if parallel && !useBLAS {
            WorkerPool.shared.run(parts: tasks, run)
        } else if parallel {
            BLASThreads.withSingleThread {
                withoutActuallyEscaping(run) { run in
                    let box = UncheckedSendableBox(run)
                    DispatchQueue.concurrentPerform(iterations: tasks) { box.value($0) }
                }
            }
        } else {
            if useBLAS { _ = BLASThreads.configureOnce }
            for task in 0..<tasks { run(task) }
        }
    }

    /// One task: query rows `rows` of one head; q (rows, D), k/v the kv head's (Tk, D/Dv) rows,
    /// scores scratch (rows, keys), out (rows, Dv).
    private func inferenceTask(
        batch bi: Int, rows: Range<Int>, keys: Int, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
        v: UnsafePointer<Float>,
        scores s: UnsafeMutablePointer<Float>, out o: UnsafeMutablePointer<Float>, useBLAS: Bool, softmaxKernel: Bool
    ) {
        let n = rows.count
        guard keys > 0 else {
            o.update(repeating: 0, count: n * dv)
            return
        }
        if useBLAS {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(keys), Int32(d), scale, q, Int32(d), k,
                Int32(d), 0, s, Int32(keys))
        } else {
            for r in 0..<n {
                for j in 0..<keys { s[r * keys + j] = scale * GEMM.dot(q + r * d, k + j * d, d) }
            }
        }
        for r in 0..<n {
            let i = rows.lowerBound + r
            let limit = causal ? Swift.min(keys, tk - tq + i + 1) : keys  // keys 0..<limit are not in the future
            maskedSoftmax(s + r * keys, count: keys, limit: limit, batch: bi, kernel: softmaxKernel)
        }
        if useBLAS {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(dv), Int32(keys), 1, s, Int32(keys), v,
                Int32(dv), 0, o, Int32(dv))
        } else {
            for r in 0..<n {
                let orow = o + r * dv
                orow.update(repeating: 0, count: dv)
                for j in 0..<keys where s[r * keys + j] != 0 { Self.axpy(s[r * keys + j], v + j * dv, orow, dv) }
            }
        }
    }

    /// In place: row[j] ← softmax over the visible j < limit (padding applied), 0 elsewhere; with
    /// `kernel`, the exp and sums run in CArbiterKernels' AVX2 row softmax.
    private func maskedSoftmax(_ row: UnsafeMutablePointer<Float>, count: Int, limit: Int, batch bi: Int, kernel: Bool)
    {
        if kernel {
            if case .none = padding {
            } else {
                for j in 0..<limit where !padding.isValid(batch: bi, key: j, keys: tk) { row[j] = -.infinity }
            }
            arbiter_softmax_row_avx2(row, limit, count)
            return
        }
        var maximum = -Float.infinity
        switch padding {
        case .none:
            var lanes = SIMD8<Float>(repeating: -.infinity)
            var j = 0
            while j + 8 <= limit {
                let x = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
                lanes.replace(with: x, where: x .> lanes)
                j += 8
            }
            maximum = lanes.max()
            while j < limit {
                maximum = Swift.max(maximum, row[j])
                j += 1
            }
        default:
            for j in 0..<limit {
                if padding.isValid(batch: bi, key: j, keys: tk) {
                    maximum = Swift.max(maximum, row[j])
                } else {
                    row[j] = -.infinity
                }
            }
        }
        (row + limit).update(repeating: 0, count: count - limit)
        guard maximum > -.infinity else {
            row.update(repeating: 0, count: limit)
            return
        }
        var sum = SIMD8<Float>.zero
        var j = 0
        let m = SIMD8<Float>(repeating: maximum)
        let floor = SIMD8<Float>(repeating: -.infinity)
        while j + 8 <= limit {
            let x = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
            let e = simdExp(x - m).replacing(with: 0, where: x .== floor)
            UnsafeMutableRawPointer(row + j).storeBytes(of: e, as: SIMD8<Float>.self)
            sum += e
            j += 8
        }
        var total = sum.sum()
        while j < limit {
            row[j] = row[j] == -.infinity ? 0 : simdExp(row[j] - maximum)
            total += row[j]
            j += 1
        }
        let inverse = 1 / total
        j = 0
        while j + 8 <= limit {
            let scaled = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self) * inverse
            UnsafeMutableRawPointer(row + j).storeBytes(of: scaled, as: SIMD8<Float>.self)
            j += 8
        }
        while j < limit {
            row[j] *= inverse
            j += 1
        }
    }

    /// y[i] += alpha·x[i] over n floats.
    @inline(__always) static func axpy(
        _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        let a = SIMD8<Float>(repeating: alpha)
        var i = 0
        while i + 8 <= n {
            let r =
                UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self) + a
                * UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: r, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            y[i] += alpha * x[i]
            i += 1
        }
    }
}

extension Tensor {
    /// Forward-only causal-or-not attention of q (B, Hq, Tq, D) over keys and values held outside
    /// a Tensor (a preallocated KV cache): kv head h of batch row b is `keyCount` rows of D floats
    /// at keys + (b·Hkv + h)·headStride (values likewise). Same masking rules as `attention`;
    /// nothing is recorded. → (B, Hq, Tq, D).
    package static func attention(
        query q: Tensor, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, keyValueHeads hkv: Int,
        keyCount tk: Int, headStride: Int, causal: Bool = true, padding: KeyPadding = .none
    ) -> Tensor {
        precondition(q.rank == 4, "attention: q \(q.shape.shapeString) is not (B, Hq, Tq, D)")
        let (b, hq, tq, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        var out = [Float](repeating: 0, count: b * hq * tq * d)
        q.storage.withUnsafeBufferPointer { pq in
            out.withUnsafeMutableBufferPointer { po in
                guard let q0 = pq.baseAddress, let o0 = po.baseAddress else { return }
                attention(
                    query: q0, shape: (b, hq, tq, d), keys: keys, values: values, keyValueHeads: hkv, keyCount: tk,
                    headStride: headStride, causal: causal, padding: padding, into: o0)
            }
        }
        return Tensor(out, shape: [b, hq, tq, d])
    }

    /// The same on raw buffers: q and out (B, Hq, Tq, D) row-major (the fused decode step).
    package static func attention(
        query q: UnsafePointer<Float>, shape: (b: Int, hq: Int, tq: Int, d: Int), keys: UnsafePointer<Float>,
        values: UnsafePointer<Float>, keyValueHeads hkv: Int, keyCount tk: Int, headStride: Int, causal: Bool = true,
        padding: KeyPadding = .none, into out: UnsafeMutablePointer<Float>
    ) {
        let (b, hq, tq, d) = shape
        precondition(hkv > 0 && hq % hkv == 0, "attention: \(hq) query heads do not fit \(hkv) kv heads")
        precondition(!causal || tk >= tq, "attention: causal attention needs Tk ≥ Tq")
        precondition(headStride >= tk * d, "attention: head stride \(headStride) is shorter than \(tk) keys of \(d)")
        if case .mask(let m) = padding {
            precondition(m.count == b * tk, "attention: key mask has \(m.count) entries, expected \(b * tk)")
        }
        let payload = AttentionPayload(
            b: b, hq: hq, hkv: hkv, tq: tq, tk: tk, d: d, dv: d, scale: 1 / Float(d).squareRoot(), causal: causal,
            padding: padding, lse: [])
        payload.inferenceForward(q: q, k: keys, v: values, out: out, keyStride: headStride, valueStride: headStride)
    }
}

/// Whether the CArbiterKernels AVX2 kernels run: the CPU has AVX2, FMA and F16C, and
/// `ARBITER_NO_AVX2` is not set (which forces the portable Swift code, e.g. to compare paths).
package enum AVX2Kernels {
    package static let available = arbiter_kernels_avx2_available() != 0
    package static let enabled = available && ProcessInfo.processInfo.environment["ARBITER_NO_AVX2"] == nil
}
