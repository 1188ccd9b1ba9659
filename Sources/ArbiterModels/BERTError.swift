// BERTError: the typed errors of loading a BERT-family encoder or a sentence encoder from disk:
// config.json / sentence_bert_config.json / 1_Pooling/config.json / modules.json problems and
// model.safetensors tensors that are missing or have the wrong shape. Each message names the file,
// the key or tensor, and the fix. Not used for programmer errors (those are preconditions).
import Foundation

/// Why a BERT encoder or sentence encoder could not be loaded.
public enum BERTError: Error, LocalizedError, Equatable, Sendable {
    /// A file could not be read.
    case unreadable(path: String, reason: String)
    /// The bytes are not a JSON object.
    case invalidJSON(path: String, reason: String)
    /// A required key is absent.
    case missingKey(path: String, key: String)
    /// A key holds a value of the wrong JSON type.
    case wrongType(path: String, key: String, expected: String)
    /// A value has the right type but is out of range or inconsistent with another value.
    case invalidValue(path: String, key: String, value: String, reason: String)
    /// The file asks for a variant this encoder does not implement.
    case unsupported(path: String, key: String, value: String, supported: [String])
    /// The weights file lacks a tensor the configuration needs.
    case missingTensor(path: String, tensor: String)
    /// A tensor's shape differs from the one the configuration implies.
    case shapeMismatch(path: String, tensor: String, expected: [Int], actual: [Int])
    /// The weights file could not be opened or a tensor could not be converted.
    case weights(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read the file (\(reason)); check the path and permissions."
        case .invalidJSON(let path, let reason):
            return "\(path): not a JSON object (\(reason)); the file is corrupt — download or export the model again."
        case .missingKey(let path, let key):
            return "\(path): missing key `\(key)`; add it or re-export the model configuration."
        case .wrongType(let path, let key, let expected):
            return "\(path): `\(key)` must be \(expected); fix the value or re-export the model configuration."
        case .invalidValue(let path, let key, let value, let reason):
            return
                "\(path): `\(key)` = \(value) is invalid: \(reason); fix the value or re-export the model configuration."
        case .unsupported(let path, let key, let value, let supported):
            return "\(path): `\(key)` = \(String(reflecting: value)) is not supported "
                + "(supported: \(supported.joined(separator: ", "))); use a BERT-family model this encoder implements."
        case .missingTensor(let path, let tensor):
            return "\(path): no tensor named '\(tensor)'; the weights do not belong to a BERT model with this "
                + "config.json (or the file is incomplete) — use the weights that came with the configuration."
        case .shapeMismatch(let path, let tensor, let expected, let actual):
            return "\(path): tensor '\(tensor)' has shape \(actual) but config.json implies \(expected); "
                + "the weights and config.json come from different models — use the matching pair."
        case .weights(let path, let reason):
            return "\(path): cannot read the weights (\(reason)); download the model again."
        }
    }
}
