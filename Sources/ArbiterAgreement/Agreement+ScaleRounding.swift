// Agreement+ScaleRounding: snapping continuous scores (a probability-weighted judge's expected score,
// e.g. 3.72) to the nearest level of a score scale before categorical statistics. The rule: the
// nearest level by absolute difference; an exact tie between two levels goes to the LOWER level
// (deterministic and independent of the scale's offset, unlike round-half-to-even). Scores already
// on the scale are unchanged. Not used for correlations, ICC or interval/ratio α, which take raw values.

extension Agreement {
    /// The level of `levels` nearest to `x`; ties go to the lower level.
    /// - Parameter levels: the scale, sorted ascending, not empty.
    public static func nearestLevel(_ x: Double, levels: [Double]) -> Double {
        precondition(!levels.isEmpty, "nearestLevel needs at least one scale level")
        // First level ≥ x (binary search), then compare with its lower neighbour.
        var lo = 0
        var hi = levels.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if levels[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        if lo == levels.count { return levels[levels.count - 1] }
        if lo == 0 || levels[lo] == x { return levels[lo] }
        let below = levels[lo - 1]
        let above = levels[lo]
        return above - x < x - below ? above : below
    }

    /// Every score snapped with `nearestLevel(_:levels:)`; `levels` need not be sorted.
    public static func roundedToScale(_ scores: [Double], levels: [Double]) -> [Double] {
        let sorted = levels.sorted()
        guard !sorted.isEmpty else { return scores }
        return scores.map { nearestLevel($0, levels: sorted) }
    }
}
