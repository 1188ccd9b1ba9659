// Checkpoint+Error: typed failures of Checkpoint save/load that are not tensor-level (those are
// SafeTensorsError / OptimizerError). Each names the path and what to do.
import Foundation

/// Why a checkpoint could not be saved or loaded (tensor-level problems surface as SafeTensorsError).
public enum CheckpointError: LocalizedError, Sendable, Equatable {
    case notACheckpoint(path: String)
    case invalidManifest(path: String, reason: String)
    case unsupportedVersion(path: String, version: Int)
    case io(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .notACheckpoint(let path):
            return
                "\(path): no \(Checkpoint.manifestName) here, so this is not a (complete) checkpoint. Pass the directory that Checkpoint.save(to:) wrote."
        case .invalidManifest(let path, let reason):
            return "\(path): invalid checkpoint manifest (\(reason)). The checkpoint is corrupt; use an earlier one."
        case .unsupportedVersion(let path, let version):
            return
                "\(path): checkpoint version \(version) is not supported (this build reads version \(Checkpoint.version)). Use a matching Arbiter version."
        case .io(let path, let reason):
            return "\(path): \(reason). Check permissions and free disk space."
        }
    }
}
