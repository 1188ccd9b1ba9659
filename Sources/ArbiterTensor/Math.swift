// Math: exp and log spelled once for Float and Double so kernels and references read the same,
// without clashing with the Tensor methods of the same names. Not a math library.
import Foundation

@inline(__always) func elementExp(_ x: Float) -> Float { Foundation.exp(x) }
@inline(__always) func elementExp(_ x: Double) -> Double { Foundation.exp(x) }
@inline(__always) func elementLog(_ x: Float) -> Float { Foundation.log(x) }
@inline(__always) func elementLog(_ x: Double) -> Double { Foundation.log(x) }
