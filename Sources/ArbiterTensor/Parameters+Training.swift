// Parameters+Training: the thin glue between `Parameters` (tensors with autograd gradients) and
// the flat-buffer training machinery: optimizer steps, global-norm gradient clipping, and
// safetensors save/load of the parameter values. Every update rule lives in the optimizers and
// in GradientClipping; this file only pins the tensors' memory and hands it over.
// Not a checkpoint (Checkpoint+Training.swift) and not a training loop.
import Foundation

/// Why parameter values could not be loaded from a file or checkpoint.
public enum ParametersError: LocalizedError, Sendable, Equatable {
    /// The source lacks a tensor the model has.
    case missingTensor(source: String, name: String)
    /// The source's tensor has another shape than the model's parameter.
    case shapeMismatch(source: String, name: String, expected: [Int], found: [Int])
    /// The source holds a tensor the model does not have.
    case unexpectedTensor(source: String, name: String)

    public var errorDescription: String? {
        switch self {
        case .missingTensor(let source, let name):
            return
                "\(source): no tensor '\(name)'; the file belongs to a different model or was truncated. Save it again from this model."
        case .shapeMismatch(let source, let name, let expected, let found):
            return
                "\(source): tensor '\(name)' has shape \(found) but the parameter is \(expected); build the model with the configuration the file was saved from."
        case .unexpectedTensor(let source, let name):
            return
                "\(source): tensor '\(name)' is not a parameter of this model; load it into the model it was saved from."
        }
    }
}

extension Parameters {
    /// Default weight-decay rule (nanoGPT): matrices (rank ≥ 2) decay; biases, norm gains and
    /// other vectors do not.
    public static func decaysByDefault(_ name: String, _ tensor: Tensor) -> Bool { tensor.rank >= 2 }

    /// Runs `body` with the flat buffers of every parameter that has a gradient, all pinned at
    /// once (in order); parameters without a gradient are left out.
    public func withParameterBuffers<R>(
        decays: (String, Tensor) -> Bool = Parameters.decaysByDefault,
        _ body: ([ParameterBuffer]) throws -> R
    ) rethrows -> R {
        let trained = self.filter { $0.tensor.grad != nil }
        precondition(
            Set(trained.map { ObjectIdentifier($0.tensor) }).count == trained.count,
            "Parameters: one tensor is registered under two names; register a tied weight once")
        func pin(_ index: Int, _ buffers: inout [ParameterBuffer]) throws -> R {
            guard index < trained.count else { return try body(buffers) }
            let (name, tensor) = trained[index]
            guard let grad = tensor.grad else { return try pin(index + 1, &buffers) }
            precondition(
                grad.count == tensor.count,
                "Parameters: gradient of '\(name)' has \(grad.count) elements for shape \(tensor.shape.shapeString)")
            let decay = decays(name, tensor)
            return try grad.storage.withUnsafeBufferPointer { g in
                try tensor.storage.withUnsafeMutableBufferPointer { v in
                    buffers.append(ParameterBuffer(name: name, value: v, gradient: g, decays: decay))
                    defer { buffers.removeLast() }
                    return try pin(index + 1, &buffers)
                }
            }
        }
        var buffers: [ParameterBuffer] = []
        buffers.reserveCapacity(trained.count)
        return try pin(0, &buffers)
    }

    /// Runs `body` with every existing gradient as a mutable flat buffer, all pinned at once.
    func withGradientBuffers<R>(_ body: ([UnsafeMutableBufferPointer<Float>]) throws -> R) rethrows -> R {
        let grads = self.compactMap(\.tensor.grad)
        func pin(_ index: Int, _ buffers: inout [UnsafeMutableBufferPointer<Float>]) throws -> R {
            guard index < grads.count else { return try body(buffers) }
            return try grads[index].storage.withUnsafeMutableBufferPointer { g in
                buffers.append(g)
                defer { buffers.removeLast() }
                return try pin(index + 1, &buffers)
            }
        }
        var buffers: [UnsafeMutableBufferPointer<Float>] = []
        return try pin(0, &buffers)
    }

    /// Global L2 norm over all existing gradients (Double accumulation).
    public func gradientNorm() -> Double {
        withGradientBuffers { GradientClipping.globalNorm($0.map { UnsafeBufferPointer($0) }) }
    }

    /// Clips all gradients to a global L2 norm of `maxNorm` (GradientClipping.clipGlobalNorm);
    /// returns the norm measured before clipping.
    @discardableResult
    public func clipGradients(maxNorm: Float) -> Double {
        withGradientBuffers { GradientClipping.clipGlobalNorm($0, maxNorm: maxNorm) }
    }

    /// The values as F32 safetensors entries, in parameter order.
    public func safeTensorsEntries() -> [SafeTensorsEntry] {
        map { SafeTensorsEntry(name: $0.name, shape: $0.tensor.shape, values: $0.tensor.scalars) }
    }

    /// Writes the values to a safetensors file (atomically).
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try SafeTensorsWriter.write(safeTensorsEntries(), metadata: metadata, to: url)
    }

    /// Overwrites every parameter's values from `entries`, all or nothing: every parameter must
    /// be present with its exact shape and no extra tensor may be present, else nothing changes.
    public func assign(from entries: [SafeTensorsEntry], source: String) throws {
        var byName: [String: SafeTensorsEntry] = [:]
        for entry in entries {
            guard self[entry.name] != nil else {
                throw ParametersError.unexpectedTensor(source: source, name: entry.name)
            }
            byName[entry.name] = entry
        }
        for (name, tensor) in self {
            guard let entry = byName[name] else { throw ParametersError.missingTensor(source: source, name: name) }
            guard entry.shape == tensor.shape, entry.values.count == tensor.count else {
                throw ParametersError.shapeMismatch(
                    source: source, name: name, expected: tensor.shape, found: entry.shape)
            }
        }
        for (name, tensor) in self {
            if let entry = byName[name] { tensor.assign(entry.values) }
        }
    }

    /// Loads values saved by `save(to:)` (any float dtype the reader converts) into the parameters.
    public func load(from url: URL) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        let entries = try file.tensors.map { info in
            SafeTensorsEntry(name: info.name, shape: info.shape, values: try file.floats(info.name))
        }
        try assign(from: entries, source: url.path)
    }
}

extension Optimizer {
    /// One step over every parameter that has a gradient (those without are skipped), updating
    /// the tensors in place. `decays` picks which parameters get weight decay.
    public mutating func step(
        _ parameters: Parameters, learningRate: Float,
        decays: (String, Tensor) -> Bool = Parameters.decaysByDefault
    ) throws {
        try parameters.withParameterBuffers(decays: decays) { buffers in
            try step(buffers, learningRate: learningRate)
        }
    }
}
