// Half+Conversion: portable bit-level conversions between Float32 and IEEE binary16 (F16) and
// bfloat16 (BF16), plus the two 8-bit float formats safetensors names. Widening is exact;
// narrowing rounds to nearest, ties to even, and keeps NaN a NaN (sign and top payload bits kept,
// quiet bit set when the payload would vanish). Does not depend on the platform's `Float16`
// (missing on some x86 targets). The one home of these conversions: the safetensors reader and
// writer and ArbiterModels' GGUF dequantisation both use it.

/// Scalar conversions between Float32 and 16-/8-bit float bit patterns. The two widenings are
/// `@inlinable` so ArbiterModels' per-element dequantisation loops inline them across the module.
package enum HalfPrecision {
    // MARK: binary16

    /// The exact Float32 value of an IEEE binary16 bit pattern.
    @inlinable @inline(__always)
    package static func float(fromFloat16Bits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x03FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa × 2^-24, exact in Float32.
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        }
        if exponent == 0x1F {
            // Infinity (mantissa 0) or NaN with its payload moved to the top of the Float32 mantissa.
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// The binary16 bit pattern nearest to `value` (round to nearest, ties to even; overflow → ±inf).
    @inline(__always)
    package static func float16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x007F_FFFF
        if exponent == 0xFF {
            if mantissa == 0 { return sign | 0x7C00 }
            var payload = UInt16(truncatingIfNeeded: mantissa >> 13)
            if payload == 0 { payload = 0x0200 }
            return sign | 0x7C00 | payload
        }
        if exponent == 0 { return sign }  // Float32 zero or subnormal: far below half's range.
        let unbiased = exponent - 127
        if unbiased > 15 { return sign | 0x7C00 }
        if unbiased >= -14 {
            let base = (UInt32(unbiased + 15) << 10) | (mantissa >> 13)
            let rest = mantissa & 0x1FFF
            let rounded = rest > 0x1000 || (rest == 0x1000 && base & 1 == 1) ? base + 1 : base
            return sign | UInt16(truncatingIfNeeded: rounded)  // a carry into exponent 31 is +inf
        }
        // Result is subnormal (or rounds to zero): significand × 2^(unbiased + 1) in units of 2^-24.
        let shift = -(unbiased + 1)  // 14 ... 126
        if shift > 25 { return sign }
        let significand = mantissa | 0x0080_0000
        let base = significand >> UInt32(shift)
        let rest = significand & ((1 << UInt32(shift)) - 1)
        let half: UInt32 = 1 << UInt32(shift - 1)
        let rounded = rest > half || (rest == half && base & 1 == 1) ? base + 1 : base
        return sign | UInt16(truncatingIfNeeded: rounded)
    }

    /// The Float32 value of every binary16 pattern (65,536 entries), for the hot dequantisation loops.
    package static let float16Table: [Float] = (0...0xFFFF).map { float(fromFloat16Bits: UInt16($0)) }

    // MARK: bfloat16

    /// The exact Float32 value of a bfloat16 bit pattern.
    @inlinable @inline(__always)
    package static func float(fromBFloat16Bits b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// The bfloat16 bit pattern nearest to `value` (round to nearest, ties to even; NaN stays NaN).
    @inline(__always)
    package static func bfloat16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN {
            return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
        }
        let lsb = (bits >> 16) & 1
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ lsb) >> 16)
    }

    // MARK: 8-bit floats (read only)

    /// Float8 E5M2: the top byte of a binary16 pattern.
    @inline(__always)
    package static func float(fromFloat8E5M2 b: UInt8) -> Float {
        float(fromFloat16Bits: UInt16(b) << 8)
    }

    /// Float8 E4M3 ("fn" variant: bias 7, no infinities, S.1111.111 is NaN).
    @inline(__always)
    package static func float(fromFloat8E4M3 b: UInt8) -> Float {
        let negative = b & 0x80 != 0
        let exponent = Int((b >> 3) & 0x0F)
        let mantissa = Float(b & 0x07)
        let magnitude: Float
        if exponent == 0x0F && b & 0x07 == 0x07 {
            magnitude = .nan
        } else if exponent == 0 {
            magnitude = mantissa * 0x1p-9  // (m / 8) × 2^-6
        } else {
            magnitude = Float(sign: .plus, exponent: exponent - 7, significand: 1 + mantissa / 8)
        }
        return negative ? -magnitude : magnitude
    }
}
