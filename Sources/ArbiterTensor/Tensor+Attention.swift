// Tensor+Attention: scaled-dot-product attention over (B, H, T, D) with optional causal masking,
// key padding (per-batch key lengths or a (B, Tk) bool mask) and grouped-query heads
// (Hq = g · Hkv; query head h reads kv head h / g). Forward, backward and naive reference.
// Work is split over (batch, kv head) units, each owning its g query heads, so backward writes of
// dk/dv never race. A unit's g query heads are contiguous, so they are stacked into one
// (g·Tq, D) matrix and every product is a single GEMM per unit. Small heads run units in
// parallel with our own loops; large ones (T around 512) run units one after another with each
// GEMM on BLAS (which threads itself) and the softmax rows split over cores. Backward
// recomputes the probabilities from the saved (B, Hq, Tq) row logsumexps, so the tape holds
// O(B·H·T) extra floats; scores are materialised one (g·Tq, Tk) unit at a time (not a tiled
// flash-attention kernel). When nothing is recorded (no-grad inference) the forward runs the
// forward-only kernel in Tensor+AttentionInference.swift instead.
import COpenBLAS

/// Which keys each batch row may attend to (besides the causal limit).
public enum KeyPadding: Sendable, Hashable {
    /// Every key is valid.
    case none
    /// Batch row b attends to keys 0..<lengths[b] (count B).
    case lengths([Int])
    /// mask[b · Tk + j] is true when key j of batch row b is valid ((B, Tk) row-major).
    case mask([Bool])

    func isValid(batch b: Int, key j: Int, keys tk: Int) -> Bool {
        switch self {
        case .none: return true
        case .lengths(let l): return j < l[b]
        case .mask(let m): return m[b * tk + j]
        }
    }
}

struct AttentionPayload {
    let b: Int, hq: Int, hkv: Int, tq: Int, tk: Int, d: Int, dv: Int
    let scale: Float
    let causal: Bool
    let padding: KeyPadding
    let lse: [Float]  // (B, Hq, Tq) logsumexp of each score row; −∞ for a row with no valid key

    /// Whether query i of batch row b may attend to key j.
    @inline(__always) func visible(batch b: Int, query i: Int, key j: Int) -> Bool {
        (!causal || j <= tk - tq + i) && padding.isValid(batch: b, key: j, keys: tk)
    }

    /// Query heads per kv head.
    var group: Int { hq / hkv }

    /// Whether units are large enough to run their GEMMs on BLAS, one unit at a time (per-unit
    /// multiply-adds ≥ 2²¹, e.g. T = 128 with D = 64); smaller units run in parallel on our loops.
    var usesBLAS: Bool { group * tq * tk * (d + dv) >= 1 << 21 }

    /// Runs `body` over disjoint ranges of the b·hkv units: in parallel for small units, serially
    /// (BLAS and the row loops parallelise inside) for large ones.
    func forEachUnitChunk(cost: Int, _ body: (Range<Int>) -> Void) {
        if usesBLAS {
            _ = BLASThreads.configureOnce
            body(0..<(b * hkv))
        } else {
            TensorParallel.forEachChunk(b * hkv, costPerItem: cost, body)
        }
    }

    /// Writes the (g·Tq, Tk) probabilities of one unit's g stacked query heads into `scores`:
    /// S = q·kᵀ, then either a fresh softmax (recording each row's logsumexp into `lseOut`) or,
    /// when `lseIn` is given, exp(S·scale − lse) from the forward's statistics. Masked entries
    /// become 0. q (g·Tq, D), k (Tk, D); lse pointers cover the unit's g·Tq rows.
    func probabilities(
        batch bi: Int, q: UnsafePointer<Float>, k: UnsafePointer<Float>, scores s: UnsafeMutablePointer<Float>,
        lseIn: UnsafePointer<Float>?, lseOut: UnsafeMutablePointer<Float>?
    ) {
        let rows = group * tq
        if usesBLAS && causal {
            // Causal: a block of query rows only needs keys up to its last row's limit; the
            // columns past it stay stale and are never read (the row loop masks them).
            let blockRows = 64
            for head in 0..<group {
                for i0 in stride(from: 0, to: tq, by: blockRows) {
                    let i1 = Swift.min(i0 + blockRows, tq)
                    let limit = Swift.min(tk, tk - tq + i1)
                    let r0 = head * tq + i0
                    BLASThreads.withConfiguredThreads {
                        cblas_sgemm(
                            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(i1 - i0), Int32(limit), Int32(d), 1,
                            q + r0 * d, Int32(d), k, Int32(d), 0, s + r0 * tk, Int32(tk))
                    }
                }
            }
        } else {
            GEMM.run(
                transposeA: false, transposeB: true, m: rows, n: tk, k: d, a: q, b: k, beta: 0, c: s,
                allowBLAS: usesBLAS)
        }
        TensorParallel.forEachChunk(usesBLAS ? rows : 1, costPerItem: tk * 16) { chunk in
            softmaxRows(usesBLAS ? chunk : 0..<rows, batch: bi, scores: s, lseIn: lseIn, lseOut: lseOut)
        }
    }

