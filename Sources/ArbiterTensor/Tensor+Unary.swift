// Tensor+Unary: elementwise ops (scalar add/mul/pow, neg, exp, log, sqrt, tanh, sigmoid, relu,
// gelu in tanh and erf forms, silu, softplus, log-sigmoid): forward, the shared backward rule, and naive references.
// Not here: broadcasting tensor-tensor arithmetic (Tensor+Arithmetic.swift).
import Foundation

struct UnaryPayload {
    let scalar: Float  // (the scalar of addScalar / mulScalar / powScalar)
    let output: [Float]  // (same shape as input) y = f(x), kept for rules that use it
}

private let geluK: Float = 0.797_884_560_802_865_4  // sqrt(2 / pi)
private let geluC: Float = 0.044_715

extension Tensor {
    static func unary(_ x: Tensor, op: Op, scalar: Float = 0, _ f: (Float) -> Float) -> Tensor {
        let n = x.count
        var out = [Float](repeating: 0, count: n)
        x.storage.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                let px = px
                let po = po
                TensorParallel.forEachChunk(n) { r in for i in r { po[i] = f(px[i]) } }
            }
        }
        return recorded(out, shape: x.shape, op: op, inputs: [x], payload: UnaryPayload(scalar: scalar, output: out))
    }

    /// `unary` with `f` applied eight elements at a time (the tail through the same lanes).
    static func unaryVector(_ x: Tensor, op: Op, _ f: (SIMD8<Float>) -> SIMD8<Float>) -> Tensor {
        let n = x.count
        var out = [Float](repeating: 0, count: n)
        x.storage.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { po in
                guard let src = px.baseAddress, let dst = po.baseAddress else { return }
                TensorParallel.forEachChunk(n) { r in
                    var i = r.lowerBound
                    while i + 8 <= r.upperBound {
                        let v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(dst + i).storeBytes(of: f(v), as: SIMD8<Float>.self)
                        i += 8
                    }
                    while i < r.upperBound {
                        dst[i] = f(SIMD8(repeating: src[i]))[0]
                        i += 1
                    }
                }
            }
        }
        return recorded(out, shape: x.shape, op: op, inputs: [x], payload: UnaryPayload(scalar: 0, output: out))
    }

    /// x + s
    public func addingScalar(_ s: Float) -> Tensor { Tensor.unary(self, op: .addScalar, scalar: s) { $0 + s } }
    /// x · s
    public func multiplyingScalar(_ s: Float) -> Tensor { Tensor.unary(self, op: .mulScalar, scalar: s) { $0 * s } }
    /// x ^ p (elementwise power by a scalar exponent)
    public func pow(_ p: Float) -> Tensor {
        Tensor.unary(self, op: .powScalar, scalar: p) { p == 2 ? $0 * $0 : Foundation.pow($0, p) }
    }
    /// −x
    public func negated() -> Tensor { Tensor.unary(self, op: .neg) { -$0 } }
    /// eˣ
    public func exp() -> Tensor { Tensor.unary(self, op: .exp) { Foundation.exp($0) } }
    /// Natural logarithm.
    public func log() -> Tensor { Tensor.unary(self, op: .log) { Foundation.log($0) } }
    /// Square root.
    public func sqrt() -> Tensor { Tensor.unary(self, op: .sqrt) { $0.squareRoot() } }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { Tensor.unary(self, op: .tanh) { Foundation.tanh($0) } }
    /// 1 / (1 + e^−x)
    public func sigmoid() -> Tensor { Tensor.unary(self, op: .sigmoid) { Tensor.sigmoidScalar($0) } }
    /// max(x, 0)
    public func relu() -> Tensor { Tensor.unary(self, op: .relu) { $0 > 0 ? $0 : 0 } }
    /// GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))).
    public func geluTanh() -> Tensor {
        Tensor.unary(self, op: .geluTanh) { x in 0.5 * x * (1 + Foundation.tanh(geluK * (x + geluC * x * x * x))) }
    }
    /// GELU, exact erf form: 0.5·x·(1 + erf(x/√2)).
    public func geluErf() -> Tensor {
        Tensor.unaryVector(self, op: .geluErf) { x in 0.5 * x * (1 + simdErf(x * 0.707_106_781_186_547_5)) }
    }
    /// SiLU (swish): x · sigmoid(x).
    public func silu() -> Tensor { Tensor.unary(self, op: .silu) { $0 * Tensor.sigmoidScalar($0) } }
    /// softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|) so it neither overflows
    /// for large x nor loses the tail for very negative x.
    public func softplus() -> Tensor {
        Tensor.unary(self, op: .softplus) { Swift.max($0, 0) + Foundation.log1p(Foundation.exp(-Swift.abs($0))) }
    }
    /// log σ(x) = −softplus(−x) = min(x, 0) − log1p(e^−|x|): the Bradley–Terry log-likelihood of a
    /// reward margin x, finite for every finite x (log(sigmoid(x)) is −∞ below x ≈ −88 in Float).
    public func logSigmoid() -> Tensor {
        Tensor.unary(self, op: .logSigmoid) { Swift.min($0, 0) - Foundation.log1p(Foundation.exp(-Swift.abs($0))) }
    }

    @inline(__always) static func sigmoidScalar(_ x: Float) -> Float {
        x >= 0
            ? 1 / (1 + Foundation.exp(-x))
            : {
                let e = Foundation.exp(x)
                return e / (1 + e)
            }()
    }

    // MARK: backward

    /// One rule for all elementwise ops: dx = g · f'(x), with f' from the saved x and y.
    static let unaryBackward: BackwardRule = { node, g in
        let p = node.payload(as: UnaryPayload.self)
        let op = node.op
        let s = p.scalar
        var dx = [Float](repeating: 0, count: g.count)
        node.inputs[0].storage.withUnsafeBufferPointer { x in
            p.output.withUnsafeBufferPointer { y in
                g.withUnsafeBufferPointer { g in
                    dx.withUnsafeMutableBufferPointer { dx in
                        let x = x
                        let y = y
                        let g = g
                        let dx = dx
                        TensorParallel.forEachChunk(dx.count) { r in
                            for i in r { dx[i] = g[i] * unaryDerivative(op, x: x[i], y: y[i], scalar: s) }
                        }
                    }
                }
            }
        }
        return [dx]
    }

    /// f'(x) of each elementwise op, from the input x, the saved output y and the op's scalar.
    @inline(__always) static func unaryDerivative(_ op: Op, x: Float, y: Float, scalar s: Float) -> Float {
        switch op {
        case .addScalar: return 1
        case .mulScalar: return s
        case .powScalar: return s * Foundation.pow(x, s - 1)
        case .neg: return -1
        case .exp: return y
        case .log: return 1 / x
        case .sqrt: return 0.5 / y
        case .tanh: return 1 - y * y
        case .sigmoid: return y * (1 - y)
        case .relu: return x > 0 ? 1 : 0
        case .geluTanh:
            let t = Foundation.tanh(geluK * (x + geluC * x * x * x))
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * geluK * (1 + 3 * geluC * x * x)
        case .geluErf:
            let cdf = 0.5 * (1 + Foundation.erf(x * 0.707_106_781_186_547_5))
            return cdf + x * Foundation.exp(-0.5 * x * x) * 0.398_942_280_401_432_7
        case .silu:
            let sg = sigmoidScalar(x)
            return sg * (1 + x * (1 - sg))
        case .softplus: return sigmoidScalar(x)
        case .logSigmoid: return sigmoidScalar(-x)
        default: preconditionFailure("unaryBackward: \(op) is not an elementwise op")
        }
    }
}

extension Reference {
    /// Naive elementwise op in Double (the formula written out, no shared helpers with the fast path).
    package static func unary(_ op: Op, _ x: [Double], scalar s: Double = 0) -> [Double] {
        x.map { v in
            switch op {
            case .addScalar: return v + s
            case .mulScalar: return v * s
            case .powScalar: return Foundation.pow(v, s)
            case .neg: return -v
            case .exp: return Foundation.exp(v)
            case .log: return Foundation.log(v)
            case .sqrt: return v.squareRoot()
            case .tanh: return Foundation.tanh(v)
            case .sigmoid: return 1 / (1 + Foundation.exp(-v))
            case .relu: return Swift.max(v, 0)
            case .geluTanh:
                return 0.5 * v * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)))
            case .geluErf: return 0.5 * v * (1 + Foundation.erf(v / 2.0.squareRoot()))
            case .silu: return v / (1 + Foundation.exp(-v))
            case .softplus: return Foundation.log(1 + Foundation.exp(v))
            case .logSigmoid: return -Foundation.log(1 + Foundation.exp(-v))
            default: preconditionFailure("Reference.unary: \(op) is not an elementwise op")
            }
        }
    }
}
