// GRPOTrainer+Checkpoint: `<output_dir>/checkpoint` (ArbiterTensor's atomic Checkpoint: written in
// a staging folder and renamed into place, so a kill -9 leaves the previous one whole): the
// trainable tensors, AdamW's moments and step, the step count, the prompt draw position and the
// run's hash. Everything else a step depends on is a function of (seed, step): the prompt order,
// the samplers' seeds. So rerunning the same command after a kill, or with a larger `max_steps`,
// continues bit-identically. Settings that change the run refuse to resume (GRPOCheckpointMismatch).
import ArbiterCore
import ArbiterTensor
import Foundation

/// A checkpoint written by a run with other settings.
public struct GRPOCheckpointMismatch: Error, LocalizedError, Equatable {
    public var path: String
    public var saved: String
    public var current: String
    public var errorDescription: String? {
        "\(path) was written by a run with other settings (hash \(saved.prefix(12)), this run \(current.prefix(12))); "
            + "rerun with the same settings (max_steps may grow with a constant learning rate) or choose a new output_dir"
    }
}

extension GRPOTrainer {
    var checkpointURL: URL { configuration.outputDir.appendingPathComponent("checkpoint") }

    /// SHA-256 of everything that decides the run's steps: every setting except max_steps (kept
    /// when the learning rate decays over max_steps), save_steps, output_dir and the monitors' stop switch;
    /// the prompts file; the trainable parameters' names and shapes.
    var runHash: String {
        var c = configuration
        if c.lrSchedulerType == .constant { c.maxSteps = 0 }
        c.saveSteps = 1
        c.stopOnHacking = false
        c.outputDir = URL(fileURLWithPath: "/")  // the folder may move
        var hasher = SHA256Hex()
        hasher.update(Data(String(reflecting: c).utf8))
        hasher.update(Data(dataset.sha256.utf8))
        for (name, tensor) in policy.trainableParameters { hasher.update(Data("\(name)\(tensor.shape)".utf8)) }
        return hasher.finalize()
    }

    func saveCheckpoint(parameters: Parameters, state: GRPOState) throws {
        let metadata = ["grpo.run_hash": runHash, "grpo.data_position": String(state.dataPosition)]
        try Checkpoint(
            parameters: parameters, optimizer: state.optimizer, rng: SeededRNG(seed: configuration.seed),
            step: state.step, metadata: metadata
        ).save(to: checkpointURL)
    }

    /// The saved state written into `parameters`; nil when there is no checkpoint yet.
    func restoreCheckpoint(parameters: Parameters) throws -> GRPOState? {
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint(contentsOf: checkpointURL)
        } catch CheckpointError.notACheckpoint where !FileManager.default.fileExists(atPath: checkpointURL.path) {
            return nil
        }
        let saved = checkpoint.metadata["grpo.run_hash"] ?? ""
        let current = runHash
        guard saved == current else {
            throw GRPOCheckpointMismatch(path: checkpointURL.path, saved: saved, current: current)
        }
        guard let position = checkpoint.metadata["grpo.data_position"].flatMap(Int.init) else {
            throw CheckpointError.invalidManifest(path: checkpointURL.path, reason: "grpo.data_position is missing")
        }
        let (optimizer, _, step) = try checkpoint.restore(into: parameters, optimizer: AdamW.self)
        return GRPOState(step: step, optimizer: optimizer, dataPosition: position)
    }
}