    /// The row part of `probabilities` for stacked rows `range` (row r is query r mod Tq).
    private func softmaxRows(
        _ range: Range<Int>, batch bi: Int, scores s: UnsafeMutablePointer<Float>,
        lseIn: UnsafePointer<Float>?, lseOut: UnsafeMutablePointer<Float>?
    ) {
        for r in range {
            let i = r % tq
            let row = s + r * tk
            if let lseIn {
                let l = lseIn[r]
                for j in 0..<tk {
                    row[j] = l > -.infinity && visible(batch: bi, query: i, key: j) ? elementExp(row[j] * scale - l) : 0
                }
                continue
            }
            var m = -Float.infinity
            for j in 0..<tk {
                row[j] = visible(batch: bi, query: i, key: j) ? row[j] * scale : -.infinity
                m = Swift.max(m, row[j])
            }
            if m == -.infinity {
                for j in 0..<tk { row[j] = 0 }
                lseOut?[r] = -.infinity
                continue
            }
            var sum: Float = 0
            for j in 0..<tk {  // masked keys (−∞) give exactly 0; skip the exp call for them
                row[j] = row[j] == -.infinity ? 0 : elementExp(row[j] - m)
                sum += row[j]
            }
            for j in 0..<tk { row[j] /= sum }
            lseOut?[r] = m + elementLog(sum)
        }
    }
}

