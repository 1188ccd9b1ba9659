// Agreement+ICC: the six Shrout & Fleiss intraclass correlations from a two-way ANOVA on a
// complete raters × targets table (pingouin.intraclass_corr formulas). Not for missing data.

/// The six ICCs (Shrout & Fleiss names; pingouin ≥ 0.6 names in brackets); nil = undefined (0/0).
public struct IntraclassCorrelations: Sendable, Equatable, Codable {
    /// ICC(1,1), one-way random, single rater [ICC(1,1)].
    public let icc1: Double?
    /// ICC(2,1), two-way random, absolute agreement, single rater [ICC(A,1)].
    public let icc2: Double?
    /// ICC(3,1), two-way mixed, consistency, single rater [ICC(C,1)].
    public let icc3: Double?
    /// ICC(1,k), one-way random, mean of k raters [ICC(1,k)].
    public let icc1k: Double?
    /// ICC(2,k), two-way random, absolute agreement, mean of k raters [ICC(A,k)].
    public let icc2k: Double?
    /// ICC(3,k), two-way mixed, consistency, mean of k raters [ICC(C,k)].
    public let icc3k: Double?
}

extension Agreement {
    /// ICCs of a complete (raters, targets) matrix with ≥ 2 raters and ≥ 2 targets.
    public static func intraclassCorrelations(_ matrix: RatingMatrix) throws -> IntraclassCorrelations {
        // (k raters, n targets), rescaled by a power of two so huge scores cannot overflow the sums
        // of squares (the ICCs are ratios of them; Agreement+Scaling.swift).
        let complete = try matrix.completeRows(statistic: "ICC")
        let scale = unitScale(complete.lazy.flatMap { $0 })
        let rows = scale == 1 ? complete : complete.map { $0.map { $0 * scale } }
        let k = rows.count
        guard k >= 2 else { throw AgreementError.tooFewRaters(statistic: "ICC", needed: 2, found: k) }
        let n = matrix.itemCount
        guard n >= 2 else {
            return IntraclassCorrelations(icc1: nil, icc2: nil, icc3: nil, icc1k: nil, icc2k: nil, icc3k: nil)
        }
        let kd = Double(k)
        let nd = Double(n)
        let grand = rows.reduce(0.0) { $0 + $1.reduce(0, +) } / (kd * nd)
        let targetMeans = (0..<n).map { j in rows.reduce(0.0) { $0 + $1[j] } / kd }  // (n,)
        let raterMeans = rows.map { $0.reduce(0, +) / nd }  // (k,)
        var ssTargets = 0.0
        var ssRaters = 0.0
        var ssError = 0.0
        for m in targetMeans { ssTargets += (m - grand) * (m - grand) }
        ssTargets *= kd
        for m in raterMeans { ssRaters += (m - grand) * (m - grand) }
        ssRaters *= nd
        for r in 0..<k {
            for j in 0..<n {
                let e = rows[r][j] - targetMeans[j] - raterMeans[r] + grand
                ssError += e * e
            }
        }
        let msb = ssTargets / (nd - 1)  // between targets
        let msj = ssRaters / (kd - 1)  // between raters (judges)
        let mse = ssError / ((nd - 1) * (kd - 1))
        let msw = (ssRaters + ssError) / (nd * (kd - 1))  // within targets
        func ratio(_ num: Double, _ den: Double) -> Double? {
            guard den != 0, (num / den).isFinite else { return nil }
            return num / den
        }
        return IntraclassCorrelations(
            icc1: ratio(msb - msw, msb + (kd - 1) * msw),
            icc2: ratio(msb - mse, msb + (kd - 1) * mse + kd * (msj - mse) / nd),
            icc3: ratio(msb - mse, msb + (kd - 1) * mse),
            icc1k: ratio(msb - msw, msb),
            icc2k: ratio(msb - mse, msb + (msj - mse) / nd),
            icc3k: ratio(msb - mse, msb))
    }
}
