// Parameters: an ordered name → Tensor collection of trainable tensors, the unit optimizers step
// and checkpoints save. Names are unique; order is insertion order (stable across runs, so
// optimizer state and checkpoints line up). Not an optimizer and not a file format.

/// Ordered, uniquely named trainable tensors.
public struct Parameters: Sequence {
    public private(set) var names: [String] = []
    private var tensors: [String: Tensor] = [:]

    public init() {}

    /// Builds from (name, tensor) pairs in order; names must be unique.
    public init(_ pairs: [(String, Tensor)]) {
        for (name, tensor) in pairs { add(name, tensor) }
    }

    /// Appends a parameter (marks it `requiresGrad`). A duplicate name is a programming error.
    public mutating func add(_ name: String, _ tensor: Tensor) {
        precondition(tensors[name] == nil, "Parameters: duplicate name \"\(name)\"")
        tensor.requiresGrad = true
        names.append(name)
        tensors[name] = tensor
    }

    /// New tensors holding copies of every value, under the same names in the same order, with
    /// the same `requiresGrad` and no gradients: writes to one set never reach the other.
    public func deepCopy() -> Parameters {
        var copy = Parameters()
        for (name, tensor) in self {
            let twin = Tensor(tensor.scalars, shape: tensor.shape)
            copy.add(name, twin)
            twin.requiresGrad = tensor.requiresGrad
        }
        return copy
    }

    /// The tensor named `name`, or nil.
    public subscript(name: String) -> Tensor? { tensors[name] }

    /// Number of named tensors.
    public var count: Int { names.count }
    /// Total number of scalars over all tensors.
    public var scalarCount: Int { names.reduce(0) { $0 + (tensors[$1]?.count ?? 0) } }

    public func makeIterator() -> AnyIterator<(name: String, tensor: Tensor)> {
        var i = 0
        let names = self.names
        let tensors = self.tensors
        return AnyIterator {
            guard i < names.count, let t = tensors[names[i]] else { return nil }
            defer { i += 1 }
            return (names[i], t)
        }
    }

    /// Forgets every accumulated gradient.
    public func zeroGrad() { for (_, t) in self { t.zeroGrad() } }

    /// Visits each parameter in order with its values (mutable, in place) and its gradient
    /// (nil when no backward has reached it since the last `zeroGrad`). For optimizers.
    /// `body` must not read the visited tensor through other paths (exclusive access).
    public func forEachBuffer(
        _ body: (_ name: String, _ value: UnsafeMutableBufferPointer<Float>, _ grad: UnsafeBufferPointer<Float>?) throws
            -> Void
    ) rethrows {
        for (name, tensor) in self {
            try Self.withBuffers(of: tensor) { try body(name, $0, $1) }
        }
    }

    /// Visits, in order, the gradient of every parameter that has one, mutable in place
    /// (for gradient clipping and scaling). Parameters without a gradient are skipped.
    public func forEachGradient(_ body: (_ name: String, _ grad: UnsafeMutableBufferPointer<Float>) throws -> Void)
        rethrows
    {
        for (name, tensor) in self {
            guard let grad = tensor.grad else { continue }
            try grad.storage.withUnsafeMutableBufferPointer { try body(name, $0) }
        }
    }

    /// Runs `body` on one named parameter's values (mutable) and gradient; nil if no such name.
    public func withBuffers<R>(
        named name: String,
        _ body: (_ value: UnsafeMutableBufferPointer<Float>, _ grad: UnsafeBufferPointer<Float>?) throws -> R
    ) rethrows -> R? {
        guard let tensor = tensors[name] else { return nil }
        return try Self.withBuffers(of: tensor, body)
    }

    private static func withBuffers<R>(
        of tensor: Tensor, _ body: (UnsafeMutableBufferPointer<Float>, UnsafeBufferPointer<Float>?) throws -> R
    ) rethrows -> R {
        let grad = tensor.grad?.storage
        return try tensor.storage.withUnsafeMutableBufferPointer { value in
            if let grad {
                return try grad.withUnsafeBufferPointer { try body(value, $0) }
            }
            return try body(value, nil)
        }
    }
}
