// Checkpoint: a training checkpoint directory (named tensors, optional optimizer state, and user
// metadata such as an RNG state) that is saved atomically: everything is written and flushed into
// a hidden staging directory next to the target, then renamed into place, so a reader finds either
// the previous checkpoint or the complete new one, never a half-written mix. Not a model loader.
//
// Layout:  <dir>/checkpoint.json        manifest {format, version, metadata, model, optimizer?}
//          <dir>/model.safetensors      the tensors
//          <dir>/optimizer.safetensors  OptimizerState (only when one was given)
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// Saves into `directory` atomically, replacing any checkpoint already there.
    public func save(to directory: URL) throws {
        let fileManager = FileManager.default
        let target = directory.standardizedFileURL
        let parent = target.deletingLastPathComponent()
        let name = target.lastPathComponent
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.io(path: parent.path, reason: "cannot create the parent directory (\(error.localizedDescription))")
        }
        let staging = parent.appendingPathComponent(".\(name).staging-\(UUID().uuidString)", isDirectory: true)
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw CheckpointError.io(path: staging.path, reason: "cannot create the staging directory (\(error.localizedDescription))")
        }
        var published = false
        defer { if !published { try? fileManager.removeItem(at: staging) } }

        try SafeTensorsWriter.write(tensors, metadata: ["format": "arbiter"], to: staging.appendingPathComponent(Self.modelName))
        if let optimizer {
            try optimizer.write(to: staging.appendingPathComponent(Self.optimizerName))
        }
        let manifest = Manifest(format: Self.format, version: Self.version, metadata: metadata, model: Self.modelName,
                                optimizer: optimizer == nil ? nil : Self.optimizerName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let manifestBytes: Data
        do {
            manifestBytes = try encoder.encode(manifest)
        } catch {
            throw CheckpointError.io(path: staging.path, reason: "cannot encode the manifest (\(error.localizedDescription))")
        }
        try AtomicFileWriter.write(Array(manifestBytes), to: staging.appendingPathComponent(Self.manifestName))
        Self.synchronizeDirectory(staging)

        // Publish: move any previous checkpoint aside, rename the staging directory into place.
        var aside: URL?
        if fileManager.fileExists(atPath: target.path) {
            let old = parent.appendingPathComponent(".\(name).old-\(UUID().uuidString)", isDirectory: true)
            guard rename(target.path, old.path) == 0 else {
                throw CheckpointError.io(path: target.path, reason: "cannot move the previous checkpoint aside (\(String(cString: strerror(errno))))")
            }
            aside = old
        }
        guard rename(staging.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            if let aside { _ = rename(aside.path, target.path) }
            throw CheckpointError.io(path: target.path, reason: "cannot rename the new checkpoint into place (\(reason))")
        }
        published = true
        Self.synchronizeDirectory(parent)
        if let aside { try? fileManager.removeItem(at: aside) }
    }

    /// Loads a checkpoint saved by `save(to:)`.
    public init(contentsOf directory: URL) throws {
        let manifestURL = directory.appendingPathComponent(Self.manifestName)
        guard FileManager.default.fileExists(atPath: manifestURL.path) else {
            throw CheckpointError.notACheckpoint(path: directory.path)
        }
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: manifestURL))
        } catch {
            throw CheckpointError.invalidManifest(path: manifestURL.path, reason: String(describing: error))
        }
        guard manifest.format == Self.format else {
            throw CheckpointError.invalidManifest(path: manifestURL.path, reason: "format is '\(manifest.format)', expected '\(Self.format)'")
        }
        guard manifest.version == Self.version else {
            throw CheckpointError.unsupportedVersion(path: manifestURL.path, version: manifest.version)
        }
        func member(_ file: String) throws -> URL {
            guard !file.isEmpty, !file.contains("/"), file != ".", file != ".." else {
                throw CheckpointError.invalidManifest(path: manifestURL.path, reason: "file name '\(file)' must be a plain name inside the checkpoint")
            }
            return directory.appendingPathComponent(file)
        }
        let model = try SafeTensorsFile(contentsOf: try member(manifest.model))
        tensors = try model.tensors.map { info in
            SafeTensorsEntry(name: info.name, shape: info.shape, values: try model.floats(info.name), dtype: info.dtype.isWritable ? info.dtype : .float32)
        }
        optimizer = try manifest.optimizer.map { try OptimizerState(contentsOf: try member($0)) }
        metadata = manifest.metadata
    }

    /// Flushes a directory's entries (new names, renames) to disk; best effort.
    private static func synchronizeDirectory(_ url: URL) {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

/// Why a checkpoint could not be saved or loaded (tensor-level problems surface as SafeTensorsError).
public enum CheckpointError: LocalizedError, Sendable, Equatable {
    case notACheckpoint(path: String)
    case invalidManifest(path: String, reason: String)
    case unsupportedVersion(path: String, version: Int)
    case io(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .notACheckpoint(path):
            return "\(path): no \(Checkpoint.manifestName) here, so this is not a (complete) checkpoint. Pass the directory that Checkpoint.save(to:) wrote."
        case let .invalidManifest(path, reason):
            return "\(path): invalid checkpoint manifest (\(reason)). The checkpoint is corrupt; use an earlier one."
        case let .unsupportedVersion(path, version):
            return "\(path): checkpoint version \(version) is not supported (this build reads version \(Checkpoint.version)). Use a matching Arbiter version."
        case let .io(path, reason):
            return "\(path): \(reason). Check permissions and free disk space."
        }
    }
}
