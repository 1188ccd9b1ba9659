// QuantizedMatVec+Legacy: dot products of one weight row in a 32-element ggml block format
// (Q4_0, Q4_1, Q8_0) with one row of 8-bit quantised activations (QuantizedActivations), the
// integer-per-block scheme of llama.cpp's ggml_vec_dot_q4_1_q8_1 and friends: per block an
// integer Σ q_w·q_x from SIMD lanes, then one float scale (and offset) per block.
//   Q4_1 block (20 B): f16 d, f16 m, 16 B nibbles → w = d·q + m:  dot = d·d_x·Σq·q_x + m·(d_x·Σq_x)
//   Q4_0 block (18 B): f16 d, 16 B nibbles → w = d·(q − 8):       dot = d·d_x·(Σq·q_x − 8·Σq_x)
//   Q8_0 block (34 B): f16 d, 32 × int8 → w = d·q:                dot = d·d_x·Σq·q_x
// Layout trick: 16 weight bytes are loaded as 8 Int16 lanes, so shifts and masks split them into
// the even- and odd-numbered elements of each half block without any lane widening (which the
// compiler leaves as calls); the activation codes are stored in that order (QuantizedActivations).
// Products are summed in Int16 while they provably fit (4-bit: 4·15·127; 8-bit: 2·128·127) and
// then widened to Int32 by viewing lane pairs as one Int32 lane (pmaddwd done by hand).
// Inference only, no gradient. Unchecked: QuantizedMatrix validated the byte count and
// QuantizedActivations the block count before these run.

enum QuantizedDot {
    /// Sum of the 8 Int16 lanes of p as Int32 (lane pairs viewed as one Int32: low + high half).
    @inline(__always)
    static func widenedSum(_ p: SIMD8<Int16>) -> Int32 {
        let pairs = unsafeBitCast(p, to: SIMD4<Int32>.self)
        let s = ((pairs &<< 16) &>> 16) &+ (pairs &>> 16)
        return (s[0] &+ s[1]) &+ (s[2] &+ s[3])
    }

    /// Σ over one 4-bit block of nibble·code; `w` points at the 16 nibble bytes, `x` at the 32
    /// codes in lane order (elements 0,2,…,14 | 1,3,…,15 | 16,18,…,30 | 17,19,…,31).
    /// Each Int16 lane sums 4 products of at most 15·127, so ≤ 7620 before widening.
    @inline(__always)
    static func nibbleBlock(_ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Int32 {
        let v = w.loadUnaligned(as: SIMD8<Int16>.self)  // lane i: byte 2i (low), byte 2i+1 (high)
        let mask = SIMD8<Int16>(repeating: 0x0F)
        let e0 = v & mask  // elements 0, 2, …, 14
        let e1 = (v &>> 8) & mask  // elements 1, 3, …, 15
        let e2 = (v &>> 4) & mask  // elements 16, 18, …, 30
        let e3 = (v &>> 12) & mask  // elements 17, 19, …, 31
        let x0 = x.loadUnaligned(as: SIMD8<Int16>.self)
        let x1 = x.loadUnaligned(fromByteOffset: 16, as: SIMD8<Int16>.self)
        let x2 = x.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int16>.self)
        let x3 = x.loadUnaligned(fromByteOffset: 48, as: SIMD8<Int16>.self)
        return widenedSum((e0 &* x0 &+ e1 &* x1) &+ (e2 &* x2 &+ e3 &* x3))
    }

    /// Σ over one Q8_0 block of q·code; `w` points at the 32 int8 weights. Two products
    /// (≤ 2·128·127 = 32512) fit an Int16 lane; each pair sum is widened before adding more.
    @inline(__always)
    static func byteBlock(_ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Int32 {
        let v0 = w.loadUnaligned(as: SIMD8<Int16>.self)  // bytes 0…15
        let v1 = w.loadUnaligned(fromByteOffset: 16, as: SIMD8<Int16>.self)  // bytes 16…31
        let x0 = x.loadUnaligned(as: SIMD8<Int16>.self)
        let x1 = x.loadUnaligned(fromByteOffset: 16, as: SIMD8<Int16>.self)
        let x2 = x.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int16>.self)
        let x3 = x.loadUnaligned(fromByteOffset: 48, as: SIMD8<Int16>.self)
        let low = ((v0 &<< 8) &>> 8) &* x0 &+ (v0 &>> 8) &* x1  // elements 0…15
        let high = ((v1 &<< 8) &>> 8) &* x2 &+ (v1 &>> 8) &* x3  // elements 16…31
        return widenedSum(low) &+ widenedSum(high)
    }

    /// Row of Q4_1 blocks · activation row: Σ_k d_k·dx_k·isum_k + m_k·sx_k.
    @inline(__always)
    static func q4_1(
        _ w: UnsafeRawPointer, _ x: UnsafePointer<Int16>, _ dx: UnsafePointer<Float>, _ sx: UnsafePointer<Float>,
        _ blocks: Int, _ table: UnsafePointer<Float>
    ) -> Float {
        var acc: Float = 0
        var k = 0
        while k < blocks {
            let block = w + k &* 20
            let d = loadHalf(block, 0, table)
            let m = loadHalf(block, 2, table)
            let isum = nibbleBlock(block + 4, UnsafeRawPointer(x + k &* 32))
            acc += d * dx[k] * Float(isum) + m * sx[k]
            k &+= 1
        }
        return acc
    }

    /// Row of Q4_0 blocks · activation row: Σ_k d_k·dx_k·(isum_k − 8·Σq_x,k).
    @inline(__always)
    static func q4_0(
        _ w: UnsafeRawPointer, _ x: UnsafePointer<Int16>, _ dx: UnsafePointer<Float>, _ qx: UnsafePointer<Float>,
        _ blocks: Int, _ table: UnsafePointer<Float>
    ) -> Float {
        var acc: Float = 0
        var k = 0
        while k < blocks {
            let block = w + k &* 18
            let d = loadHalf(block, 0, table)
            let isum = nibbleBlock(block + 2, UnsafeRawPointer(x + k &* 32))
            acc += d * dx[k] * (Float(isum) - 8 * qx[k])
            k &+= 1
        }
        return acc
    }

    /// Row of Q8_0 blocks · activation row: Σ_k d_k·dx_k·isum_k.
    @inline(__always)
    static func q8_0(
        _ w: UnsafeRawPointer, _ x: UnsafePointer<Int16>, _ dx: UnsafePointer<Float>, _ blocks: Int,
        _ table: UnsafePointer<Float>
    ) -> Float {
        var acc: Float = 0
        var k = 0
        while k < blocks {
            let block = w + k &* 34
            let d = loadHalf(block, 0, table)
            let isum = byteBlock(block + 2, UnsafeRawPointer(x + k &* 32))
            acc += d * dx[k] * Float(isum)
            k &+= 1
        }
        return acc
    }
}
