// Dequantize+Legacy: per-block Float32 decoders for the plain and 32-element ggml block types
// (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0), bit-exact with gguf.quants.dequantize: the f16
// scales widen exactly and each value is computed with the same float32 operations in the same
// order (`d * q`, then `+ m`). Not bounds-checked: Dequantizer checks sizes once per call.
import ArbiterTensor

@inline(__always)
func loadHalf(_ p: UnsafeRawPointer, _ offset: Int, _ table: UnsafePointer<Float>) -> Float {
    table[Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))]
}

@inline(__always)
func loadByte(_ p: UnsafeRawPointer, _ offset: Int) -> UInt8 {
    p.load(fromByteOffset: offset, as: UInt8.self)
}

enum LegacyBlocks {
    /// F32: `n` little-endian floats.
    static func f32(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n {
            dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        }
    }

    /// F16: `n` IEEE halves.
    static func f16(
        _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ table: UnsafePointer<Float>
    ) {
        for i in 0..<n { dst[i] = loadHalf(src, 2 * i, table) }
    }

    /// BF16: `n` bfloat16 values.
    static func bf16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n {
            dst[i] = HalfPrecision.float(
                fromBFloat16Bits: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        }
    }

    /// Q4_0 (18 B): f16 d, 16 B qs. x[j] = d·((qs[j] & 15) − 8), x[j+16] = d·((qs[j] >> 4) − 8).
    @inline(__always)
    static func q4_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>) {
        let d = loadHalf(b, 0, table)
        for j in 0..<16 {
            let q = loadByte(b, 2 + j)
            y[j] = d * Float(Int(q & 0x0F) - 8)
            y[j + 16] = d * Float(Int(q >> 4) - 8)
        }
    }

    /// Q4_1 (20 B): f16 d, f16 m, 16 B qs. x = d·q + m with q the low nibbles, then the high ones.
    @inline(__always)
    static func q4_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>) {
        let d = loadHalf(b, 0, table)
        let m = loadHalf(b, 2, table)
        var j = 0
        while j < 16 {
            let q = loadByte(b, 4 &+ j)
            y[j] = d * Float(q & 0x0F) + m
            y[j &+ 16] = d * Float(q &>> 4) + m
            j &+= 1
        }
    }

    /// Q5_0 (22 B): f16 d, u32 qh (bit j = 5th bit of element j), 16 B qs. x = d·(q − 16).
    @inline(__always)
    static func q5_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>) {
        let d = loadHalf(b, 0, table)
        let qh = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        for j in 0..<16 {
            let q = loadByte(b, 6 + j)
            let lo = Int(q & 0x0F) | Int((qh >> UInt32(j)) & 1) << 4
            let hi = Int(q >> 4) | Int((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = d * Float(lo - 16)
            y[j + 16] = d * Float(hi - 16)
        }
    }

    /// Q5_1 (24 B): f16 d, f16 m, u32 qh, 16 B qs. x = d·q + m.
    @inline(__always)
    static func q5_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>) {
        let d = loadHalf(b, 0, table)
        let m = loadHalf(b, 2, table)
        let qh = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        for j in 0..<16 {
            let q = loadByte(b, 8 + j)
            let lo = UInt32(q & 0x0F) | ((qh >> UInt32(j)) & 1) << 4
            let hi = UInt32(q >> 4) | ((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = d * Float(lo) + m
            y[j + 16] = d * Float(hi) + m
        }
    }

    /// Q8_0 (34 B): f16 d, 32 × int8 q. x = d·q.
    @inline(__always)
    static func q8_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>) {
        let d = loadHalf(b, 0, table)
        var j = 0
        while j < 32 {
            y[j] = d * Float(b.load(fromByteOffset: 2 &+ j, as: Int8.self))
            j &+= 1
        }
    }
}
