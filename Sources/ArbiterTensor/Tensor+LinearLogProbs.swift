// Tensor+LinearLogProbs: the fused LM-head op of policy-gradient training: hidden (N, C) times
// weight (V, C)ᵀ, then per row the log-probability of its target token and the entropy of the
// softmax. The (N, V) logits never exist whole: forward computes them `chunkRows` rows at a time
// (one BLAS product per chunk, then the row reductions in parallel) and keeps only the per-row
// logsumexp and entropy (N each); backward recomputes each chunk's logits, turns them into dz in
// place and multiplies back into dh and dW. Both passes use the vector exp (Math+SIMDExp.swift,
// relative error ≤ 2e-7), so backward's softmax is the one forward summed.
// Not here: the unfused ops it equals (matmul, tokenLogProbs in Tensor+CrossEntropy.swift).

struct LinearLogProbsPayload {
    let targets: [Int]  // (N)
    let lse: [Float]  // (N) logsumexp of each row of the logits
    let entropy: [Float]  // (N) entropy of each row's softmax
    let chunkRows: Int
}

extension Tensor {
    /// hidden (N, C) · weight (V, C)ᵀ → per row n: [log softmax(logits_n)[targets[n]],
    /// entropy(softmax(logits_n))]. Returns (N, 2). Logits are computed `chunkRows` rows at a
    /// time (forward and again in backward) and never kept. Gradients reach `self` and `weight`
    /// when they track gradients; a frozen weight costs no dW work.
    public func linearTokenLogProbsAndEntropy(weight: Tensor, targets: [Int], chunkRows: Int = 256) -> Tensor {
        let op = "linearTokenLogProbsAndEntropy"
        precondition(rank == 2, "\(op): hidden must be (N, C), got \(shape.shapeString)")
        precondition(
            weight.rank == 2 && weight.shape[1] == shape[1] && weight.shape[0] > 0,
            "\(op): weight must be (V, C) with C = \(shape[1]), got \(weight.shape.shapeString)")
        precondition(targets.count == shape[0], "\(op): \(targets.count) targets for hidden \(shape.shapeString)")
        precondition(chunkRows > 0, "\(op): chunkRows must be positive, got \(chunkRows)")
        let (n, v) = (shape[0], weight.shape[0])
        for t in targets {
            precondition(t >= 0 && t < v, "\(op): target \(t) out of range for vocabulary \(v)")
        }
        var out = [Float](repeating: 0, count: n * 2)  // (N, 2)
        var lse = [Float](repeating: 0, count: n)
        var entropy = [Float](repeating: 0, count: n)
        var z = [Float](repeating: 0, count: Swift.min(chunkRows, n) * v)  // (chunk rows, V)
        z.withUnsafeMutableBufferPointer { pz in
            lse.withUnsafeMutableBufferPointer { pl in
                entropy.withUnsafeMutableBufferPointer { pe in
                    guard let zc = pz.baseAddress else { return }  // no rows
                    let (pl, pe) = (pl, pe)
                    for r0 in stride(from: 0, to: n, by: chunkRows) {
                        let rows = Swift.min(chunkRows, n - r0)
                        chunkLogits(weight: weight, from: r0, rows: rows, into: pz)
                        TensorParallel.forEachChunk(rows, costPerItem: v * 4) { range in
                            for i in range {
                                let (l, h) = Self.logSumExpAndEntropy(zc + i * v, count: v)
                                pl[r0 + i] = l
                                pe[r0 + i] = h
                            }
                        }
                        for i in 0..<rows {
                            out[2 * (r0 + i)] = pz[i * v + targets[r0 + i]] - pl[r0 + i]
                            out[2 * (r0 + i) + 1] = pe[r0 + i]
                        }
                    }
                }
            }
        }
        let p = LinearLogProbsPayload(targets: targets, lse: lse, entropy: entropy, chunkRows: chunkRows)
        return Tensor.recorded(out, shape: [n, 2], op: .linearTokenLogProbs, inputs: [self, weight], payload: p)
    }

    /// z (rows, V) = self[r0 ..< r0 + rows] (rows, C) · weightᵀ (C, V).
    private func chunkLogits(weight: Tensor, from r0: Int, rows: Int, into z: UnsafeMutableBufferPointer<Float>) {
        let (c, v) = (shape[1], weight.shape[0])
        storage.withUnsafeBufferPointer { ph in
            weight.storage.withUnsafeBufferPointer { pw in
                guard let h = ph.baseAddress, let w = pw.baseAddress, let zc = z.baseAddress else { return }
                GEMM.run(
                    transposeA: false, transposeB: true, m: rows, n: v, k: c, a: h + r0 * c, b: w, beta: 0, c: zc)
            }
        }
    }

