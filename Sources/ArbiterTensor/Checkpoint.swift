// Checkpoint: a training checkpoint directory (named tensors, optional optimizer state, and user
// metadata such as an RNG state) that is saved atomically: everything is written and flushed into
// a hidden staging directory next to the target, then renamed into place, so a reader finds either
// the previous checkpoint or the complete new one, never a half-written mix. Not a model loader.
//
// Layout:  <dir>/checkpoint.json        manifest {format, version, metadata, model, optimizer?}
//          <dir>/model.safetensors      the tensors
//          <dir>/optimizer.safetensors  OptimizerState (only when one was given)
import Foundation

/// A set of named tensors plus optimizer state and metadata, saved and loaded as one unit.
public struct Checkpoint: Sendable {
    public var tensors: [SafeTensorsEntry]
    public var optimizer: OptimizerState?
    /// Free-form strings (e.g. an RNG state, the data-loader position, a git commit).
    public var metadata: [String: String]

    public init(tensors: [SafeTensorsEntry], optimizer: OptimizerState? = nil, metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.optimizer = optimizer
        self.metadata = metadata
    }

    static let manifestName = "checkpoint.json"
    static let modelName = "model.safetensors"
    static let optimizerName = "optimizer.safetensors"
    static let format = "arbiter-checkpoint"
    static let version = 1

    struct Manifest: Codable {
        var format: String
        var version: Int
        var metadata: [String: String]
        var model: String
        var optimizer: String?
    }

    /// The values of the tensor called `name`, if present.
    public func values(_ name: String) -> [Float]? {
        tensors.first { $0.name == name }?.values
    }

    /// Loads a checkpoint saved by `save(to:)`. If `directory` is missing because a save was
    /// interrupted between its two renames, the previous checkpoint set aside by that save is loaded.
    public init(contentsOf directory: URL) throws {
        var directory = directory.standardizedFileURL
        if !Self.isCheckpoint(directory) {
            guard !FileManager.default.fileExists(atPath: directory.path),
                let aside = Self.asideCopies(of: directory).first(where: Self.isCheckpoint)
            else { throw CheckpointError.notACheckpoint(path: directory.path) }
            directory = aside
        }
        let manifestURL = directory.appendingPathComponent(Self.manifestName)
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: manifestURL))
        } catch {
            throw CheckpointError.invalidManifest(path: manifestURL.path, reason: String(describing: error))
        }
        guard manifest.format == Self.format else {
            throw CheckpointError.invalidManifest(
                path: manifestURL.path, reason: "format is '\(manifest.format)', expected '\(Self.format)'")
        }
        guard manifest.version == Self.version else {
            throw CheckpointError.unsupportedVersion(path: manifestURL.path, version: manifest.version)
        }
        func member(_ file: String) throws -> URL {
            guard !file.isEmpty, !file.contains("/"), file != ".", file != ".." else {
                throw CheckpointError.invalidManifest(
                    path: manifestURL.path, reason: "file name '\(file)' must be a plain name inside the checkpoint")
            }
            return directory.appendingPathComponent(file)
        }
        let model = try SafeTensorsFile(contentsOf: try member(manifest.model))
        tensors = try model.tensors.map { info in
            SafeTensorsEntry(
                name: info.name, shape: info.shape, values: try model.floats(info.name),
                dtype: info.dtype.isWritable ? info.dtype : .float32)
        }
        optimizer = try manifest.optimizer.map { try OptimizerState(contentsOf: try member($0)) }
        metadata = manifest.metadata
    }

    /// Whether `url` is a directory holding a checkpoint manifest.
    static func isCheckpoint(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent(manifestName).path)
    }

    /// Siblings `.<name>.old-*` left by an interrupted save, newest first.
    static func asideCopies(of target: URL) -> [URL] {
        let parent = target.deletingLastPathComponent()
        let prefix = ".\(target.lastPathComponent).old-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        let urls = names.filter { $0.hasPrefix(prefix) }.map { parent.appendingPathComponent($0, isDirectory: true) }
        func modified(_ url: URL) -> Date {
            ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date) ?? .distantPast
        }
        return urls.sorted { modified($0) > modified($1) }
    }
}
