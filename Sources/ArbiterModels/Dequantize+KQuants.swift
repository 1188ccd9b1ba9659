// Dequantize+KQuants: per-block Float32 decoders for ggml's 256-element "K" super-blocks
// (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K), bit-exact with gguf.quants.dequantize: sub-block scales are
// formed as float32 `d * sc` first, then each value as `scale * q` (− `dmin * m`), the same
// operation order as the reference. Not bounds-checked: Dequantizer checks sizes once per call.

enum KQuantBlocks {
    /// Q2_K (84 B): scales[16] (low nibble scale, high nibble min), qs[64] (2-bit), f16 d, f16 dmin.
    /// Element i = 128h + 32s + l takes bits 2s of qs[32h + l]; sub-block i / 16.
    @inline(__always)
    static func q2_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>) {
        let d = loadHalf(b, 80, table)
        let dmin = loadHalf(b, 82, table)
        for s in 0..<16 {
            let sc = loadByte(b, s)
            let dl = d * Float(sc & 0x0F)
            let ml = dmin * Float(sc >> 4)
            let half = s / 8
            let shift = UInt8(2 * ((s % 8) / 2))
            let base = 16 + 32 * half + 16 * (s % 2)
            for l in 0..<16 {
                let q = (loadByte(b, base + l) >> shift) & 3
                y[16 * s + l] = dl * Float(q) - ml
            }
        }
    }

    /// Q3_K (110 B): hmask[32], qs[64] (low 2 bits), scales[12] (sixteen 6-bit scales, offset 32),
    /// f16 d. The high bit (from hmask) clear means subtract 4.
    @inline(__always)
    static func q3_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>) {
        let d = loadHalf(b, 108, table)
        for s in 0..<16 {
            let low = (loadByte(b, 96 + s % 8) >> UInt8(4 * (s / 8))) & 0x0F
            let high = (loadByte(b, 104 + s % 4) >> UInt8(2 * (s / 4))) & 0x03
            let dl = d * Float(Int(low | (high << 4)) - 32)
            let half = s / 8
            let shift = UInt8(2 * ((s % 8) / 2))
            let hshift = UInt8(s / 2)
            for l16 in 0..<16 {
                let l = 16 * (s % 2) + l16
                let low = Int((loadByte(b, 32 + 32 * half + l) >> shift) & 3)
                let hbit = (loadByte(b, l) >> hshift) & 1
                y[16 * s + l16] = dl * Float(low - (hbit == 0 ? 4 : 0))
            }
        }
    }

    /// The 6-bit scale and min of sub-block `j` (0..<8) from a 12-byte Q4_K/Q5_K scales field.
    @inline(__always)
    static func scaleMin(_ s: UnsafeRawPointer, _ j: Int) -> (scale: UInt8, min: UInt8) {
        if j < 4 {
            return (loadByte(s, j) & 63, loadByte(s, j + 4) & 63)
        }
        let scale = (loadByte(s, j + 4) & 0x0F) | ((loadByte(s, j - 4) >> 6) << 4)
        let min = (loadByte(s, j + 4) >> 4) | ((loadByte(s, j) >> 6) << 4)
        return (scale, min)
    }

    /// Q4_K (144 B): f16 d, f16 dmin, scales[12], qs[128]. Sub-block g (32 values) uses the low
    /// (even g) or high (odd g) nibbles of qs[32·(g/2) ..< 32·(g/2)+32].
    @inline(__always)
    static func q4_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>) {
        let d = loadHalf(b, 0, table)
        let dmin = loadHalf(b, 2, table)
        let scales = b + 4
        for g in 0..<8 {
            let (sc, m) = scaleMin(scales, g)
            let dl = d * Float(sc)
            let ml = dmin * Float(m)
            let shift = UInt8(4 * (g % 2))
            for l in 0..<32 {
                let q = (loadByte(b, 16 + 32 * (g / 2) + l) >> shift) & 0x0F
                y[32 * g + l] = dl * Float(q) - ml
            }
        }
    }

    /// Q5_K (176 B): f16 d, f16 dmin, scales[12], qh[32] (bit g of qh[l] is the 5th bit of
    /// element 32g + l), qs[128] as in Q4_K.
    @inline(__always)
    static func q5_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>) {
        let d = loadHalf(b, 0, table)
        let dmin = loadHalf(b, 2, table)
        let scales = b + 4
        for g in 0..<8 {
            let (sc, m) = scaleMin(scales, g)
            let dl = d * Float(sc)
            let ml = dmin * Float(m)
            let shift = UInt8(4 * (g % 2))
            for l in 0..<32 {
                let low = (loadByte(b, 48 + 32 * (g / 2) + l) >> shift) & 0x0F
                let high = (loadByte(b, 16 + l) >> UInt8(g)) & 1
                y[32 * g + l] = dl * Float(low | (high << 4)) - ml
            }
        }
    }

    /// Q6_K (210 B): ql[128] (low 4 bits), qh[64] (high 2 bits), scales[16] (int8), f16 d.
    /// Element i = 128h + r: low nibble of ql[64h + r % 64] (shift 4 when r ≥ 64), high bits
    /// 2·(r / 32) of qh[32h + r % 32]; value = d·scale[i/16]·(q − 32).
    @inline(__always)
    static func q6_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>) {
        let d = loadHalf(b, 208, table)
        for s in 0..<16 {
            let scale = d * Float(b.load(fromByteOffset: 192 + s, as: Int8.self))
            let half = s / 8
            let r0 = 16 * (s % 8)
            let lowShift = UInt8(4 * (r0 / 64))
            let highShift = UInt8(2 * (r0 / 32))
            for l in 0..<16 {
                let r = r0 + l
                let low = (loadByte(b, 64 * half + r % 64) >> lowShift) & 0x0F
                let high = (loadByte(b, 128 + 32 * half + r % 32) >> highShift) & 0x03
                y[16 * s + l] = scale * Float(Int(low | (high << 4)) - 32)
            }
        }
    }
}
