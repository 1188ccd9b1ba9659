// Math+SIMDExp: exp of eight floats at once for the forward-only kernels (inference attention,
// softmax rows). Cody–Waite range reduction x = n·ln2 + r and the Cephes degree-6 polynomial for
// e^r, scaled by 2^n through the exponent bits. Relative error ≤ 2e-7 on [−87.3, 88.3]; inputs
// below are clamped there (e^−87.3 ≈ 1.2e-38: a term a softmax sum cannot notice), NaN stays NaN.
// Not for gradients' sake: backward passes keep `elementExp`.

/// e^x lane by lane.
@inline(__always) package func simdExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let low = SIMD8<Float>(repeating: -87.3)
    let high = SIMD8<Float>(repeating: 88.3)
    var clamped = x.replacing(with: low, where: x .< low)
    clamped.replace(with: high, where: clamped .> high)
    // Adding 1.5·2²³ rounds x/ln2 to an integer n held in the low mantissa bits of t.
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let t = clamped * 1.44269504088896341 + magic
    let n = t - magic
    var r = clamped - n * 0.693359375  // ln2 in two parts: the first exact in float
    r = r + n * 2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * (r * r) + r + 1
    // n, n ∈ [−126, 127]
    let integer = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    let scaled = p * unsafeBitCast((integer &+ 127) &<< 23, to: SIMD8<Float>.self)  // p · 2^n
    let nan = x .!= x
    return any(nan) ? scaled.replacing(with: x, where: nan) : scaled
}

/// e^x for one float through the vector path (same rounding as the lanes of `simdExp`).
@inline(__always) func simdExp(_ x: Float) -> Float { simdExp(SIMD8(repeating: x))[0] }
