// Math: exp/log/sqrt spelled once for Float and Double so kernels and references read the same,
// without clashing with the Tensor methods of the same names. Not a math library.
import Foundation

@inline(__always) func _exp(_ x: Float) -> Float { Foundation.exp(x) }
@inline(__always) func _exp(_ x: Double) -> Double { Foundation.exp(x) }
@inline(__always) func _log(_ x: Float) -> Float { Foundation.log(x) }
@inline(__always) func _log(_ x: Double) -> Double { Foundation.log(x) }
