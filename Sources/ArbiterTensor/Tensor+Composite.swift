// Tensor+Composite: convenience ops built only from primitives (relu, add, scalar ops), so they
// need no derivative rule of their own: clamping and elementwise minimum / maximum, as used by
// clipped policy-gradient losses. Not primitives: the gradient table does not list them.

extension Tensor {
    /// Elementwise clamp into `range`: lo + relu(x − lo) − relu(x − hi). The gradient is 1 strictly
    /// inside the range and 0 outside (and at the bounds).
    public func clamped(to range: ClosedRange<Float>) -> Tensor {
        let lo = range.lowerBound
        let hi = range.upperBound
        return (self - lo).relu().subtracting((self - hi).relu()).addingScalar(lo)
    }

    /// Elementwise minimum with broadcasting: a − relu(a − b). Ties send the gradient to `a`.
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { a - (a - b).relu() }

    /// Elementwise maximum with broadcasting: a + relu(b − a). Ties send the gradient to `a`.
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { a + (b - a).relu() }
}