extension Tensor {
    /// softmax(q·kᵀ·scale + mask)·v. q (B, Hq, Tq, D), k (B, Hkv, Tk, D), v (B, Hkv, Tk, Dv) with
    /// Hq a multiple of Hkv → (B, Hq, Tq, Dv). Causal: query i (at absolute position
    /// Tk − Tq + i) sees keys j ≤ Tk − Tq + i. Scale defaults to 1/√D. A query with no valid
    /// key outputs zeros. Only the (B, Hq, Tq) row logsumexps are kept for backward, which
    /// recomputes the probabilities head by head (memory O(B·H·T), not O(B·H·T²)).
    public static func attention(
        query q: Tensor, key k: Tensor, value v: Tensor, causal: Bool = true,
        padding: KeyPadding = .none, scale: Float? = nil
    ) -> Tensor {
        let desc = "attention: q \(q.shape.shapeString), k \(k.shape.shapeString), v \(v.shape.shapeString)"
        precondition(q.rank == 4 && k.rank == 4 && v.rank == 4, "\(desc): all need rank 4 (B, H, T, D)")
        let (b, hq, tq, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let (hkv, tk, dv) = (k.shape[1], k.shape[2], v.shape[3])
        precondition(k.shape[0] == b && v.shape[0] == b, "\(desc): batch sizes differ")
        precondition(k.shape[3] == d, "\(desc): query and key head dimensions \(d) and \(k.shape[3]) differ")
        precondition(v.shape[1] == hkv && v.shape[2] == tk, "\(desc): key and value disagree on (Hkv, Tk)")
        precondition(hkv > 0 && hq % hkv == 0, "\(desc): query heads \(hq) are not a multiple of kv heads \(hkv)")
        precondition(!causal || tk >= tq, "\(desc): causal attention needs Tk ≥ Tq")
        switch padding {
        case .none: break
        case .lengths(let l): precondition(l.count == b, "\(desc): \(l.count) key lengths for batch \(b)")
        case .mask(let m):
            precondition(m.count == b * tk, "\(desc): key mask has \(m.count) entries, expected (B, Tk) = \(b * tk)")
        }
        let shape = AttentionPayload(
            b: b, hq: hq, hkv: hkv, tq: tq, tk: tk, d: d, dv: dv, scale: scale ?? 1 / Float(d).squareRoot(),
            causal: causal, padding: padding, lse: [])
        if !(GradMode.isEnabled && [q, k, v].contains(where: { $0.tracksGrad })) {
            // Nothing will be recorded: the forward-only kernel (Tensor+AttentionInference.swift).
            var out = [Float](repeating: 0, count: b * hq * tq * dv)
            q.storage.withUnsafeBufferPointer { pq in
                k.storage.withUnsafeBufferPointer { pk in
                    v.storage.withUnsafeBufferPointer { pv in
                        out.withUnsafeMutableBufferPointer { po in
                            guard let q0 = pq.baseAddress, let k0 = pk.baseAddress, let v0 = pv.baseAddress,
                                let o0 = po.baseAddress
                            else { return }
                            shape.inferenceForward(q: q0, k: k0, v: v0, out: o0)
                        }
                    }
                }
            }
            return Tensor(out, shape: [b, hq, tq, dv])
        }
        var lse = [Float](repeating: 0, count: b * hq * tq)
        var out = [Float](repeating: 0, count: b * hq * tq * dv)
        let group = hq / hkv
        q.storage.withUnsafeBufferPointer { pq in
            k.storage.withUnsafeBufferPointer { pk in
                v.storage.withUnsafeBufferPointer { pv in
                    lse.withUnsafeMutableBufferPointer { pl in
                        out.withUnsafeMutableBufferPointer { po in
                            guard let q0 = pq.baseAddress, let k0 = pk.baseAddress, let v0 = pv.baseAddress,
                                let l0 = pl.baseAddress, let o0 = po.baseAddress
                            else { return }
                            let rows = group * tq  // the unit's stacked query rows
                            shape.forEachUnitChunk(cost: rows * tk * (d + dv)) { units in
                                var scores = [Float](repeating: 0, count: rows * tk)  // (g·Tq, Tk) scratch
                                scores.withUnsafeMutableBufferPointer { ps in
                                    guard let s = ps.baseAddress else { return }
                                    for unit in units {
                                        let bi = unit / hkv
                                        let kh = unit % hkv
                                        let kp = k0 + (bi * hkv + kh) * tk * d
                                        let vp = v0 + (bi * hkv + kh) * tk * dv
                                        let head = bi * hq + kh * group  // first of the unit's g query heads
                                        shape.probabilities(
                                            batch: bi, q: q0 + head * tq * d, k: kp, scores: s, lseIn: nil,
                                            lseOut: l0 + head * tq)
                                        // out (g·Tq, Dv) = P (g·Tq, Tk) · v (Tk, Dv)
                                        GEMM.run(
                                            transposeA: false, transposeB: false, m: rows, n: dv, k: tk, a: s, b: vp,
                                            beta: 0, c: o0 + head * tq * dv, allowBLAS: shape.usesBLAS)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let p = AttentionPayload(
            b: b, hq: hq, hkv: hkv, tq: tq, tk: tk, d: d, dv: dv, scale: shape.scale, causal: causal, padding: padding,
            lse: lse)
        return recorded(out, shape: [b, hq, tq, dv], op: .attention, inputs: [q, k, v], payload: p)
    }

    /// P recomputed from the saved logsumexp; dP = dO·vᵀ; dS = P ⊙ (dP − rowsum(dP ⊙ P));
    /// dq = dS·k·scale; dk += dSᵀ·q·scale; dv += Pᵀ·dO.
    static let attentionBackward: BackwardRule = { node, g in
        let p = node.payload(as: AttentionPayload.self)
        let q = node.inputs[0]
        let k = node.inputs[1]
        let v = node.inputs[2]
        let group = p.hq / p.hkv
        var dq = [Float](repeating: 0, count: q.count)
        var dk = [Float](repeating: 0, count: k.count)
        var dv = [Float](repeating: 0, count: v.count)
        q.storage.withUnsafeBufferPointer { pq in
            k.storage.withUnsafeBufferPointer { pk in
                v.storage.withUnsafeBufferPointer { pv in
                    p.lse.withUnsafeBufferPointer { pl in
                        g.withUnsafeBufferPointer { pg in
                            dq.withUnsafeMutableBufferPointer { pdq in
                                dk.withUnsafeMutableBufferPointer { pdk in
                                    dv.withUnsafeMutableBufferPointer { pdv in
                                        guard let q0 = pq.baseAddress, let k0 = pk.baseAddress, let v0 = pv.baseAddress,
                                            let l0 = pl.baseAddress,
                                            let g0 = pg.baseAddress, let dq0 = pdq.baseAddress,
                                            let dk0 = pdk.baseAddress, let dv0 = pdv.baseAddress
                                        else { return }
                                        let rows = group * p.tq
                                        let blas = p.usesBLAS  // the unit's stacked query rows
                                        p.forEachUnitChunk(cost: rows * p.tk * (p.d + p.dv) * 3) { units in
                                            // P and dS, (g·Tq, Tk) each
                                            var scratch = [Float](repeating: 0, count: 2 * rows * p.tk)
                                            scratch.withUnsafeMutableBufferPointer { pscratch in
                                                guard let P = pscratch.baseAddress else { return }
                                                let ds = P + rows * p.tk
                                                for unit in units {
                                                    let bi = unit / p.hkv
                                                    let kh = unit % p.hkv
                                                    let kvHead = bi * p.hkv + kh
                                                    let kp = k0 + kvHead * p.tk * p.d
                                                    let vp = v0 + kvHead * p.tk * p.dv
                                                    let dkp = dk0 + kvHead * p.tk * p.d
                                                    let dvp = dv0 + kvHead * p.tk * p.dv
                                                    // first of the unit's g query heads
                                                    let head = bi * p.hq + kh * group
                                                    let qp = q0 + head * p.tq * p.d
                                                    let gO = g0 + head * p.tq * p.dv
                                                    p.probabilities(
                                                        batch: bi, q: qp, k: kp, scores: P, lseIn: l0 + head * p.tq,
                                                        lseOut: nil)
                                                    // dv (Tk, Dv) += Pᵀ (Tk, g·Tq) · dO (g·Tq, Dv)
                                                    GEMM.run(
                                                        transposeA: true, transposeB: false, m: p.tk, n: p.dv, k: rows,
                                                        a: P, b: gO, beta: 1, c: dvp, allowBLAS: blas)
                                                    // dP (g·Tq, Tk) = dO (g·Tq, Dv) · vᵀ (Dv, Tk)
                                                    GEMM.run(
                                                        transposeA: false, transposeB: true, m: rows, n: p.tk, k: p.dv,
                                                        a: gO, b: vp, beta: 0, c: ds, allowBLAS: blas)
                                                    TensorParallel.forEachChunk(blas ? rows : 1, costPerItem: p.tk * 4)
                                                    { chunk in
                                                        for i in blas ? chunk : 0..<rows {
                                                            var dot: Float = 0
                                                            for j in 0..<p.tk {
                                                                dot += ds[i * p.tk + j] * P[i * p.tk + j]
                                                            }
                                                            for j in 0..<p.tk {
                                                                ds[i * p.tk + j] =
                                                                    P[i * p.tk + j] * (ds[i * p.tk + j] - dot) * p.scale
                                                            }
                                                        }
                                                    }
                                                    // dq (g·Tq, D) = dS (g·Tq, Tk) · k (Tk, D)
                                                    GEMM.run(
                                                        transposeA: false, transposeB: false, m: rows, n: p.d, k: p.tk,
                                                        a: ds, b: kp, beta: 0, c: dq0 + head * p.tq * p.d,
                                                        allowBLAS: blas)
                                                    // dk (Tk, D) += dSᵀ (Tk, g·Tq) · q (g·Tq, D)
                                                    GEMM.run(
                                                        transposeA: true, transposeB: false, m: p.tk, n: p.d, k: rows,
                                                        a: ds, b: qp, beta: 1, c: dkp, allowBLAS: blas)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return [dq, dk, dv]
    }
}

extension Reference {
    /// Naive attention in Double with explicit loops; same shapes and masking rules as `Tensor.attention`.
    package static func attention(
        q: [Double], k: [Double], v: [Double], b: Int, hq: Int, hkv: Int, tq: Int, tk: Int, d: Int, dv: Int,
        causal: Bool, padding: KeyPadding, scale: Double
    ) -> [Double] {
        var out = [Double](repeating: 0, count: b * hq * tq * dv)
        for bi in 0..<b {
            for h in 0..<hq {
                let kh = h / (hq / hkv)
                for i in 0..<tq {
                    var scores: [Double?] = []
                    for j in 0..<tk {
                        let ok = (!causal || j <= tk - tq + i) && padding.isValid(batch: bi, key: j, keys: tk)
                        var s = 0.0
                        for c in 0..<d {
                            s += q[((bi * hq + h) * tq + i) * d + c] * k[((bi * hkv + kh) * tk + j) * d + c]
                        }
                        scores.append(ok ? s * scale : nil)
                    }
                    let valid = scores.compactMap { $0 }
                    guard let m = valid.max() else { continue }
                    let z = valid.map { elementExp($0 - m) }.reduce(0, +)
                    for j in 0..<tk {
                        guard let s = scores[j] else { continue }
                        let w = elementExp(s - m) / z
                        for c in 0..<dv {
                            out[((bi * hq + h) * tq + i) * dv + c] += w * v[((bi * hkv + kh) * tk + j) * dv + c]
                        }
                    }
                }
            }
        }
        return out
    }
}
