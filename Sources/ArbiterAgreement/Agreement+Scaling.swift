// Agreement+Scaling: exact power-of-two rescaling, so sums, means and squared deviations of huge
// finite scores (a hand-edited 1e308) neither overflow to infinity nor turn a statistic into NaN.
// Scale-invariant statistics (Pearson, ICC, interval/ratio α, system-level means) run on values
// multiplied by 2^k: for ordinary scores the products are exact, so results are bit-identical to
// the unscaled arithmetic. Not a normalisation of the data and not a check of the scale.

extension Agreement {
    /// A power of two 2^k that brings the largest |value| into [0.5, 1); 1 when every value is 0,
    /// the sequence is empty or a value is not finite (callers check finiteness first).
    static func unitScale<S: Sequence>(_ values: S) -> Double where S.Element == Double {
        var largest = 0.0
        for v in values { largest = max(largest, abs(v)) }
        guard largest > 0, largest.isFinite else { return 1 }
        return Double(sign: .plus, exponent: -(largest.exponent + 1), significand: 1)
    }

    /// The values multiplied by `unitScale(values)`.
    static func unitScaled(_ values: [Double]) -> [Double] {
        let k = unitScale(values)
        return k == 1 ? values : values.map { $0 * k }
    }

    /// The mean of finite values without overflow: the plain sum when it is finite (bit-identical to
    /// `reduce(0, +) / n`), else the sum of each value divided by n. NaN for an empty list.
    static func stableMean(_ values: [Double]) -> Double {
        let n = Double(values.count)
        let sum = values.reduce(0, +)
        if sum.isFinite { return sum / n }
        return values.reduce(0) { $0 + $1 / n }
    }
}
