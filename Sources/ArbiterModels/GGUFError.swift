// GGUFError: every way reading or dequantising a GGUF file can fail, each message naming the
// file, what was being read, the byte offset, and the fix. Not used for programmer errors.
import Foundation

/// A GGUF file could not be read, or a tensor could not be dequantised.
public enum GGUFError: Error, LocalizedError, Sendable, Equatable {
    /// The file could not be opened or mapped.
    case cannotOpen(path: String, reason: String)
    /// The first four bytes are not `GGUF`.
    case badMagic(path: String, found: UInt32)
    /// A GGUF version other than 2 or 3.
    case unsupportedVersion(path: String, version: UInt32)
    /// The file ends while `what` was being read at byte `offset` (`needed` bytes).
    case truncated(path: String, what: String, offset: Int, needed: Int, fileSize: Int)
    /// A metadata value type id that GGUF does not define.
    case unknownValueType(path: String, key: String, typeID: UInt32, offset: Int)
    /// A tensor type id that ggml does not define.
    case unknownTensorType(path: String, tensor: String, typeID: UInt32, offset: Int)
    /// A count or length that cannot fit in the rest of the file.
    case implausibleCount(path: String, what: String, count: UInt64, offset: Int, limit: Int)
    /// A string that is not valid UTF-8.
    case invalidUTF8(path: String, what: String, offset: Int)
    /// A metadata key or tensor name that occurs twice.
    case duplicate(path: String, what: String, name: String)
    /// `general.alignment` is not a positive power of two of a sane size, or has the wrong type.
    case badAlignment(path: String, value: String)
    /// A tensor's dimensions are invalid for its type (zero/overflowing, or not whole blocks).
    case badShape(path: String, tensor: String, shape: [UInt64], type: GGMLType, reason: String)
    /// A tensor's data lies outside the file's data section or is not aligned.
    case badTensorData(path: String, tensor: String, offset: UInt64, byteCount: Int, reason: String)
    /// A tensor name asked for that the file does not contain.
    case missingTensor(path: String, tensor: String)
    /// Dequantisation of this type is not implemented.
    case unsupportedDequantization(type: GGMLType, tensor: String)
    /// Raw bytes handed to `Dequantizer` do not match the element count.
    case byteCountMismatch(type: GGMLType, count: Int, expectedBytes: Int, actualBytes: Int)

    public var errorDescription: String? {
        switch self {
        case .cannotOpen(let path, let reason):
            return "\(path): cannot open GGUF file (\(reason)). Check that the path exists and is readable."
        case .badMagic(let path, let found):
            let hex = String(found, radix: 16)
            return
                "\(path): not a GGUF file (magic 0x\(hex), expected 'GGUF'). Pass a .gguf model file; re-download it if it should be one."
        case .unsupportedVersion(let path, let version):
            if ArbiterModelsInfo.supportedGGUFVersions.contains(version.byteSwapped) {
                return
                    "\(path): big-endian GGUF file (version \(version.byteSwapped) byte-swapped); only little-endian files are supported. Use the little-endian release of the model."
            }
            return
                "\(path): GGUF version \(version) is not supported (only 2 and 3). Re-convert the model with a current llama.cpp convert script."
        case .truncated(let path, let what, let offset, let needed, let fileSize):
            return
                "\(path): file ends while reading \(what) at byte \(offset) (needs \(needed) bytes, file has \(fileSize)). The file is truncated or corrupt; re-download it."
        case .unknownValueType(let path, let key, let typeID, let offset):
            return
                "\(path): metadata '\(key)' has unknown value type \(typeID) at byte \(offset). The file is corrupt or from a newer GGUF revision; re-download or re-convert it."
        case .unknownTensorType(let path, let tensor, let typeID, let offset):
            return
                "\(path): tensor '\(tensor)' has unknown ggml type \(typeID) at byte \(offset). The file is corrupt or uses a newer ggml type; re-convert it to a standard quantisation."
        case .implausibleCount(let path, let what, let count, let offset, let limit):
            return
                "\(path): \(what) is \(count) at byte \(offset), more than the \(limit) that fit in the rest of the file. The file is corrupt; re-download it."
        case .invalidUTF8(let path, let what, let offset):
            return "\(path): \(what) at byte \(offset) is not valid UTF-8. The file is corrupt; re-download it."
        case .duplicate(let path, let what, let name):
            return "\(path): duplicate \(what) '\(name)'. The file is corrupt or badly converted; re-convert it."
        case .badAlignment(let path, let value):
            return
                "\(path): general.alignment \(value) is not a power of two between 1 and 65536. The file is corrupt; re-convert it."
        case .badShape(let path, let tensor, let shape, let type, let reason):
            return
                "\(path): tensor '\(tensor)' has invalid shape \(shape) for type \(type.name): \(reason). The file is corrupt; re-download it."
        case .badTensorData(let path, let tensor, let offset, let byteCount, let reason):
            return
                "\(path): tensor '\(tensor)' data (offset \(offset), \(byteCount) bytes) \(reason). The file is truncated or corrupt; re-download it."
        case .missingTensor(let path, let tensor):
            return
                "\(path): no tensor named '\(tensor)'. List the file's tensors (GGUFFile.tensors) and check the name."
        case .unsupportedDequantization(let type, let tensor):
            return
                "tensor '\(tensor)': dequantising \(type.name) is not supported (supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K..Q6_K). Re-quantise the model to one of these."
        case .byteCountMismatch(let type, let count, let expectedBytes, let actualBytes):
            return
                "\(type.name): \(count) elements need \(expectedBytes) bytes but \(actualBytes) were given (count must be a multiple of \(type.blockSize)). Pass the tensor's exact byte range."
        }
    }
}
