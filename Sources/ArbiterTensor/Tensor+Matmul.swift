// Tensor+Matmul: matrix and batched matrix products with either operand transposed: forward,
// backward and naive reference. Large products go to cblas_sgemm (COpenBLAS); tiny ones use our
// own loop, where the BLAS call overhead would dominate. Not here: attention (Tensor+Attention).
import COpenBLAS

struct MatmulPayload {
    let transposeA: Bool, transposeB: Bool
    let m: Int, n: Int, k: Int
    let batch: Int  // number of (M, N) output matrices
    let aBatched: Bool, bBatched: Bool  // false: the rank-2 operand is shared by every batch item
}

enum GEMM {
    /// Σ a[i]·b[i] over `count` contiguous floats, eight lanes at a time.
    @inline(__always) static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            acc += va * vb
            i += 8
        }
        var s = acc.sum()
        while i < count {
            s += a[i] * b[i]
            i += 1
        }
        return s
    }

    /// Products with m·n·k at or below this run in our own loop.
    static let tinyWork = 32 * 32 * 32

    /// C (m, n) = op(A) · op(B) + beta · C, row-major; op(A) is (m, k), op(B) is (k, n).
    /// A is stored (m, k) or, when `transposeA`, (k, m); B is (k, n) or, when `transposeB`, (n, k).
    static func run(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, b: UnsafePointer<Float>, beta: Float, c: UnsafeMutablePointer<Float>,
        allowBLAS: Bool = true
    ) {
        if m == 0 || n == 0 { return }
        if allowBLAS && m * n * k > tinyWork { _ = BLASThreads.configureOnce }
        if allowBLAS && m == 1 && m * n * k > tinyWork {
            // One row (a decode step): a matrix-vector product. sgemm would pack all of B first;
            // sgemv streams it once. a is k contiguous values whether or not it is "transposed".
            BLASThreads.withConfiguredThreads {
                if transposeB {  // B (n, k): c = B · a
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), 1, b, Int32(k), a, 1, beta, c, 1)
                } else {  // B (k, n): c = Bᵀ · a
                    cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), 1, b, Int32(n), a, 1, beta, c, 1)
                }
            }
            return
        }
        if allowBLAS && m * n * k > tinyWork {
            BLASThreads.withConfiguredThreads {
                cblas_sgemm(
                    CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n),
                    beta, c, Int32(n))
            }
            return
        }
        if transposeB && !transposeA {
            // c[i, j] = a[i, :] · b[j, :]: both rows contiguous, so a SIMD dot product per element
            // (the q·kᵀ shape of attention scores).
            for i in 0..<m {
                for j in 0..<n {
                    let s = dot(a + i * k, b + j * k, k)
                    c[i * n + j] = beta == 0 ? s : beta * c[i * n + j] + s
                }
            }
            return
        }
        if beta == 0 {
            for i in 0..<(m * n) { c[i] = 0 }
        } else if beta != 1 {
            for i in 0..<(m * n) { c[i] *= beta }
        }
        for i in 0..<m {
            let row = c + i * n
            for p in 0..<k {
                let aip = transposeA ? a[p * m + i] : a[i * k + p]
                if transposeB {
                    for j in 0..<n { row[j] += aip * b[j * k + p] }
                } else {
                    let bRow = b + p * n
                    for j in 0..<n { row[j] += aip * bRow[j] }
                }
            }
        }
    }
}

