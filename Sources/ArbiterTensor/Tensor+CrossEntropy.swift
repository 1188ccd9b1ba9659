// Tensor+CrossEntropy: mean cross-entropy over (N, V) logits with integer targets (ignore-index),
// and the chunked per-token log-probability op. Both keep only the per-row logsumexp (N) for
// backward and recompute softmax row by row in parallel chunks, so no (N, V) log-softmax tensor
// is ever saved on the tape. Forward, backward and naive reference.

struct TokenLogProbPayload {
    let targets: [Int]  // (N)
    let lse: [Float]  // (N) logsumexp of each row
    let validRows: Int  // rows whose target is not ignored (crossEntropy)
    let ignoreIndex: Int?
}

extension Tensor {
    /// (N) logsumexp of each row of a (N, V) buffer.
    static func rowLogSumExp(_ x: [Float], rows: Int, columns v: Int) -> [Float] {
        var lse = [Float](repeating: 0, count: rows)
        x.withUnsafeBufferPointer { px in
            lse.withUnsafeMutableBufferPointer { pl in
                let px = px
                let pl = pl
                TensorParallel.forEachChunk(rows, costPerItem: v * 4) { range in
                    for n in range {
                        var m = -Float.infinity
                        for j in 0..<v { m = Swift.max(m, px[n * v + j]) }
                        if m == -.infinity { m = 0 }
                        var s: Float = 0
                        for j in 0..<v { s += elementExp(px[n * v + j] - m) }
                        pl[n] = m + elementLog(s)
                    }
                }
            }
        }
        return lse
    }

    /// dx[n, j] = scale[n] · (softmax(x[n])[j] − [j == target[n]]), recomputed in row chunks;
    /// rows with scale 0 stay zero.
    static func softmaxMinusOneHot(_ x: [Float], lse: [Float], targets: [Int], scale: [Float], columns v: Int)
        -> [Float]
    {
        var dx = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { px in
            dx.withUnsafeMutableBufferPointer { pd in
                let px = px
                let pd = pd
                TensorParallel.forEachChunk(lse.count, costPerItem: v * 4) { range in
                    for n in range where scale[n] != 0 {
                        let s = scale[n]
                        let l = lse[n]
                        for j in 0..<v { pd[n * v + j] = s * elementExp(px[n * v + j] - l) }
                        pd[n * v + targets[n]] -= s
                    }
                }
            }
        }
        return dx
    }

    private func checkLogits(_ targets: [Int], op: String, ignoreIndex: Int?) {
        precondition(rank == 2, "\(op): logits must be (N, V), got \(shape.shapeString)")
        precondition(targets.count == shape[0], "\(op): \(targets.count) targets for logits \(shape.shapeString)")
        for t in targets where t != ignoreIndex {
            precondition(t >= 0 && t < shape[1], "\(op): target \(t) out of range for logits \(shape.shapeString)")
        }
    }

    /// Mean over non-ignored rows of −log softmax(logits)[target]. Logits (N, V), targets (N).
    /// Rows whose target equals `ignoreIndex` contribute nothing; with no valid row the loss is 0.
    public func crossEntropy(targets: [Int], ignoreIndex: Int? = -100) -> Tensor {
        checkLogits(targets, op: "crossEntropy", ignoreIndex: ignoreIndex)
        let v = shape[1]
        let lse = Tensor.rowLogSumExp(storage, rows: shape[0], columns: v)
        var total: Double = 0
        var valid = 0
        for (n, t) in targets.enumerated() where t != ignoreIndex {
            total += Double(lse[n] - storage[n * v + t])
            valid += 1
        }
        let loss = valid == 0 ? 0 : Float(total / Double(valid))
        let p = TokenLogProbPayload(targets: targets, lse: lse, validRows: valid, ignoreIndex: ignoreIndex)
        return Tensor.recorded([loss], shape: [], op: .crossEntropy, inputs: [self], payload: p)
    }

    /// log softmax(logits)[n, targets[n]] for each row: logits (N, V) → (N).
    public func tokenLogProbs(targets: [Int]) -> Tensor {
        checkLogits(targets, op: "tokenLogProbs", ignoreIndex: nil)
        let v = shape[1]
        let lse = Tensor.rowLogSumExp(storage, rows: shape[0], columns: v)
        let out = targets.enumerated().map { storage[$0.offset * v + $0.element] - lse[$0.offset] }
        let p = TokenLogProbPayload(targets: targets, lse: lse, validRows: targets.count, ignoreIndex: nil)
        return Tensor.recorded(out, shape: [shape[0]], op: .tokenLogProbs, inputs: [self], payload: p)
    }

    static let crossEntropyBackward: BackwardRule = { node, g in
        let p = node.payload(as: TokenLogProbPayload.self)
        let x = node.inputs[0]
        let s = p.validRows == 0 ? 0 : g[0] / Float(p.validRows)
        let scale = p.targets.map { $0 == p.ignoreIndex ? 0 : s }
        let safeTargets = p.targets.map { $0 == p.ignoreIndex ? 0 : $0 }
        return [softmaxMinusOneHot(x.storage, lse: p.lse, targets: safeTargets, scale: scale, columns: x.shape[1])]
    }

    /// d logp[n] / dx[n, j] = [j == t] − softmax[j], so dx = −g[n] · (softmax − onehot).
    static let tokenLogProbsBackward: BackwardRule = { node, g in
        let p = node.payload(as: TokenLogProbPayload.self)
        let x = node.inputs[0]
        return [
            softmaxMinusOneHot(x.storage, lse: p.lse, targets: p.targets, scale: g.map { -$0 }, columns: x.shape[1])
        ]
    }
}

extension Reference {
    /// Naive log softmax(x)[n, t[n]] in Double (nil target entries give nil).
    package static func tokenLogProbs(_ x: [Double], columns v: Int, targets: [Int]) -> [Double] {
        targets.enumerated().map { n, t in
            let row = x[(n * v)..<((n + 1) * v)]
            let m = row.max() ?? 0
            return x[n * v + t] - (m + elementLog(row.map { elementExp($0 - m) }.reduce(0, +)))
        }
    }

    /// Naive mean cross-entropy in Double over rows whose target is not `ignoreIndex`.
    package static func crossEntropy(_ x: [Double], columns v: Int, targets: [Int], ignoreIndex: Int?) -> Double {
        let valid = targets.enumerated().filter { $0.element != ignoreIndex }
        if valid.isEmpty { return 0 }
        let lp = valid.map { n, t in tokenLogProbs(Array(x[(n * v)..<((n + 1) * v)]), columns: v, targets: [t])[0] }
        return -lp.reduce(0, +) / Double(valid.count)
    }
}
