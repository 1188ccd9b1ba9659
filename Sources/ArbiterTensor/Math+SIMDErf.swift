// Math+SIMDErf: erf of eight floats at once, for GELU's forward pass. A rational approximation
// x·P(x²)/Q(x²) on [−4, 4] (odd degree-13 numerator, even degree-8 denominator; the coefficients
// are the ones XLA and Eigen use for float erf), clamped outside, where float erf is ±1. Absolute
// (and relative) error ≤ 4.3e-7 against double-precision erf (MathSIMDErfTests); NaN stays NaN.
// Backward passes keep libm's erf.

/// erf(x) lane by lane.
@inline(__always) func simdErf(_ a: SIMD8<Float>) -> SIMD8<Float> {
    let four = SIMD8<Float>(repeating: 4)
    let x = a.replacing(with: four, where: a .> four).replacing(with: -four, where: a .< -four)
    let x2 = x * x
    var p = x2 * -2.72614225801306e-10 + 2.77068142495902e-08
    p = x2 * p - 2.10102402082508e-06
    p = x2 * p - 5.69250639462346e-05
    p = x2 * p - 7.34990630326855e-04
    p = x2 * p - 2.95459980854025e-03
    p = x2 * p - 1.60960333262415e-02
    p = x * p
    var q = x2 * -1.45660718464996e-05 - 2.13374055278905e-04
    q = x2 * q - 1.68282697438203e-03
    q = x2 * q - 7.37332916720468e-03
    q = x2 * q - 1.42647390514189e-02
    return p / q  // NaN lanes: comparisons were false, so x stayed NaN and so does the quotient
}

/// erf(x) for one float through the vector path (same rounding as the lanes of `simdErf`).
@inline(__always) func simdErf(_ x: Float) -> Float { simdErf(SIMD8(repeating: x))[0] }
