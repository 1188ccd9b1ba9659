import ArbiterCore
import ArbiterTestSupport
import Testing

// SafeTensorsHalfConversionTests: binary16 and bfloat16 conversions, exhaustively where the
// domain is small (all 65,536 half patterns) and at the rounding boundaries otherwise.
@testable import ArbiterTensor

@Suite struct SafeTensorsHalfConversionTests {
    /// Every f16 bit pattern widens exactly and narrows back to itself (NaN payloads included).
    @Test func everyFloat16PatternRoundTrips() {
        var mismatches = 0
        for raw in 0...UInt16.max {
            let widened = HalfPrecision.float(fromFloat16Bits: raw)
            if HalfPrecision.float16Bits(from: widened) != raw { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    /// Widening matches the binary16 definition computed independently in Double.
    @Test func float16WideningFollowsDefinition() {
        var wrong: [UInt16] = []
        for raw in 0...UInt16.max {
            let exponent = Int(raw >> 10) & 0x1F
            let mantissa = Double(raw & 0x3FF)
            let sign: Double = raw & 0x8000 != 0 ? -1 : 1
            let value = HalfPrecision.float(fromFloat16Bits: raw)
            let ok: Bool
            switch exponent {
            case 0: ok = Double(value) == sign * mantissa * 0x1p-24 && value.sign == (sign < 0 ? .minus : .plus)
            case 31: ok = mantissa == 0 ? Double(value) == sign * .infinity : value.isNaN
            default:
                ok =
                    Double(value) == sign * (1 + mantissa / 1024)
                    * Double(sign: .plus, exponent: exponent - 15, significand: 1)
            }
            if !ok { wrong.append(raw) }
        }
        #expect(wrong.isEmpty)
    }

    /// Narrowing to f16 rounds to nearest with ties to even, at normal and subnormal boundaries.
    @Test func float16NarrowingRoundsToNearestEven() {
        let one: UInt16 = 0x3C00
        let ulp: Float = 0x1p-10  // spacing of f16 just above 1
        #expect(HalfPrecision.float16Bits(from: 1 + ulp / 2) == one)  // tie → even (1.0)
        #expect(HalfPrecision.float16Bits(from: 1 + ulp / 2 + 0x1p-23) == one + 1)  // above tie
        #expect(HalfPrecision.float16Bits(from: 1 + 1.5 * ulp) == one + 2)  // tie → even (odd 1+ulp loses)
        #expect(HalfPrecision.float16Bits(from: 65504) == 0x7BFF)
        #expect(HalfPrecision.float16Bits(from: 65519.996) == 0x7BFF)
        #expect(HalfPrecision.float16Bits(from: 65520) == 0x7C00)
        #expect(HalfPrecision.float16Bits(from: -1e9) == 0xFC00)
        #expect(HalfPrecision.float16Bits(from: 0x1p-24) == 0x0001)
        #expect(HalfPrecision.float16Bits(from: 0x1p-25) == 0x0000)  // tie → even (0)
        #expect(HalfPrecision.float16Bits(from: 0x1.8p-24) == 0x0002)  // 1.5 units → even (2)
        #expect(HalfPrecision.float16Bits(from: 0x1.0p-25 + 0x1p-40) == 0x0001)
        #expect(HalfPrecision.float16Bits(from: -0x1p-30) == 0x8000)
        #expect(HalfPrecision.float16Bits(from: 0x1.ffcp-15) == 0x0400)  // rounds up into the smallest normal
        #expect(HalfPrecision.float16Bits(from: .leastNonzeroMagnitude) == 0)
        #expect(HalfPrecision.float16Bits(from: Float(bitPattern: 0x7F80_0001)) & 0x7C00 == 0x7C00)
        #expect(HalfPrecision.float16Bits(from: Float(bitPattern: 0x7F80_0001)) & 0x03FF != 0)  // NaN stays NaN
        #expect(HalfPrecision.float16Bits(from: -.nan) & 0x8000 == 0x8000)
    }

    /// Narrowing to f16 agrees with rounding done in Double on a dense sweep of Float32 patterns.
    @Test func float16NarrowingMatchesDoubleRounding() {
        var generator = SplitMix64(seed: 16)
        var wrong: [Float] = []
        for _ in 0..<20_000 {
            let value = Float(bitPattern: UInt32.random(in: 0x2F00_0000...0x4780_0000, using: &generator))
            let bits = HalfPrecision.float16Bits(from: value)
            let chosen = Double(HalfPrecision.float(fromFloat16Bits: bits))
            let below = Double(HalfPrecision.float(fromFloat16Bits: bits == 0 ? 0 : bits - 1))
            let above = Double(HalfPrecision.float(fromFloat16Bits: bits + 1))
            let error = abs(chosen - Double(value))
            if !(error <= abs(below - Double(value)) && error <= abs(above - Double(value))) { wrong.append(value) }
        }
        #expect(wrong.isEmpty)
    }

    @Test func bfloat16RoundsToNearestEven() {
        #expect(HalfPrecision.bfloat16Bits(from: 1) == 0x3F80)
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie → even
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie → even (up)
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F80_8001)) == 0x3F81)  // above tie
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x3F80_7FFF)) == 0x3F80)  // below tie
        #expect(HalfPrecision.bfloat16Bits(from: .greatestFiniteMagnitude) == 0x7F80)  // overflows to inf
        #expect(HalfPrecision.bfloat16Bits(from: -.infinity) == 0xFF80)
        #expect(HalfPrecision.bfloat16Bits(from: -0.0) == 0x8000)
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x0000_8000)) == 0x0000)  // subnormal tie → 0
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x0001_8000)) == 0x0002)
        let nan = HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0x7F80_0001))
        #expect(HalfPrecision.float(fromBFloat16Bits: nan).isNaN)
        #expect(HalfPrecision.bfloat16Bits(from: Float(bitPattern: 0xFFC1_2345)) == 0xFFC1)
        var wrong: [UInt16] = []
        for raw in 0...UInt16.max {
            let widened = HalfPrecision.float(fromBFloat16Bits: raw)
            let back = HalfPrecision.bfloat16Bits(from: widened)
            if !(widened.isNaN ? back & 0x7F80 == 0x7F80 && back & 0x7F != 0 : back == raw) { wrong.append(raw) }
        }
        #expect(wrong.isEmpty)
    }

    @Test func float8Formats() {
        #expect(HalfPrecision.float(fromFloat8E5M2: 0x3C) == 1)
        #expect(HalfPrecision.float(fromFloat8E5M2: 0x7C) == .infinity)
        #expect(HalfPrecision.float(fromFloat8E4M3: 0x38) == 1)
        #expect(HalfPrecision.float(fromFloat8E4M3: 0x7E) == 448)
        #expect(HalfPrecision.float(fromFloat8E4M3: 0x01) == 0x1p-9)
        #expect(HalfPrecision.float(fromFloat8E4M3: 0xFF).isNaN)
        #expect(HalfPrecision.float(fromFloat8E4M3: 0xB8) == -1)
    }
}
