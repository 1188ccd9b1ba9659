// Tensor+Arithmetic: add/sub/mul/div with NumPy broadcasting (forward, backward, naive reference)
// and the operator spellings, including tensor-scalar forms (which map to the scalar ops in
// Tensor+Unary.swift). Backward reduces the gradient over broadcast axes.

/// The four broadcasting binary ops.
enum BinaryKind: Sendable { case add, sub, mul, div }

struct BinaryPayload { let outShape: [Int] }

extension Tensor {
    static func binary(_ a: Tensor, _ b: Tensor, _ kind: BinaryKind, op: Op) -> Tensor {
        let outShape = a.shape == b.shape ? a.shape : Broadcast.shape(a.shape, b.shape, op: "\(op)")
        if let out = trailingBroadcast(a, b, kind, outShape: outShape) {
            return recorded(out, shape: outShape, op: op, inputs: [a, b], payload: BinaryPayload(outShape: outShape))
        }
        let n = outShape.elementCount
        let av = Broadcast.expand(a.storage, from: a.shape, to: outShape)
        let bv = Broadcast.expand(b.storage, from: b.shape, to: outShape)
        var out = [Float](repeating: 0, count: n)
        av.withUnsafeBufferPointer { pa in
            bv.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    let pa = pa
                    let pb = pb
                    let po = po
                    TensorParallel.forEachChunk(n) { r in
                        switch kind {
                        case .add: for i in r { po[i] = pa[i] + pb[i] }
                        case .sub: for i in r { po[i] = pa[i] - pb[i] }
                        case .mul: for i in r { po[i] = pa[i] * pb[i] }
                        case .div: for i in r { po[i] = pa[i] / pb[i] }
                        }
                    }
                }
            }
        }
        return recorded(out, shape: outShape, op: op, inputs: [a, b], payload: BinaryPayload(outShape: outShape))
    }

    /// The forward values without expanding either operand, when each one is the whole output or
    /// repeats along leading axes only (a bias (C) on (B, T, C), a row (1, C) on (N, C)): rows of
    /// the smaller period are combined in place. nil for any other broadcast (the caller expands).
    /// Same arithmetic, element for element, as the expanded loop.
    private static func trailingBroadcast(_ a: Tensor, _ b: Tensor, _ kind: BinaryKind, outShape: [Int]) -> [Float]? {
        func period(_ shape: [Int]) -> Int? {
            let core = shape.drop(while: { $0 == 1 })  // leading 1s broadcast like missing axes
            guard core.count <= outShape.count, Array(outShape.suffix(core.count)) == Array(core) else { return nil }
            return core.reduce(1, *)
        }
        let n = outShape.elementCount
        guard n > 0, let pa = period(a.shape), let pb = period(b.shape), pa > 0, pb > 0 else { return nil }
        // Both periods are products of trailing axes of outShape, so the smaller divides the larger
        // and n; with no broadcast at all, rows of the last axis (so the work still splits).
        let m = pa == n && pb == n ? Swift.max(outShape.last ?? n, 1) : Swift.min(pa, pb)
        guard m >= 8 || m == n else { return nil }  // a scalar-like operand: the expanded loop is faster
        var out = [Float](repeating: 0, count: n)
        a.storage.withUnsafeBufferPointer { va in
            b.storage.withUnsafeBufferPointer { vb in
                out.withUnsafeMutableBufferPointer { vo in
                    guard let sa = va.baseAddress, let sb = vb.baseAddress, let so = vo.baseAddress else { return }
                    TensorParallel.forEachChunk(n / m, costPerItem: m) { rows in
                        for row in rows {
                            let base = row * m
                            let x = sa + base % pa
                            let y = sb + base % pb
                            let o = so + base
                            switch kind {
                            case .add: for j in 0..<m { o[j] = x[j] + y[j] }
                            case .sub: for j in 0..<m { o[j] = x[j] - y[j] }
                            case .mul: for j in 0..<m { o[j] = x[j] * y[j] }
                            case .div: for j in 0..<m { o[j] = x[j] / y[j] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Elementwise sum with broadcasting.
    public func adding(_ other: Tensor) -> Tensor { Tensor.binary(self, other, .add, op: .add) }
    /// Elementwise difference with broadcasting.
    public func subtracting(_ other: Tensor) -> Tensor { Tensor.binary(self, other, .sub, op: .sub) }
    /// Elementwise product with broadcasting.
    public func multiplying(_ other: Tensor) -> Tensor { Tensor.binary(self, other, .mul, op: .mul) }
    /// Elementwise quotient with broadcasting.
    public func dividing(_ other: Tensor) -> Tensor { Tensor.binary(self, other, .div, op: .div) }

    public static func + (a: Tensor, b: Tensor) -> Tensor { a.adding(b) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.subtracting(b) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.multiplying(b) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { a.dividing(b) }
    public static func + (a: Tensor, s: Float) -> Tensor { a.addingScalar(s) }
    public static func + (s: Float, a: Tensor) -> Tensor { a.addingScalar(s) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.addingScalar(-s) }
    public static func - (s: Float, a: Tensor) -> Tensor { a.negated().addingScalar(s) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.multiplyingScalar(s) }
    public static func * (s: Float, a: Tensor) -> Tensor { a.multiplyingScalar(s) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.multiplyingScalar(1 / s) }
    public static func / (s: Float, a: Tensor) -> Tensor { a.pow(-1).multiplyingScalar(s) }
    public static prefix func - (a: Tensor) -> Tensor { a.negated() }

    // MARK: backward

    static func binaryGrads(_ node: Node, _ g: [Float], _ kind: BinaryKind) -> InputGradients {
        let out = node.payload(as: BinaryPayload.self).outShape
        let a = node.inputs[0]
        let b = node.inputs[1]
        var ga: [Float]? = nil
        var gb: [Float]? = nil
        switch kind {
        case .add:
            if a.tracksGrad { ga = Broadcast.reduce(g, from: out, to: a.shape) }
            if b.tracksGrad { gb = Broadcast.reduce(g, from: out, to: b.shape) }
        case .sub:
            if a.tracksGrad { ga = Broadcast.reduce(g, from: out, to: a.shape) }
            if b.tracksGrad { gb = Broadcast.reduce(g.map { -$0 }, from: out, to: b.shape) }
        case .mul:
            let av = Broadcast.expand(a.storage, from: a.shape, to: out)
            let bv = Broadcast.expand(b.storage, from: b.shape, to: out)
            if a.tracksGrad { ga = Broadcast.reduce(zip(g, bv).map { $0 * $1 }, from: out, to: a.shape) }
            if b.tracksGrad { gb = Broadcast.reduce(zip(g, av).map { $0 * $1 }, from: out, to: b.shape) }
        case .div:
            let av = Broadcast.expand(a.storage, from: a.shape, to: out)
            let bv = Broadcast.expand(b.storage, from: b.shape, to: out)
            if a.tracksGrad { ga = Broadcast.reduce(zip(g, bv).map { $0 / $1 }, from: out, to: a.shape) }
            if b.tracksGrad {
                var t = [Float](repeating: 0, count: g.count)
                for i in t.indices { t[i] = -g[i] * av[i] / (bv[i] * bv[i]) }
                gb = Broadcast.reduce(t, from: out, to: b.shape)
            }
        }
        return [ga, gb]
    }

    static let addBackward: BackwardRule = { binaryGrads($0, $1, .add) }
    static let subBackward: BackwardRule = { binaryGrads($0, $1, .sub) }
    static let mulBackward: BackwardRule = { binaryGrads($0, $1, .mul) }
    static let divBackward: BackwardRule = { binaryGrads($0, $1, .div) }
}

extension Reference {
    /// Naive broadcasting binary op in Double: index arithmetic per element, no fast paths.
    package static func binary(
        _ a: [Double], _ aShape: [Int], _ b: [Double], _ bShape: [Int], _ f: (Double, Double) -> Double
    ) -> (values: [Double], shape: [Int]) {
        let rank = Swift.max(aShape.count, bShape.count)
        let pa = [Int](repeating: 1, count: rank - aShape.count) + aShape
        let pb = [Int](repeating: 1, count: rank - bShape.count) + bShape
        let out = (0..<rank).map { Swift.max(pa[$0], pb[$0]) }
        var result: [Double] = []
        for flat in 0..<out.elementCount {
            var rem = flat
            var ia = 0
            var ib = 0
            var sa = 1
            var sb = 1
            for axis in stride(from: rank - 1, through: 0, by: -1) {
                let i = rem % out[axis]
                rem /= out[axis]
                ia += (pa[axis] == 1 ? 0 : i) * sa
                sa *= pa[axis]
                ib += (pb[axis] == 1 ? 0 : i) * sb
                sb *= pb[axis]
            }
            result.append(f(a[ia], b[ib]))
        }
        return (result, out)
    }
}
