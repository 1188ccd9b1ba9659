// LlamaError: every way building a Llama-family model from a weight file can fail (missing or
// ill-typed hyper-parameters, missing tensors, wrong shapes), each message naming the file, the
// key or tensor, and the fix. Not used for programmer errors (those are preconditions).
import Foundation

/// A Llama-family model could not be configured or loaded from its weight file.
public enum LlamaError: Error, LocalizedError, Sendable, Equatable {
    /// `general.architecture` names an architecture this decoder does not implement.
    case unsupportedArchitecture(path: String, architecture: String)
    /// A required metadata key is absent.
    case missingKey(path: String, key: String)
    /// A metadata key has the wrong type or an impossible value.
    case invalidKey(path: String, key: String, value: String, reason: String)
    /// A weight the architecture needs is not in the file.
    case missingTensor(path: String, tensor: String)
    /// A weight's shape differs from what the configuration implies (row-major, PyTorch order).
    case shapeMismatch(path: String, tensor: String, expected: [Int], found: [Int])

    public var errorDescription: String? {
        switch self {
        case .unsupportedArchitecture(let path, let architecture):
            return
                "\(path): general.architecture is '\(architecture)'; only 'llama' decoders are supported. Use a Llama-family GGUF (SmolLM2, Llama 2/3, TinyLlama)."
        case .missingKey(let path, let key):
            return
                "\(path): metadata key '\(key)' is missing. Re-convert the model with a current llama.cpp convert script, which writes it."
        case .invalidKey(let path, let key, let value, let reason):
            return
                "\(path): metadata key '\(key)' = \(value) is invalid: \(reason). The file is corrupt or badly converted; re-convert it."
        case .missingTensor(let path, let tensor):
            return
                "\(path): tensor '\(tensor)' is missing. The file is incomplete or not a Llama model; re-download or re-convert it."
        case .shapeMismatch(let path, let tensor, let expected, let found):
            return
                "\(path): tensor '\(tensor)' has shape \(found) but the configuration needs \(expected). The metadata and the weights disagree; re-convert the model."
        }
    }
}
