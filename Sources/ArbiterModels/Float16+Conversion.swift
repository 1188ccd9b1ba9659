// Float16+Conversion: exact IEEE half (binary16) and bfloat16 bit patterns to Float32, portable
// (no reliance on the platform `Float16` type, which is missing on some x86 targets).
// Not a rounding float32→half encoder: the reader only ever widens, which is exact.

/// Bit-level widening of 16-bit floating-point formats used by GGML tensors.
public enum HalfFloat {
    /// Exact binary16 → binary32: normals, subnormals, ±0, ±inf and NaN (payload kept, as numpy does).
    @inline(__always)
    public static func float(fromHalfBits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        var mantissa = UInt32(h & 0x03FF)
        if exponent == 0x1F {  // inf / NaN
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent != 0 {  // normal: rebias 15 → 127
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
        if mantissa == 0 { return Float(bitPattern: sign) }  // ±0
        // Subnormal half: value = mantissa · 2^-24; normalise into a float32 normal.
        var e: UInt32 = 113  // 127 - 14
        while mantissa & 0x0400 == 0 {
            mantissa <<= 1
            e -= 1
        }
        mantissa &= 0x03FF
        return Float(bitPattern: sign | (e << 23) | (mantissa << 13))
    }

    /// Exact bfloat16 → binary32 (the upper half of the float32 bit pattern).
    @inline(__always)
    public static func float(fromBFloat16Bits b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// Table of all 65,536 half values, for the hot dequantisation loops.
    static let table: [Float] = (0...0xFFFF).map { float(fromHalfBits: UInt16($0)) }
}
