// Tensor+RoPE: rotary position embedding over the last axis of (..., T, D) in both layouts:
// `.interleaved` rotates adjacent pairs (x[2i], x[2i+1]) (GGUF/llama.cpp "NORM" mode);
// `.halfSplit` rotates (x[i], x[i + D/2]) (Hugging Face rotate_half). Angle of pair i at
// position p = positionOffset + t is p · theta^(−2i/D). Backward rotates by the negative angle.
import Foundation

/// Which element pairs rotary embedding rotates together.
public enum RoPELayout: Sendable, Hashable {
    /// (x[2i], x[2i+1]): GGUF / llama.cpp rope type NORM.
    case interleaved
    /// (x[i], x[i + D/2]): Hugging Face `rotate_half` (and GGUF NEOX).
    case halfSplit
}

struct RoPEPayload {
    let layout: RoPELayout
    let theta: Float
    let offset: Int
    let t: Int
    let d: Int
}

extension Tensor {
    /// Applies rotary position embedding to x (..., T, D); D must be even.
    public func rope(layout: RoPELayout, theta: Float = 10_000, positionOffset: Int = 0) -> Tensor {
        precondition(rank >= 2, "rope: input needs shape (..., T, D), got \(shape.shapeString)")
        let t = shape[rank - 2]
        let d = shape[rank - 1]
        precondition(d % 2 == 0, "rope: head dimension \(d) of \(shape.shapeString) is odd")
        let p = RoPEPayload(layout: layout, theta: theta, offset: positionOffset, t: t, d: d)
        let out = Tensor.rotate(storage, p, sign: 1)
        return Tensor.recorded(out, shape: shape, op: .rope, inputs: [self], payload: p)
    }

    /// (T, D/2) cos and sin tables, angles computed in Double. A model's layers ask for the
    /// same tables over and over (every layer, q and k), so the last few are kept.
    static func ropeTables(_ p: RoPEPayload) -> (cos: [Float], sin: [Float]) {
        let key = RoPETableKey(theta: p.theta, offset: p.offset, t: p.t, d: p.d)
        if let hit = RoPETableCache.shared.lookup(key) { return hit }
        let tables = computeRoPETables(p)
        RoPETableCache.shared.store(key, tables)
        return tables
    }

    private static func computeRoPETables(_ p: RoPEPayload) -> (cos: [Float], sin: [Float]) {
        let half = p.d / 2
        var c = [Float](repeating: 0, count: p.t * half)
        var s = c
        let inverseFrequency = (0..<half).map { Foundation.pow(Double(p.theta), -2 * Double($0) / Double(p.d)) }
        for pos in 0..<p.t {
            for i in 0..<half {
                let angle = Double(p.offset + pos) * inverseFrequency[i]
                c[pos * half + i] = Float(Foundation.cos(angle))
                s[pos * half + i] = Float(Foundation.sin(angle))
            }
        }
        return (c, s)
    }

    static func rotate(_ x: [Float], _ p: RoPEPayload, sign: Float) -> [Float] {
        let (cosT, sinT) = ropeTables(p)
        let half = p.d / 2
        let rows = p.d == 0 ? 0 : x.count / p.d
        var out = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                let px = px
                let po = po
                TensorParallel.forEachChunk(rows, costPerItem: p.d * 3) { range in
                    for row in range {
                        let base = row * p.d
                        rotateRow(
                            px.baseAddress! + base, into: po.baseAddress! + base, cosT, sinT, table: (row % p.t) * half,
                            half: half,
                            layout: p.layout, sign: sign)
                    }
                }
            }
        }
        return out
    }

    /// Rotates `rows` vectors of D floats at x, all at position `position`, in place: the
    /// arithmetic and tables of `rope(layout:theta:positionOffset:)` (the fused decode step).
    package static func rope(
        _ x: UnsafeMutablePointer<Float>, rows: Int, d: Int, layout: RoPELayout, theta: Float, position: Int
    ) {
        precondition(d % 2 == 0, "rope: head dimension \(d) is odd")
        let (cosT, sinT) = ropeTables(RoPEPayload(layout: layout, theta: theta, offset: position, t: 1, d: d))
        for row in 0..<rows {
            rotateRow(x + row * d, into: x + row * d, cosT, sinT, table: 0, half: d / 2, layout: layout, sign: 1)
        }
    }

    /// One vector of 2·half floats rotated by the angles at cosT/sinT[table ..< table + half]
    /// (sign −1: the inverse rotation); `out` may be `x` (each pair is read before it is written).
    @inline(__always)
    private static func rotateRow(
        _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, _ cosT: [Float], _ sinT: [Float], table: Int,
        half: Int,
        layout: RoPELayout, sign: Float
    ) {
        for i in 0..<half {
            let c = cosT[table + i]
            let s = sign * sinT[table + i]
            let (j0, j1) = layout == .interleaved ? (2 * i, 2 * i + 1) : (i, i + half)
            let a = x[j0]
            let b = x[j1]
            out[j0] = a * c - b * s
            out[j1] = a * s + b * c
        }
    }

    /// The transpose of a rotation is the rotation by −angle.
    static let ropeBackward: BackwardRule = { node, g in
        [rotate(g, node.payload(as: RoPEPayload.self), sign: -1)]
    }
}

extension Reference {
    /// Naive RoPE in Double over x (rows of D, row r at position offset + r % T).
    package static func rope(_ x: [Double], t: Int, d: Int, layout: RoPELayout, theta: Double, offset: Int) -> [Double]
    {
        var out = x
        for row in 0..<(x.count / d) {
            let pos = Double(offset + row % t)
            for i in 0..<(d / 2) {
                let angle = pos / Foundation.pow(theta, Double(2 * i) / Double(d))
                let j0 = layout == .interleaved ? row * d + 2 * i : row * d + i
                let j1 = layout == .interleaved ? j0 + 1 : j0 + d / 2
                out[j0] = x[j0] * Foundation.cos(angle) - x[j1] * Foundation.sin(angle)
                out[j1] = x[j0] * Foundation.sin(angle) + x[j1] * Foundation.cos(angle)
            }
        }
        return out
    }
}

struct RoPETableKey: Hashable { let theta: Float, offset: Int, t: Int, d: Int }

/// The most recently computed RoPE tables (a handful; small ones only), shared across threads.
final class RoPETableCache: @unchecked Sendable {
    static let shared = RoPETableCache()
    private let lock = NSLock()
    private var entries: [(key: RoPETableKey, tables: (cos: [Float], sin: [Float]))] = []
    private let capacity = 8
    private let maximumFloats = 1 << 20  // per table: 4 MiB

    func lookup(_ key: RoPETableKey) -> (cos: [Float], sin: [Float])? {
        lock.lock()
        defer { lock.unlock() }
        return entries.first { $0.key == key }?.tables
    }

    func store(_ key: RoPETableKey, _ tables: (cos: [Float], sin: [Float])) {
        guard tables.cos.count <= maximumFloats else { return }
        lock.lock()
        defer { lock.unlock() }
        entries.removeAll { $0.key == key }
        entries.insert((key, tables), at: 0)
        if entries.count > capacity { entries.removeLast() }
    }
}
