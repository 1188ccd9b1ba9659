// SafeTensorsError: every way reading or writing a safetensors file can fail, each naming the file,
// the tensor where there is one, and what to do about it. Not used for programmer errors.
import Foundation

/// A typed failure while reading or writing a `.safetensors` file.
public enum SafeTensorsError: LocalizedError, Sendable, Equatable {
    /// The file could not be opened, mapped, created or renamed.
    case io(path: String, reason: String)
    /// The file is shorter than the 8-byte header length prefix.
    case fileTooSmall(path: String, size: Int)
    /// The declared header length exceeds the 100 MB limit the reference implementation enforces.
    case headerTooLarge(path: String, length: UInt64)
    /// The declared header length runs past the end of the file.
    case headerBeyondFile(path: String, length: UInt64, fileSize: Int)
    /// The header is not a UTF-8 JSON object; `reason` says where parsing stopped.
    case invalidJSON(path: String, reason: String)
    /// A tensor entry lacks a field or has a field of the wrong type.
    case invalidField(path: String, tensor: String, field: String, reason: String)
    /// `__metadata__` is not an object of string values.
    case invalidMetadata(path: String, reason: String)
    /// A tensor declares a dtype this reader does not know.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// Two header entries share one name.
    case duplicateName(path: String, tensor: String)
    /// shape × dtype size does not equal the tensor's byte range (or overflows).
    case sizeMismatch(path: String, tensor: String, shape: [Int], dtype: String, expectedBytes: String, rangeBytes: Int)
    /// The tensor's data offsets overlap another tensor, leave a hole, or run backwards.
    case invalidOffsets(path: String, tensor: String, begin: Int, end: Int, expectedBegin: Int)
    /// The tensors' byte ranges do not cover the data section exactly up to the end of the file.
    case incompleteBuffer(path: String, covered: Int, dataSize: Int)
    /// No tensor of that name is in the file.
    case tensorNotFound(path: String, tensor: String)
    /// The tensor's dtype cannot be converted as requested.
    case unsupportedConversion(path: String, tensor: String, dtype: String)
    /// A tensor handed to the writer is inconsistent (values vs. shape, bad name, unwritable dtype).
    case invalidTensor(path: String, tensor: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .io(let path, let reason):
            return "\(path): \(reason). Check that the path exists and is readable/writable."
        case .fileTooSmall(let path, let size):
            return
                "\(path): only \(size) bytes, a safetensors file starts with an 8-byte header length. The file is truncated or not safetensors."
        case .headerTooLarge(let path, let length):
            return
                "\(path): declared header length \(length) exceeds 100,000,000 bytes. The file is corrupt or not safetensors."
        case .headerBeyondFile(let path, let length, let fileSize):
            return
                "\(path): header of \(length) bytes runs past the end of the \(fileSize)-byte file. The file is truncated; download it again."
        case .invalidJSON(let path, let reason):
            return
                "\(path): header is not a valid JSON object (\(reason)). The file is corrupt; download or write it again."
        case .invalidField(let path, let tensor, let field, let reason):
            return
                "\(path): tensor '\(tensor)' field '\(field)': \(reason). Each tensor needs dtype (string), shape (array of non-negative integers) and data_offsets ([begin, end])."
        case .invalidMetadata(let path, let reason):
            return "\(path): __metadata__ \(reason). It must be an object whose values are all strings."
        case .unknownDType(let path, let tensor, let dtype):
            return
                "\(path): tensor '\(tensor)' has unknown dtype '\(dtype)'. Known: \(SafeTensorDType.allCases.map(\.rawValue).joined(separator: ", "))."
        case .duplicateName(let path, let tensor):
            return
                "\(path): tensor name '\(tensor)' appears more than once in the header. The file is corrupt; rewrite it with unique names."
        case .sizeMismatch(let path, let tensor, let shape, let dtype, let expected, let range):
            return
                "\(path): tensor '\(tensor)' of shape \(shape) and dtype \(dtype) needs \(expected) bytes but its data_offsets span \(range). The header is corrupt."
        case .invalidOffsets(let path, let tensor, let begin, let end, let expectedBegin):
            return
                "\(path): tensor '\(tensor)' has data_offsets [\(begin), \(end)] but the next tensor must begin at \(expectedBegin) and end at or after it (no overlaps, no holes). The header is corrupt."
        case .incompleteBuffer(let path, let covered, let dataSize):
            return
                "\(path): tensors cover \(covered) bytes of a \(dataSize)-byte data section; the data must be covered exactly. The file is truncated or has trailing bytes."
        case .tensorNotFound(let path, let tensor):
            return "\(path): no tensor named '\(tensor)'. Use `names` to list the tensors in the file."
        case .unsupportedConversion(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)' has dtype \(dtype), which cannot be converted to Float32 here."
        case .invalidTensor(let path, let tensor, let reason):
            return "\(path): cannot write tensor '\(tensor)': \(reason)."
        }
    }
}
