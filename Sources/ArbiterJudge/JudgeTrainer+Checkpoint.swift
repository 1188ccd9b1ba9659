// JudgeTrainer+Checkpoint: the run's resumable state in `<out>/checkpoint` (ArbiterTensor's atomic
// Checkpoint): the trainable tensors, the best validated values (`best.<name>`), both AdamW
// states in one optimizer file (their parameter names are disjoint, their step counts equal),
// and the step, best agreement and patience count as metadata, with the configuration's hash so
// a rerun with other settings is refused instead of mixed. Not the saved judge (TrainedJudge).
import ArbiterCore
import ArbiterTensor
import Foundation

/// A checkpoint that cannot continue this run.
struct JudgeCheckpointMismatch: Error, LocalizedError, Equatable {
    var path: String
    var saved: String
    var current: String
    var errorDescription: String? {
        "\(path) was written by a run with other settings (configuration hash \(saved.prefix(12)), "
            + "this run \(current.prefix(12))); rerun with the same settings to resume, or choose a new --out"
    }
}

extension JudgeTrainer {
    var checkpointURL: URL { directory.appendingPathComponent("checkpoint") }

    /// SHA-256 of everything that decides the run: settings, examples (ids and labels) and the
    /// trainable parameters' names and shapes.
    var runHash: String {
        var hasher = SHA256Hex()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        hasher.update((try? encoder.encode(configuration)) ?? Data())
        switch examples {
        case .pairwise(let pairs):
            for p in pairs { hasher.update(Data("\(p.id)\u{1}\(p.winner.rawValue)\u{1}\(p.weight)\n".utf8)) }
        case .pointwise(let items, _):
            for p in items { hasher.update(Data("\(p.id)\u{1}\(p.score)\u{1}\(p.weight)\n".utf8)) }
        }
        for (name, tensor) in parameters { hasher.update(Data("\(name)\(tensor.shape)".utf8)) }
        return hasher.finalize()
    }

    func saveCheckpoint(parameters: Parameters, state: TrainingState) throws {
        var entries = parameters.safeTensorsEntries()
        if let best = state.bestValues {
            for (name, values) in zip(parameters.names, best) {
                entries.append(SafeTensorsEntry(name: "best." + name, shape: parameters[name]!.shape, values: values))
            }
        }
        let head = state.headOptimizer.state()
        let backbone = state.backboneOptimizer.state()
        var slots = head.slots
        for (slot, buffers) in backbone.slots { slots[slot, default: [:]].merge(buffers) { a, _ in a } }
        let optimizer = OptimizerState(
            kind: head.kind, stepCount: head.stepCount, hyperparameters: head.hyperparameters, slots: slots)
        var metadata = [
            "judge.step": String(state.step), "judge.bad_evaluations": String(state.badEvaluations),
            "judge.run_hash": runHash, "judge.backbone_steps": String(backbone.stepCount),
        ]
        if let best = state.best { metadata["judge.best"] = "\(best)" }
        if let last = state.lastValidation { metadata["judge.last_validation"] = "\(last)" }
        try Checkpoint(tensors: entries, optimizer: optimizer, metadata: metadata).save(to: checkpointURL)
    }

    /// The state saved by an earlier run of the same settings, written into `parameters`; nil
    /// when there is no checkpoint yet.
    func restoreCheckpoint(parameters: Parameters) throws -> TrainingState? {
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint(contentsOf: checkpointURL)
        } catch CheckpointError.notACheckpoint where !FileManager.default.fileExists(atPath: checkpointURL.path) {
            return nil
        }
        let saved = checkpoint.metadata["judge.run_hash"] ?? ""
        let current = runHash
        guard saved == current else {
            throw JudgeCheckpointMismatch(path: checkpointURL.path, saved: saved, current: current)
        }
        try parameters.assign(
            from: checkpoint.tensors.filter { !$0.name.hasPrefix("best.") }, source: checkpointURL.path)
        var bestValues: [[Float]]? = nil
        if checkpoint.tensors.contains(where: { $0.name.hasPrefix("best.") }) {
            bestValues = try parameters.names.map { name in
                guard let v = checkpoint.values("best." + name) else {
                    throw CheckpointError.invalidManifest(path: checkpointURL.path, reason: "best.\(name) is missing")
                }
                return v
            }
        }
        guard let optimizer = checkpoint.optimizer, let step = Int(checkpoint.metadata["judge.step"] ?? ""),
            let bad = Int(checkpoint.metadata["judge.bad_evaluations"] ?? ""),
            let backboneSteps = Int(checkpoint.metadata["judge.backbone_steps"] ?? "")
        else {
            throw CheckpointError.invalidManifest(
                path: checkpointURL.path, reason: "judge training metadata is missing")
        }
        func part(_ keep: (String) -> Bool, steps: Int) -> OptimizerState {
            var slots: [String: [String: [Float]]] = [:]
            for (slot, buffers) in optimizer.slots { slots[slot] = buffers.filter { keep($0.key) } }
            return OptimizerState(
                kind: optimizer.kind, stepCount: steps, hyperparameters: optimizer.hyperparameters, slots: slots)
        }
        return TrainingState(
            headOptimizer: try AdamW(restoring: part(Self.isHeadParameter, steps: optimizer.stepCount)),
            backboneOptimizer: try AdamW(restoring: part({ !Self.isHeadParameter($0) }, steps: backboneSteps)),
            step: step, best: checkpoint.metadata["judge.best"].flatMap(Double.init), bestValues: bestValues,
            badEvaluations: bad, lastValidation: checkpoint.metadata["judge.last_validation"].flatMap(Double.init))
    }
}

/// metrics.jsonl: one JSON object per optimizer step (and its validation), appended and
/// flushed; on resume, lines past the checkpoint's step are dropped so the file matches the run.
package final class MetricsLog {
    package let url: URL

    package init(url: URL, keepingThrough step: Int) throws {
        self.url = url
        var kept = Data()
        if step > 0, let data = try? Data(contentsOf: url) {
            for line in data.split(separator: UInt8(ascii: "\n")) {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                    let s = object["step"] as? Double, Int(s) <= step
                else { continue }
                kept.append(Data(line))
                kept.append(UInt8(ascii: "\n"))
            }
        }
        try kept.write(to: url, options: .atomic)
    }

    package func append(_ values: [String: Double]) throws {
        let object = values.mapValues { $0.isFinite ? $0 as Any : NSNull() as Any }
        try append(object: object)
    }

    /// Appends any JSON object (it must hold a numeric `step` for resume to keep or drop it).
    package func append(object: [String: Any]) throws {
        var line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        line.append(UInt8(ascii: "\n"))
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
    }

    /// Every line's values, in order.
    package static func read(_ url: URL) -> [[String: Double]] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])?.compactMapValues { $0 as? Double }
        }
    }
}
