// TokenizerError: the typed errors of loading a tokenizer from a tokenizer.json file or GGUF
// metadata. Each names the source (file path or "GGUF metadata"), the key path inside it and the fix.
// Encoding and decoding never throw (see `Tokenizer`).
import Foundation

/// Why a tokenizer could not be built.
public enum TokenizerError: Error, LocalizedError, Equatable {
    /// The file could not be read.
    case unreadable(source: String, reason: String)
    /// The bytes are not JSON (or not a JSON object at the top).
    case invalidJSON(source: String, reason: String)
    /// A required key is absent.
    case missingKey(source: String, keyPath: String)
    /// A key holds a value of the wrong type.
    case wrongType(source: String, keyPath: String, expected: String)
    /// A value is of the right type but not usable (duplicate id, negative id, malformed merge, …).
    case invalidValue(source: String, keyPath: String, reason: String)
    /// A merge names a token that is not in the vocabulary.
    case unknownMergeToken(source: String, keyPath: String, token: String)
    /// The file describes a tokenizer kind or component Arbiter does not implement.
    case unsupported(source: String, keyPath: String, value: String, supported: [String])

    public var errorDescription: String? {
        switch self {
        case .unreadable(let source, let reason):
            return "\(source): cannot read the tokenizer file (\(reason)); check the path and permissions."
        case .invalidJSON(let source, let reason):
            return "\(source): not a JSON object (\(reason)); the file must be a Hugging Face tokenizer.json."
        case .missingKey(let source, let keyPath):
            return "\(source): missing key `\(keyPath)`; the tokenizer file is incomplete — re-export it."
        case .wrongType(let source, let keyPath, let expected):
            return "\(source): `\(keyPath)` must be \(expected); the tokenizer file is malformed — re-export it."
        case .invalidValue(let source, let keyPath, let reason):
            return "\(source): `\(keyPath)` is invalid: \(reason); fix or re-export the tokenizer file."
        case .unknownMergeToken(let source, let keyPath, let token):
            return
                "\(source): `\(keyPath)` refers to token \(String(reflecting: token)), which is not in the vocabulary "
                + "(merges and vocabulary come from different tokenizers?); use the matching vocabulary."
        case .unsupported(let source, let keyPath, let value, let supported):
            return "\(source): `\(keyPath)` = \(String(reflecting: value)) is not supported "
                + "(supported: \(supported.joined(separator: ", "))); use a model with a supported tokenizer."
        }
    }
}
