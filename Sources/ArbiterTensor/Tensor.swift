// Tensor: the Float32 n-dimensional array with reverse-mode autograd that the rest of Arbiter
// builds on. It is NOT a view library: storage is always row-major and contiguous, and every op
// that reorders data (transpose, permute, slice) produces a fresh contiguous tensor.
//
// Why a final class and not a struct: a tensor is a node identity on the autograd tape (the
// gradient of `x` must reach the same `x` the user holds, `x.grad` is filled in place by
// `backward()`), and optimizers update parameters in place. Reference semantics make both
// natural. The element buffer itself is a Swift `[Float]`, so `reshape` and `detached()` share
// bytes copy-on-write without copying.
import ArbiterCore
import Foundation

/// A Float32 tensor: shape, row-major contiguous storage, and an optional node on the autograd tape.
public final class Tensor {
    /// Extent of each axis; `[]` is a scalar (one element).
    public let shape: [Int]
    /// Elements in row-major order; `count == shape.product`. Every write (in place through a
    /// buffer pointer, an element, or a new array) advances `version`.
    package var storage: [Float] {
        didSet { version &+= 1 }
    }
    /// How many times `storage` was written since the tensor was made: a copy derived from the
    /// values (LlamaModel's quantised weight blocks) records it and is stale once it moves.
    package private(set) var version: UInt64 = 0
    /// When true, `backward()` accumulates this tensor's gradient into `grad`.
    public var requiresGrad: Bool
    /// Accumulated gradient (same shape), or nil before the first backward / after `zeroGrad()`.
    public var grad: Tensor?
    /// The op that produced this tensor, when it was recorded on the tape.
    package var node: Node?

    /// Wraps `scalars` (row-major) as a tensor of `shape`.
    public init(_ scalars: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape.shapeString)")
        precondition(
            scalars.count == shape.elementCount,
            "Tensor: \(scalars.count) scalars do not fill shape \(shape.shapeString) (\(shape.elementCount) elements)")
        self.shape = shape
        self.storage = scalars
        self.requiresGrad = requiresGrad
    }

    /// A rank-0 tensor holding `value`.
    public convenience init(scalar value: Float, requiresGrad: Bool = false) {
        self.init([value], shape: [], requiresGrad: requiresGrad)
    }

    /// A tensor of `shape` with every element `value`.
    public convenience init(repeating value: Float, shape: [Int], requiresGrad: Bool = false) {
        self.init([Float](repeating: value, count: shape.elementCount), shape: shape, requiresGrad: requiresGrad)
    }

    /// All zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: 0, shape: shape, requiresGrad: requiresGrad)
    }

    /// All ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: 1, shape: shape, requiresGrad: requiresGrad)
    }

    /// Every element `value`.
    public static func full(_ shape: [Int], value: Float, requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: value, shape: shape, requiresGrad: requiresGrad)
    }

    /// Normal(mean, standardDeviation) samples drawn from `rng`.
    public static func randomNormal(
        _ shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
        using rng: inout SeededRNG, requiresGrad: Bool = false
    ) -> Tensor {
        var values = [Float](repeating: 0, count: shape.elementCount)
        for i in values.indices { values[i] = mean + standardDeviation * rng.nextNormal() }
        return Tensor(values, shape: shape, requiresGrad: requiresGrad)
    }

    /// Uniform samples in `[range.lowerBound, range.upperBound)` drawn from `rng`.
    public static func randomUniform(
        _ shape: [Int], in range: ClosedRange<Float> = 0...1,
        using rng: inout SeededRNG, requiresGrad: Bool = false
    ) -> Tensor {
        var values = [Float](repeating: 0, count: shape.elementCount)
        let width = range.upperBound - range.lowerBound
        for i in values.indices { values[i] = range.lowerBound + width * rng.nextUnitFloat() }
        return Tensor(values, shape: shape, requiresGrad: requiresGrad)
    }

    /// Elements in row-major order.
    public var scalars: [Float] { storage }
    /// Number of elements.
    public var count: Int { storage.count }
    /// Number of axes.
    public var rank: Int { shape.count }

    /// The single element of a one-element tensor.
    public func item() -> Float {
        precondition(
            storage.count == 1, "item: tensor of shape \(shape.shapeString) has \(storage.count) elements, not 1")
        return storage[0]
    }

    /// Element at a full multi-index (one index per axis). Setting it edits storage in place.
    public subscript(_ indices: Int...) -> Float {
        get { storage[flatIndex(indices)] }
        set { storage[flatIndex(indices)] = newValue }
    }

    func flatIndex(_ indices: [Int]) -> Int {
        precondition(
            indices.count == shape.count, "Tensor subscript: \(indices.count) indices for shape \(shape.shapeString)")
        var flat = 0
        for (axis, i) in indices.enumerated() {
            precondition(
                i >= 0 && i < shape[axis],
                "Tensor subscript: index \(i) out of range for axis \(axis) of shape \(shape.shapeString)")
            flat = flat * shape[axis] + i
        }
        return flat
    }

    /// Overwrites every element in place (e.g. restoring a checkpoint into a parameter).
    /// The tape is not told: do not call it on a tensor whose old values a pending backward needs.
    public func assign(_ scalars: [Float]) {
        precondition(scalars.count == count, "assign: \(scalars.count) scalars for shape \(shape.shapeString)")
        storage = scalars
    }

    /// A new tensor that shares the values but is cut from the tape (no node, no requiresGrad).
    public func detached() -> Tensor { Tensor(storage, shape: shape) }

    /// True when gradients flow through this tensor (a leaf that requires grad, or an op output).
    package var tracksGrad: Bool { requiresGrad || node != nil }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = storage.prefix(8).map { String(format: "%.4g", Double($0)) }.joined(separator: ", ")
        return "Tensor\(shape.shapeString)[\(shown)\(storage.count > 8 ? ", …" : "")]"
    }
}

extension Array where Element == Int {
    /// Product of the extents (1 for a scalar shape `[]`).
    var elementCount: Int { reduce(1, *) }
    /// `(2, 3)` style rendering used in precondition messages.
    var shapeString: String { "(" + map(String.init).joined(separator: ", ") + ")" }
}

/// Normalises a possibly negative axis against `rank`, or traps naming the op and shape.
func normalizedAxis(_ axis: Int, rank: Int, op: String, shape: [Int]) -> Int {
    let a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < rank, "\(op): axis \(axis) out of range for shape \(shape.shapeString)")
    return a
}