extension Tensor {
    /// Matrix product op(self) · op(other). Operands are (M, K)/(K, N) or batched (..., M, K);
    /// a rank-2 operand is shared across the other's batch. `transposeA`/`transposeB` use the
    /// last two axes transposed without copying. Result: (..., M, N).
    public func matmul(_ other: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        let a = self
        let b = other
        let desc =
            "matmul: \(a.shape.shapeString)\(transposeA ? "ᵀ" : "") × \(b.shape.shapeString)\(transposeB ? "ᵀ" : "")"
        precondition(a.rank >= 2 && b.rank >= 2, "\(desc): both operands need rank ≥ 2")
        let m = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
        let ka = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
        let n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
        precondition(ka == kb, "\(desc): inner dimensions \(ka) and \(kb) differ")
        let aBatch = Array(a.shape.dropLast(2))
        let bBatch = Array(b.shape.dropLast(2))
        precondition(
            aBatch.isEmpty || bBatch.isEmpty || aBatch == bBatch,
            "\(desc): batch dimensions \(aBatch.shapeString) and \(bBatch.shapeString) differ")
        let batchShape = aBatch.isEmpty ? bBatch : aBatch
        let batch = batchShape.elementCount
        // A batched, untransposed A times a shared B is one (batch·M, K) × (K, N) product: a single
        // large GEMM (the linear-layer case x (B, T, C) · W) instead of `batch` small ones.
        let flatten = !aBatch.isEmpty && bBatch.isEmpty && !transposeA
        let p =
            flatten
            ? MatmulPayload(
                transposeA: false, transposeB: transposeB, m: batch * m, n: n, k: ka, batch: 1,
                aBatched: false, bBatched: false)
            : MatmulPayload(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: ka, batch: batch,
                aBatched: !aBatch.isEmpty, bBatched: !bBatch.isEmpty)
        var out = [Float](repeating: 0, count: batch * m * n)
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    guard let ba = pa.baseAddress, let bb = pb.baseAddress, let bc = pc.baseAddress else { return }
                    for i in 0..<p.batch {
                        GEMM.run(
                            transposeA: p.transposeA, transposeB: p.transposeB, m: p.m, n: p.n, k: p.k,
                            a: ba + (p.aBatched ? i * p.m * p.k : 0), b: bb + (p.bBatched ? i * p.k * p.n : 0),
                            beta: 0, c: bc + i * p.m * p.n)
                    }
                }
            }
        }
        return Tensor.recorded(out, shape: batchShape + [m, n], op: .matmul, inputs: [a, b], payload: p)
    }

    /// dop(A) = dC · op(B)ᵀ and dop(B) = op(A)ᵀ · dC, written straight into A's / B's storage
    /// layout; a shared rank-2 operand accumulates over the batch.
    static let matmulBackward: BackwardRule = { node, g in
        let p = node.payload(as: MatmulPayload.self)
        let a = node.inputs[0]
        let b = node.inputs[1]
        let (m, n, k) = (p.m, p.n, p.k)
        var ga: [Float]? = nil
        var gb: [Float]? = nil
        g.withUnsafeBufferPointer { pg in
            a.storage.withUnsafeBufferPointer { pa in
                b.storage.withUnsafeBufferPointer { pb in
                    guard let g0 = pg.baseAddress, let a0 = pa.baseAddress, let b0 = pb.baseAddress else { return }
                    if a.tracksGrad {
                        var da = [Float](repeating: 0, count: a.count)
                        da.withUnsafeMutableBufferPointer { pd in
                            guard let d0 = pd.baseAddress else { return }
                            for i in 0..<p.batch {
                                let gi = g0 + i * m * n
                                let bi = b0 + (p.bBatched ? i * k * n : 0)
                                let di = d0 + (p.aBatched ? i * m * k : 0)
                                let beta: Float = p.aBatched ? 0 : 1
                                if p.transposeA {  // dA (k, m) = op(B) · dCᵀ
                                    GEMM.run(
                                        transposeA: p.transposeB, transposeB: true, m: k, n: m, k: n, a: bi, b: gi,
                                        beta: beta, c: di)
                                } else {  // dA (m, k) = dC · op(B)ᵀ
                                    GEMM.run(
                                        transposeA: false, transposeB: !p.transposeB, m: m, n: k, k: n, a: gi, b: bi,
                                        beta: beta, c: di)
                                }
                            }
                        }
                        ga = da
                    }
                    if b.tracksGrad {
                        var db = [Float](repeating: 0, count: b.count)
                        db.withUnsafeMutableBufferPointer { pd in
                            guard let d0 = pd.baseAddress else { return }
                            for i in 0..<p.batch {
                                let gi = g0 + i * m * n
                                let ai = a0 + (p.aBatched ? i * m * k : 0)
                                let di = d0 + (p.bBatched ? i * k * n : 0)
                                let beta: Float = p.bBatched ? 0 : 1
                                if p.transposeB {  // dB (n, k) = dCᵀ · op(A)
                                    GEMM.run(
                                        transposeA: true, transposeB: p.transposeA, m: n, n: k, k: m, a: gi, b: ai,
                                        beta: beta, c: di)
                                } else {  // dB (k, n) = op(A)ᵀ · dC
                                    GEMM.run(
                                        transposeA: !p.transposeA, transposeB: false, m: k, n: n, k: m, a: ai, b: gi,
                                        beta: beta, c: di)
                                }
                            }
                        }
                        gb = db
                    }
                }
            }
        }
        return [ga, gb]
    }
}

extension Reference {
    /// Naive batched matmul in Double: triple loop over explicit indices; shapes as in `Tensor.matmul`.
    package static func matmul(
        _ a: [Double], _ aShape: [Int], _ b: [Double], _ bShape: [Int], transposeA: Bool, transposeB: Bool
    ) -> [Double] {
        let ar = aShape.count
        let br = bShape.count
        let m = transposeA ? aShape[ar - 1] : aShape[ar - 2]
        let k = transposeA ? aShape[ar - 2] : aShape[ar - 1]
        let n = transposeB ? bShape[br - 2] : bShape[br - 1]
        let batch = Swift.max(aShape.dropLast(2).reduce(1, *), bShape.dropLast(2).reduce(1, *))
        let aStep = ar > 2 ? m * k : 0
        let bStep = br > 2 ? k * n : 0
        var out = [Double](repeating: 0, count: batch * m * n)
        for t in 0..<batch {
            for i in 0..<m {
                for j in 0..<n {
                    var s = 0.0
                    for p in 0..<k {
                        let av = transposeA ? a[t * aStep + p * m + i] : a[t * aStep + i * k + p]
                        let bv = transposeB ? b[t * bStep + j * k + p] : b[t * bStep + p * n + j]
                        s += av * bv
                    }
                    out[(t * m + i) * n + j] = s
                }
            }
        }
        return out
    }
}
