// Tolerance: explicit numeric comparisons for tests. Each call site states its tolerance and why.

/// Largest absolute elementwise difference; `.infinity` if the counts differ.
public func maxAbsDifference<S: Collection, T: Collection>(_ a: S, _ b: T) -> Double
where S.Element: BinaryFloatingPoint, T.Element: BinaryFloatingPoint {
    guard a.count == b.count else { return .infinity }
    var worst = 0.0
    for (x, y) in zip(a, b) {
        let d = abs(Double(x) - Double(y))
        if d.isNaN { return .infinity }
        worst = max(worst, d)
    }
    return worst
}

/// True when |a - b| <= absolute + relative * |b|.
public func isClose(_ a: Double, _ b: Double, absolute: Double, relative: Double = 0) -> Bool {
    if a == b { return true }
    return abs(a - b) <= absolute + relative * abs(b)
}
