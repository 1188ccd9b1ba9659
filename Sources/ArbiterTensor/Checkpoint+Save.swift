// Checkpoint+Save: atomic publication of a checkpoint directory. Files are written and flushed
// into a hidden sibling `.<name>.staging-<uuid>`; then an existing checkpoint is moved aside to
// `.<name>.old-<uuid>`, the staging directory is renamed to `<name>`, and the old copy is deleted.
// If the process dies between the two renames, `Checkpoint(contentsOf:)` finds the aside copy.
// Not the loader (Checkpoint.swift).
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension Checkpoint {
    /// Saves into `directory` atomically, replacing any checkpoint already there.
    public func save(to directory: URL) throws {
        let fileManager = FileManager.default
        let target = directory.standardizedFileURL
        let parent = target.deletingLastPathComponent()
        let name = target.lastPathComponent
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.io(
                path: parent.path, reason: "cannot create the parent directory (\(error.localizedDescription))")
        }
        let staging = parent.appendingPathComponent(".\(name).staging-\(UUID().uuidString)", isDirectory: true)
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw CheckpointError.io(
                path: staging.path, reason: "cannot create the staging directory (\(error.localizedDescription))")
        }
        var published = false
        defer { if !published { try? fileManager.removeItem(at: staging) } }
        // Staging directories of earlier saves that died are never valid checkpoints.
        let stalePrefix = ".\(name).staging-"
        for stale in (try? fileManager.contentsOfDirectory(atPath: parent.path)) ?? []
        where stale.hasPrefix(stalePrefix) && stale != staging.lastPathComponent {
            try? fileManager.removeItem(at: parent.appendingPathComponent(stale))
        }

        try SafeTensorsWriter.write(
            tensors, metadata: ["format": "arbiter"], to: staging.appendingPathComponent(Self.modelName))
        if let optimizer {
            try optimizer.write(to: staging.appendingPathComponent(Self.optimizerName))
        }
        let manifest = Manifest(
            format: Self.format, version: Self.version, metadata: metadata, model: Self.modelName,
            optimizer: optimizer == nil ? nil : Self.optimizerName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let manifestBytes: Data
        do {
            manifestBytes = try encoder.encode(manifest)
        } catch {
            throw CheckpointError.io(
                path: staging.path, reason: "cannot encode the manifest (\(error.localizedDescription))")
        }
        try AtomicFileWriter.write(Array(manifestBytes), to: staging.appendingPathComponent(Self.manifestName))
        Self.synchronizeDirectory(staging)

        // Publish: move any previous checkpoint aside, rename the staging directory into place.
        var aside: URL?
        if fileManager.fileExists(atPath: target.path) {
            // Never delete something that is not ours: only a checkpoint or an empty directory is replaced.
            let contents = (try? fileManager.contentsOfDirectory(atPath: target.path)) ?? ["?"]
            guard Self.isCheckpoint(target) || contents.isEmpty else {
                throw CheckpointError.io(
                    path: target.path,
                    reason: "exists and is not a checkpoint, so it will not be replaced; choose another directory")
            }
            let old = parent.appendingPathComponent(".\(name).old-\(UUID().uuidString)", isDirectory: true)
            guard rename(target.path, old.path) == 0 else {
                throw CheckpointError.io(
                    path: target.path,
                    reason: "cannot move the previous checkpoint aside (\(String(cString: strerror(errno))))")
            }
            aside = old
        }
        guard rename(staging.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            if let aside { _ = rename(aside.path, target.path) }
            throw CheckpointError.io(
                path: target.path, reason: "cannot rename the new checkpoint into place (\(reason))")
        }
        published = true
        Self.synchronizeDirectory(parent)
        if let aside { try? fileManager.removeItem(at: aside) }
        for older in Self.asideCopies(of: target) { try? fileManager.removeItem(at: older) }
    }

    /// Flushes a directory's entries (new names, renames) to disk; best effort.
    private static func synchronizeDirectory(_ url: URL) {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
