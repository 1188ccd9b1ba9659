// SafeTensorsCheckpointTests: Checkpoint directories round-trip tensors, optimizer state and
// metadata exactly, replace an older checkpoint atomically, leave the old one intact when a save
// fails, and report corrupt or partial directories with typed errors.
import ArbiterTensor
import Foundation
import Testing

@Suite struct SafeTensorsCheckpointTests {
    private func sample() throws -> Checkpoint {
        var adam = AdamW()
        var values: [String: [Float]] = ["w": [1, -2, 3], "b": [0.5]]
        try adam.step(values: &values, gradients: ["w": [0.1, 0.2, -0.3], "b": [1]], learningRate: 0.01)
        return Checkpoint(
            tensors: [
                SafeTensorsEntry(name: "w", shape: [3], values: values["w"] ?? []),
                SafeTensorsEntry(name: "b", shape: [], values: values["b"] ?? []),
                SafeTensorsEntry(name: "empty", shape: [0, 4], values: []),
            ],
            optimizer: adam.state(),
            metadata: ["rng": "0x1234abcd:17", "step": "1", "note": "quote \" and newline \n"])
    }

    private func leftovers(_ parent: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: parent.path).filter { $0.hasPrefix(".") }
    }

    @Test func roundTripsEverything() throws {
        let parent = try makeSafeTensorsScratchDirectory("checkpoint")
        defer { try? FileManager.default.removeItem(at: parent) }
        let target = parent.appendingPathComponent("step-1")
        let original = try sample()
        try original.save(to: target)
        let loaded = try Checkpoint(contentsOf: target)
        #expect(loaded.metadata == original.metadata)
        #expect(loaded.optimizer == original.optimizer)
        #expect(Set(loaded.tensors.map(\.name)) == ["w", "b", "empty"])
        for entry in original.tensors {
            #expect(loaded.values(entry.name)?.map(\.bitPattern) == entry.values.map(\.bitPattern))
            #expect(loaded.tensors.first { $0.name == entry.name }?.shape == entry.shape)
        }
        #expect(try leftovers(parent).isEmpty)
        let restored = try AdamW(restoring: try #require(loaded.optimizer))
        #expect(restored.stepCount == 1)

        let bare = parent.appendingPathComponent("bare")
        try Checkpoint(tensors: [SafeTensorsEntry(name: "x", shape: [1], values: [7])]).save(to: bare)
        let reloaded = try Checkpoint(contentsOf: bare)
        #expect(reloaded.optimizer == nil && reloaded.metadata.isEmpty && reloaded.values("x") == [7])
    }

    @Test func replacesAtomicallyAndSurvivesFailedSave() throws {
        let parent = try makeSafeTensorsScratchDirectory("checkpoint-replace")
        defer { try? FileManager.default.removeItem(at: parent) }
        let target = parent.appendingPathComponent("latest")
        try sample().save(to: target)
        let newer = Checkpoint(
            tensors: [SafeTensorsEntry(name: "w", shape: [2], values: [9, 8])], metadata: ["step": "2"])
        try newer.save(to: target)
        let loaded = try Checkpoint(contentsOf: target)
        #expect(loaded.values("w") == [9, 8] && loaded.metadata == ["step": "2"] && loaded.optimizer == nil)
        #expect(!FileManager.default.fileExists(atPath: target.appendingPathComponent("optimizer.safetensors").path))
        #expect(try leftovers(parent).isEmpty)

        // A save that fails half-way (the second tensor is inconsistent) leaves "latest" untouched.
        let broken = Checkpoint(tensors: [
            SafeTensorsEntry(name: "w", shape: [2], values: [1, 2]),
            SafeTensorsEntry(name: "v", shape: [5], values: [1]),
        ])
        #expect(throws: SafeTensorsError.self) { try broken.save(to: target) }
        #expect(try Checkpoint(contentsOf: target).values("w") == [9, 8])
        #expect(try leftovers(parent).isEmpty)
    }

    @Test func corruptCheckpointsGiveTypedErrors() throws {
        let parent = try makeSafeTensorsScratchDirectory("checkpoint-corrupt")
        defer { try? FileManager.default.removeItem(at: parent) }
        let target = parent.appendingPathComponent("c")
        #expect(throws: CheckpointError.notACheckpoint(path: target.path)) { try Checkpoint(contentsOf: target) }
        try sample().save(to: target)
        let manifest = target.appendingPathComponent("checkpoint.json")
        let model = target.appendingPathComponent("model.safetensors")
        let goodManifest = try Data(contentsOf: manifest)
        let goodModel = try Data(contentsOf: model)

        try Data("{not json".utf8).write(to: manifest)
        #expect(throws: CheckpointError.self) { try Checkpoint(contentsOf: target) }
        try Data(#"{"format":"arbiter-checkpoint","version":99,"metadata":{},"model":"model.safetensors"}"#.utf8).write(
            to: manifest)
        #expect(throws: CheckpointError.unsupportedVersion(path: manifest.path, version: 99)) {
            try Checkpoint(contentsOf: target)
        }
        try Data(#"{"format":"arbiter-checkpoint","version":1,"metadata":{},"model":"../escape"}"#.utf8).write(
            to: manifest)
        #expect(throws: CheckpointError.self) { try Checkpoint(contentsOf: target) }
        try goodManifest.write(to: manifest)

        try goodModel.prefix(goodModel.count - 3).write(to: model)
        #expect(throws: SafeTensorsError.self) { try Checkpoint(contentsOf: target) }
        try goodModel.write(to: model)
        try FileManager.default.removeItem(at: target.appendingPathComponent("optimizer.safetensors"))
        #expect(throws: SafeTensorsError.self) { try Checkpoint(contentsOf: target) }
    }

    @Test func interruptedSavesRecoverAndForeignDirectoriesAreKept() throws {
        let parent = try makeSafeTensorsScratchDirectory("checkpoint-recover")
        defer { try? FileManager.default.removeItem(at: parent) }
        let target = parent.appendingPathComponent("latest")
        try sample().save(to: target)
        // A crash between "move old aside" and "rename staging in" leaves only the aside copy and
        // a staging directory; loading finds the aside copy, and the next save cleans both up.
        let aside = parent.appendingPathComponent(".latest.old-crashed")
        try FileManager.default.moveItem(at: target, to: aside)
        let staging = parent.appendingPathComponent(".latest.staging-crashed")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        try Data("partial".utf8).write(to: staging.appendingPathComponent("model.safetensors"))
        #expect(try Checkpoint(contentsOf: target).values("w") == sample().values("w"))
        try Checkpoint(tensors: [SafeTensorsEntry(name: "w", shape: [1], values: [4])]).save(to: target)
        #expect(try Checkpoint(contentsOf: target).values("w") == [4])
        #expect(try leftovers(parent).isEmpty)

        let foreign = parent.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: false)
        try Data("keep me".utf8).write(to: foreign.appendingPathComponent("notes.txt"))
        #expect(throws: CheckpointError.self) { try sample().save(to: foreign) }
        #expect(try String(contentsOf: foreign.appendingPathComponent("notes.txt"), encoding: .utf8) == "keep me")
        #expect(try leftovers(parent).isEmpty)
    }
}