    /// (logsumexp, entropy) of one row of `count` logits: with m the row max, e_j = exp(z_j − m) and
    /// s = Σ e_j, lse = m + log s and H = −Σ p_j log p_j = log s − Σ e_j (z_j − m) / s.
    static func logSumExpAndEntropy(_ z: UnsafePointer<Float>, count v: Int) -> (Float, Float) {
        var m8 = SIMD8<Float>(repeating: -.infinity)
        var j = 0
        while j + 8 <= v {
            m8 = pointwiseMax(m8, UnsafeRawPointer(z + j).loadUnaligned(as: SIMD8<Float>.self))
            j += 8
        }
        var m = m8.max()
        while j < v {
            m = Swift.max(m, z[j])
            j += 1
        }
        if m == -.infinity { m = 0 }
        var s8 = SIMD8<Float>()
        var t8 = SIMD8<Float>()
        j = 0
        while j + 8 <= v {
            let d = UnsafeRawPointer(z + j).loadUnaligned(as: SIMD8<Float>.self) - m
            let e = simdExp(d)
            s8 += e
            t8 += e * d
            j += 8
        }
        var (s, t) = (s8.sum(), t8.sum())
        while j < v {
            let d = z[j] - m
            let e = simdExp(d)
            s += e
            t += e * d
            j += 1
        }
        let logS = elementLog(s)
        return (m + logS, logS - t / s)
    }

    /// Per row, with upstream gL (logp) and gH (entropy), p = softmax(z) and log p = z − lse:
    /// dz = gL·(onehot(target) − p) − gH·p ⊙ (log p + H), i.e. dz_j = −p_j·(gL + gH·(z_j − lse + H))
    /// plus gL at the target. Overwrites the chunk's logits with dz.
    static func logitsGradientInPlace(
        _ z: UnsafeMutablePointer<Float>, count v: Int, target: Int, lse: Float, entropy: Float, gL: Float, gH: Float
    ) {
        if gL == 0 && gH == 0 {
            for j in 0..<v { z[j] = 0 }
            return
        }
        let a = gL + gH * (entropy - lse)
        var j = 0
        while j + 8 <= v {
            let x = UnsafeRawPointer(z + j).loadUnaligned(as: SIMD8<Float>.self)
            let d = -simdExp(x - lse) * (a + gH * x)
            UnsafeMutableRawPointer(z + j).storeBytes(of: d, as: SIMD8<Float>.self)
            j += 8
        }
        while j < v {
            z[j] = -simdExp(z[j] - lse) * (a + gH * z[j])
            j += 1
        }
        z[target] += gL
    }

    /// For each chunk: recompute z, turn it into dz, then dh[chunk] = dz · W and dW += dzᵀ · h[chunk].
    static let linearTokenLogProbsBackward: BackwardRule = { node, g in
        let p = node.payload(as: LinearLogProbsPayload.self)
        let hidden = node.inputs[0]
        let weight = node.inputs[1]
        let (n, c, v) = (hidden.shape[0], hidden.shape[1], weight.shape[0])
        var dh: [Float]? = hidden.tracksGrad ? [Float](repeating: 0, count: n * c) : nil  // (N, C)
        var dw: [Float]? = weight.tracksGrad ? [Float](repeating: 0, count: v * c) : nil  // (V, C)
        var z = [Float](repeating: 0, count: Swift.min(p.chunkRows, n) * v)  // (chunk rows, V)
        z.withUnsafeMutableBufferPointer { pz in
            guard let dzc = pz.baseAddress else { return }  // no rows
            for r0 in stride(from: 0, to: n, by: p.chunkRows) {
                let rows = Swift.min(p.chunkRows, n - r0)
                hidden.chunkLogits(weight: weight, from: r0, rows: rows, into: pz)
                TensorParallel.forEachChunk(rows, costPerItem: v * 4) { range in
                    for i in range {
                        let r = r0 + i
                        logitsGradientInPlace(
                            dzc + i * v, count: v, target: p.targets[r], lse: p.lse[r],
                            entropy: p.entropy[r], gL: g[2 * r], gH: g[2 * r + 1])
                    }
                }
                hidden.storage.withUnsafeBufferPointer { ph in
                    weight.storage.withUnsafeBufferPointer { pw in
                        guard let h = ph.baseAddress, let w = pw.baseAddress else { return }
                        if dh != nil {
                            dh!.withUnsafeMutableBufferPointer { pd in
                                // dh (rows, C) = dz (rows, V) · W (V, C)
                                GEMM.run(
                                    transposeA: false, transposeB: false, m: rows, n: c, k: v, a: dzc, b: w, beta: 0,
                                    c: pd.baseAddress! + r0 * c)
                            }
                        }
                        if dw != nil {
                            dw!.withUnsafeMutableBufferPointer { pd in
                                // dW (V, C) += dzᵀ (V, rows) · h (rows, C)
                                GEMM.run(
                                    transposeA: true, transposeB: false, m: v, n: c, k: rows, a: dzc, b: h + r0 * c,
                                    beta: 1, c: pd.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        return [dh, dw]
    }
}

extension Reference {
    /// Naive [log softmax(h·Wᵀ)[n, targets[n]], entropy(softmax(h·Wᵀ)[n])] per row in Double:
    /// h (N, C), w (V, C) → (N, 2) flattened. Logits by plain loops, no chunking.
    package static func linearTokenLogProbsAndEntropy(
        _ h: [Double], _ w: [Double], columns c: Int, targets: [Int]
    ) -> [Double] {
        let v = w.count / c
        var out: [Double] = []
        for (n, t) in targets.enumerated() {
            var z = [Double](repeating: 0, count: v)
            for j in 0..<v {
                for k in 0..<c { z[j] += h[n * c + k] * w[j * c + k] }
            }
            let m = z.max() ?? 0
            let lse = m + elementLog(z.map { elementExp($0 - m) }.reduce(0, +))
            let logp = z.map { $0 - lse }
            out.append(logp[t])
            out.append(-logp.map { elementExp($0) * $0 }.reduce(0, +))
        }
        return out
    }
}
