// Optimizer+State: a complete, exact snapshot of an optimizer (kind, step count, hyperparameters,
// per-parameter slot buffers such as Adam moments) and its safetensors encoding: each slot buffer
// is an F32 tensor `<kind>.<slot>.<parameter>`, the rest goes into `__metadata__` as text that
// parses back to the same bits. Not the optimizers' update rules.
import Foundation

/// Everything needed to continue optimization exactly where it stopped.
public struct OptimizerState: Sendable, Equatable {
    /// "adamw" or "sgd".
    public var kind: String
    public var stepCount: Int
    public var hyperparameters: [String: Float]
    /// Slot name ("m", "v", "momentum") → parameter name → buffer.  // (n,) each
    public var slots: [String: [String: [Float]]]

    public init(kind: String, stepCount: Int, hyperparameters: [String: Float], slots: [String: [String: [Float]]]) {
        self.kind = kind
        self.stepCount = stepCount
        self.hyperparameters = hyperparameters
        self.slots = slots
    }

    static let kindKey = "arbiter.optimizer"
    static let stepKey = "arbiter.step"
    static let hyperparameterPrefix = "arbiter.hyperparameter."

    /// The state as safetensors entries plus metadata (what `write(to:)` stores).
    public func encoded() -> (entries: [SafeTensorsEntry], metadata: [String: String]) {
        var entries: [SafeTensorsEntry] = []
        for (slot, buffers) in slots {
            for (parameter, values) in buffers {
                entries.append(
                    SafeTensorsEntry(name: "\(kind).\(slot).\(parameter)", shape: [values.count], values: values))
            }
        }
        var metadata = [Self.kindKey: kind, Self.stepKey: String(stepCount)]
        for (name, value) in hyperparameters {
            metadata[Self.hyperparameterPrefix + name] = value.description  // shortest text that round-trips
        }
        return (entries, metadata)
    }

    /// Writes the state to a safetensors file atomically.
    public func write(to url: URL) throws {
        let (entries, metadata) = encoded()
        try SafeTensorsWriter.write(entries, metadata: metadata, to: url)
    }

    /// Reads a state written by `write(to:)`.
    public init(contentsOf url: URL) throws {
        try self.init(file: try SafeTensorsFile(contentsOf: url))
    }

    /// Decodes a state from an opened safetensors file.
    public init(file: SafeTensorsFile) throws {
        let source = file.path
        guard let kind = file.metadata[Self.kindKey], !kind.isEmpty, !kind.contains(".") else {
            throw OptimizerError.invalidState(
                source: source, reason: "metadata '\(Self.kindKey)' is missing or malformed")
        }
        guard let stepText = file.metadata[Self.stepKey], let step = Int(stepText), step >= 0 else {
            throw OptimizerError.invalidState(
                source: source, reason: "metadata '\(Self.stepKey)' is missing or not a non-negative integer")
        }
        var hyperparameters: [String: Float] = [:]
        for (key, text) in file.metadata where key.hasPrefix(Self.hyperparameterPrefix) {
            guard let value = Float(text) else {
                throw OptimizerError.invalidState(
                    source: source, reason: "hyperparameter '\(key)' = '\(text)' is not a number")
            }
            hyperparameters[String(key.dropFirst(Self.hyperparameterPrefix.count))] = value
        }
        var slots: [String: [String: [Float]]] = [:]
        let prefix = kind + "."
        for info in file.tensors {
            guard info.dtype == .float32, info.name.hasPrefix(prefix) else {
                throw OptimizerError.invalidState(
                    source: source, reason: "tensor '\(info.name)' is not an F32 '\(prefix)<slot>.<parameter>' buffer")
            }
            let rest = info.name.dropFirst(prefix.count)
            guard let dot = rest.firstIndex(of: "."), dot != rest.startIndex, rest.index(after: dot) != rest.endIndex
            else {
                throw OptimizerError.invalidState(
                    source: source, reason: "tensor '\(info.name)' lacks a '<slot>.<parameter>' suffix")
            }
            let slot = String(rest[..<dot])
            let parameter = String(rest[rest.index(after: dot)...])
            slots[slot, default: [:]][parameter] = try file.floats(info.name)
        }
        self.init(kind: kind, stepCount: step, hyperparameters: hyperparameters, slots: slots)
    }

    // MARK: checks used by the optimizers' init(restoring:)

    /// Throws unless this is a `kind` state with only the given slots; with `pairedSlots`, every
    /// slot must hold the same parameters with the same sizes.
    func expect(kind expected: String, slots allowed: [String], pairedSlots: Bool) throws {
        guard kind == expected else { throw OptimizerError.wrongKind(expected: expected, found: kind) }
        guard stepCount >= 0 else {
            throw OptimizerError.invalidState(source: "\(kind) state", reason: "negative step count")
        }
        for slot in slots.keys where !allowed.contains(slot) {
            throw OptimizerError.invalidState(
                source: "\(kind) state", reason: "unknown slot '\(slot)' (expected \(allowed.joined(separator: ", ")))")
        }
        guard pairedSlots else { return }
        let reference = slots[allowed[0]] ?? [:]
        for slot in allowed.dropFirst() {
            let other = slots[slot] ?? [:]
            guard Set(other.keys) == Set(reference.keys),
                other.allSatisfy({ reference[$0.key]?.count == $0.value.count })
            else {
                throw OptimizerError.invalidState(
                    source: "\(kind) state",
                    reason: "slots '\(allowed[0])' and '\(slot)' cover different parameters or sizes")
            }
        }
    }

    /// The named hyperparameter, or an error naming it.
    func hyperparameter(_ name: String) throws -> Float {
        guard let value = hyperparameters[name] else {
            throw OptimizerError.invalidState(source: "\(kind) state", reason: "hyperparameter '\(name)' is missing")
        }
        return value
    }
}
