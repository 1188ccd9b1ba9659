// GGUFValue: a typed GGUF metadata value (scalar, string or typed array) with convenience
// accessors. Arrays are stored as typed Swift arrays (`[String]`, `[Int32]`, ...) so a 49k-entry
// vocabulary costs one allocation, not 49k enum boxes. Not the parser (GGUFFile+Parse.swift).

/// The on-disk GGUF metadata value type ids.
public enum GGUFValueType: UInt32, Sendable, CaseIterable {
    case uint8 = 0
    case int8 = 1
    case uint16 = 2
    case int16 = 3
    case uint32 = 4
    case int32 = 5
    case float32 = 6
    case bool = 7
    case string = 8
    case array = 9
    case uint64 = 10
    case int64 = 11
    case float64 = 12

    /// Bytes one value of this type occupies, or the minimum for strings (8-byte length)
    /// and arrays (4-byte element type + 8-byte count).
    var minimumByteCount: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64, .string: return 8
        case .array: return 12
        }
    }

    /// The gguf-py spelling (`UINT32`, `STRING`, ...).
    public var name: String {
        switch self {
        case .uint8: return "UINT8"
        case .int8: return "INT8"
        case .uint16: return "UINT16"
        case .int16: return "INT16"
        case .uint32: return "UINT32"
        case .int32: return "INT32"
        case .float32: return "FLOAT32"
        case .bool: return "BOOL"
        case .string: return "STRING"
        case .array: return "ARRAY"
        case .uint64: return "UINT64"
        case .int64: return "INT64"
        case .float64: return "FLOAT64"
        }
    }
}

/// A homogeneous GGUF array, stored as a typed Swift array.
public enum GGUFArray: Sendable, Equatable {
    case uint8s([UInt8])
    case int8s([Int8])
    case uint16s([UInt16])
    case int16s([Int16])
    case uint32s([UInt32])
    case int32s([Int32])
    case uint64s([UInt64])
    case int64s([Int64])
    case floats([Float])
    case doubles([Double])
    case bools([Bool])
    case strings([String])
    /// An array of arrays (each inner array has its own element type).
    case arrays([GGUFArray])

    /// Number of elements.
    public var count: Int {
        switch self {
        case .uint8s(let a): return a.count
        case .int8s(let a): return a.count
        case .uint16s(let a): return a.count
        case .int16s(let a): return a.count
        case .uint32s(let a): return a.count
        case .int32s(let a): return a.count
        case .uint64s(let a): return a.count
        case .int64s(let a): return a.count
        case .floats(let a): return a.count
        case .doubles(let a): return a.count
        case .bools(let a): return a.count
        case .strings(let a): return a.count
        case .arrays(let a): return a.count
        }
    }

    /// The element type as stored in the file.
    public var elementType: GGUFValueType {
        switch self {
        case .uint8s: return .uint8
        case .int8s: return .int8
        case .uint16s: return .uint16
        case .int16s: return .int16
        case .uint32s: return .uint32
        case .int32s: return .int32
        case .uint64s: return .uint64
        case .int64s: return .int64
        case .floats: return .float32
        case .doubles: return .float64
        case .bools: return .bool
        case .strings: return .string
        case .arrays: return .array
        }
    }

    /// Integer elements widened to `Int64` (nil for non-integer arrays or a UInt64 above Int64.max).
    public var int64Values: [Int64]? {
        switch self {
        case .uint8s(let a): return a.map { Int64($0) }
        case .int8s(let a): return a.map { Int64($0) }
        case .uint16s(let a): return a.map { Int64($0) }
        case .int16s(let a): return a.map { Int64($0) }
        case .uint32s(let a): return a.map { Int64($0) }
        case .int32s(let a): return a.map { Int64($0) }
        case .int64s(let a): return a
        case .uint64s(let a):
            var out: [Int64] = []
            out.reserveCapacity(a.count)
            for x in a {
                guard let v = Int64(exactly: x) else { return nil }
                out.append(v)
            }
            return out
        default: return nil
        }
    }
}

/// A GGUF metadata value.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case uint64(UInt64)
    case int64(Int64)
    case float32(Float)
    case float64(Double)
    case bool(Bool)
    case string(String)
    case array(GGUFArray)

    /// The type id as stored in the file.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// The string, for `.string`.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Any integer scalar as `Int` (nil if it does not fit, or for non-integers).
    public var intValue: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(exactly: v)
        default: return nil
        }
    }

    /// Any numeric scalar as `Double` (float32 widened exactly).
    public var doubleValue: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return intValue.map { Double($0) }
        }
    }

    /// The boolean, for `.bool`.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The array, for `.array`.
    public var arrayValue: GGUFArray? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The strings of a string array.
    public var stringArray: [String]? {
        if case .array(.strings(let a)) = self { return a }
        return nil
    }

    /// An integer array as `[Int32]` (exact for INT32; other integer arrays converted when every
    /// element fits, nil otherwise).
    public var int32Array: [Int32]? {
        guard case .array(let a) = self else { return nil }
        if case .int32s(let v) = a { return v }
        guard let wide = a.int64Values else { return nil }
        var out: [Int32] = []
        out.reserveCapacity(wide.count)
        for x in wide {
            guard let v = Int32(exactly: x) else { return nil }
            out.append(v)
        }
        return out
    }

    /// A float array as `[Float]` (FLOAT64 arrays rounded to Float).
    public var floatArray: [Float]? {
        guard case .array(let a) = self else { return nil }
        switch a {
        case .floats(let v): return v
        case .doubles(let v): return v.map { Float($0) }
        default: return nil
        }
    }
}
