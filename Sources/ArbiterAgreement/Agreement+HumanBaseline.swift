// Agreement+HumanBaseline: how well humans agree with each other, measured the same way a judge is
// measured — leave-one-rater-out (each rater vs the mean of the others) and the judge put in each
// rater's place (judge vs the mean of the same others) — reported as a judge/human ratio.

/// One rater against the mean of the other raters.
public struct RaterBaseline: Sendable, Equatable, Codable {
    /// Index of the rater in the matrix.
    public let rater: Int
    /// Items where the rater and at least one other rater have a rating.
    public let items: Int
    /// One correlation over all those items.
    public let allItems: Correlations
    /// Summary-level (per group) correlations when groups were given.
    public let summaryLevel: GroupedCorrelations?
}

/// The judge measured exactly like each human: for every human k, (human k vs mean of the others)
/// and (judge vs the same mean), over the same items.
public struct JudgeHumanBaseline: Sendable, Equatable, Codable {
    public struct PerRater: Sendable, Equatable, Codable {
        public let rater: Int
        public let items: Int
        public let human: Correlations
        public let judge: Correlations
    }

    public let perRater: [PerRater]
    /// Mean over raters of human-vs-others.
    public let humanMean: Correlations?
    /// Mean over raters of judge-vs-the-same-others.
    public let judgeMean: Correlations?
    /// judgeMean / humanMean per coefficient (nil when either is undefined or humanMean is 0).
    public let ratio: Correlations?
}

extension Agreement {
    /// The most frequent label when it holds a strict majority of the votes, else nil.
    public static func majority<L: Hashable>(_ votes: [L]) -> L? {
        var counts: [L: Int] = [:]
        for v in votes { counts[v, default: 0] += 1 }
        return counts.first { 2 * $0.value > votes.count }?.key
    }

    /// Each rater vs the mean of the others, over items where the rater and ≥ 1 other rater rated.
    /// - Parameters:
    ///   - matrix: (raters, items), ≥ 2 raters.
    ///   - groups: optional group of each item (e.g. source document) for summary-level correlations.
    public static func leaveOneRaterOut(_ matrix: RatingMatrix, groups: [String]? = nil) throws -> [RaterBaseline] {
        guard matrix.raterCount >= 2 else {
            throw AgreementError.tooFewRaters(statistic: "leave-one-rater-out", needed: 2, found: matrix.raterCount)
        }
        if let groups, groups.count != matrix.itemCount {
            throw AgreementError.lengthMismatch(first: matrix.itemCount, second: groups.count)
        }
        return try (0..<matrix.raterCount).map { k in
            let (items, x, others) = raterVersusOthers(matrix, rater: k)
            let grouped = try groups.map { g in try Correlations.grouped(x, others, groups: items.map { g[$0] }) }
            return RaterBaseline(
                rater: k, items: items.count, allItems: try Correlations(x, others), summaryLevel: grouped)
        }
    }

    /// Mean over raters of the leave-one-out correlations (all items).
    public static func meanLeaveOneRaterOut(_ baselines: [RaterBaseline]) -> Correlations? {
        Correlations.mean(baselines.map(\.allItems))
    }

    /// The judge compared with humans exactly as each human is compared with the others.
    /// - Parameters:
    ///   - humans: (raters, items), ≥ 2 raters.
    ///   - judge: (items,), nil = no judge score.
    public static func judgeHumanBaseline(humans: RatingMatrix, judge: [Double?]) throws -> JudgeHumanBaseline {
        guard humans.raterCount >= 2 else {
            throw AgreementError.tooFewRaters(statistic: "human-human baseline", needed: 2, found: humans.raterCount)
        }
        guard judge.count == humans.itemCount else {
            throw AgreementError.lengthMismatch(first: humans.itemCount, second: judge.count)
        }
        var per: [JudgeHumanBaseline.PerRater] = []
        for k in 0..<humans.raterCount {
            let (items, x, others) = raterVersusOthers(humans, rater: k)
            let keep = items.indices.filter { judge[items[$0]] != nil }
            let hx = keep.map { x[$0] }
            let ho = keep.map { others[$0] }
            let jx = keep.compactMap { judge[items[$0]] }
            per.append(
                .init(rater: k, items: keep.count, human: try Correlations(hx, ho), judge: try Correlations(jx, ho)))
        }
        let hm = Correlations.mean(per.map(\.human))
        let jm = Correlations.mean(per.map(\.judge))
        var ratio: Correlations? = nil
        if let hm, let jm {
            func r(_ a: Double?, _ b: Double?) -> Double? {
                guard let a, let b, b != 0 else { return nil }
                return a / b
            }
            ratio = Correlations(
                pearson: r(jm.pearson, hm.pearson), spearman: r(jm.spearman, hm.spearman),
                kendallTauB: r(jm.kendallTauB, hm.kendallTauB), kendallTauC: r(jm.kendallTauC, hm.kendallTauC))
        }
        return JudgeHumanBaseline(perRater: per, humanMean: hm, judgeMean: jm, ratio: ratio)
    }

    /// Items where rater k and ≥ 1 other rated; k's scores and the mean of the others there.
    static func raterVersusOthers(_ m: RatingMatrix, rater k: Int) -> (items: [Int], x: [Double], others: [Double]) {
        var items: [Int] = []
        var x: [Double] = []
        var others: [Double] = []
        for i in 0..<m.itemCount {
            guard let v = m.ratings[k][i] else { continue }
            var sum = 0.0
            var n = 0
            for r in 0..<m.raterCount where r != k {
                if let o = m.ratings[r][i] {
                    sum += o
                    n += 1
                }
            }
            guard n > 0 else { continue }
            if !sum.isFinite {  // huge scores: add each divided by n instead (no overflow)
                sum = 0
                for r in 0..<m.raterCount where r != k { if let o = m.ratings[r][i] { sum += o / Double(n) } }
                n = 1
            }
            items.append(i)
            x.append(v)
            others.append(sum / Double(n))
        }
        return (items, x, others)
    }
}
