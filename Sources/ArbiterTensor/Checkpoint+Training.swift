// Checkpoint+Training: a training checkpoint made of `Parameters`, an optimizer's state, the
// `SeededRNG` state and the step, and its exact restoration (parameter values, moments and RNG
// words round-trip bit for bit through safetensors F32 and decimal metadata). Saving and atomic
// publication are Checkpoint+Save's; this file only maps training state onto a `Checkpoint`.
import ArbiterCore
import Foundation

extension Checkpoint {
    static let stepKey = "arbiter.training.step"
    static let rngKey = "arbiter.training.rng"

    /// Captures parameters, optimizer state, RNG state and the number of completed steps.
    /// `metadata` is stored alongside (its keys must not start with "arbiter.training.").
    public init(
        parameters: Parameters, optimizer: some Optimizer, rng: SeededRNG, step: Int,
        metadata: [String: String] = [:]
    ) {
        precondition(step >= 0, "Checkpoint: negative step \(step)")
        var all = metadata
        all[Self.stepKey] = String(step)
        all[Self.rngKey] = rng.state.words.map(String.init).joined(separator: ",")
        self.init(tensors: parameters.safeTensorsEntries(), optimizer: optimizer.state(), metadata: all)
    }

    /// The number of completed training steps recorded by `init(parameters:optimizer:rng:step:)`.
    public func trainingStep() throws -> Int {
        guard let text = metadata[Self.stepKey], let step = Int(text), step >= 0 else {
            throw CheckpointError.invalidManifest(
                path: "checkpoint metadata", reason: "'\(Self.stepKey)' is missing or not a non-negative integer")
        }
        return step
    }

    /// The random generator exactly as it was when the checkpoint was made.
    public func trainingRNG() throws -> SeededRNG {
        let fields = metadata[Self.rngKey]?.split(separator: ",", omittingEmptySubsequences: false) ?? []
        let words = fields.compactMap { UInt64($0) }
        guard words.count == fields.count, let rng = SeededRNG(state: SeededRNG.State(words: words)) else {
            throw CheckpointError.invalidManifest(
                path: "checkpoint metadata",
                reason: "'\(Self.rngKey)' is missing or not four comma-separated UInt64 words (not all zero)")
        }
        return rng
    }

    /// Rebuilds the optimizer from the saved state (its kind must match `type`).
    public func trainingOptimizer<O: Optimizer>(_ type: O.Type) throws -> O {
        guard let optimizer else {
            throw CheckpointError.invalidManifest(
                path: "checkpoint", reason: "it holds no optimizer state; save it with an optimizer")
        }
        return try O(restoring: optimizer)
    }

    /// Restores everything: writes the saved values into `parameters` (all or nothing, shapes
    /// checked) and returns the optimizer, RNG and step to continue from.
    public func restore<O: Optimizer>(
        into parameters: Parameters, optimizer type: O.Type
    ) throws -> (optimizer: O, rng: SeededRNG, step: Int) {
        let optimizer = try trainingOptimizer(type)
        let rng = try trainingRNG()
        let step = try trainingStep()
        try parameters.assign(from: tensors, source: "checkpoint")
        return (optimizer, rng, step)
    }
}
