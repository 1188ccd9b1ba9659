// SafeTensorDType: the element types of the safetensors format, their byte sizes and the
// alignment order the reference writer sorts by. Not the conversion code (SafeTensors+Convert).

/// Element type of a tensor stored in a safetensors file (the header's `dtype` string).
public enum SafeTensorDType: String, Sendable, CaseIterable, Hashable {
    case bool = "BOOL"
    case uint8 = "U8"
    case int8 = "I8"
    case float8E5M2 = "F8_E5M2"
    case float8E4M3 = "F8_E4M3"
    case int16 = "I16"
    case uint16 = "U16"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case int32 = "I32"
    case uint32 = "U32"
    case float32 = "F32"
    case float64 = "F64"
    case int64 = "I64"
    case uint64 = "U64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .uint8, .int8, .float8E5M2, .float8E4M3: return 1
        case .int16, .uint16, .float16, .bfloat16: return 2
        case .int32, .uint32, .float32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    /// Position in the reference implementation's `Dtype` enum (increasing alignment). The
    /// reference writer lays tensors out by descending rank, then by name.
    var alignmentRank: Int {
        Self.allCases.firstIndex(of: self) ?? 0
    }

    /// Types the writer can produce from Float32 values.
    public var isWritable: Bool {
        self == .float32 || self == .float16 || self == .bfloat16
    }
}
