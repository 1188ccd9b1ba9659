// Correlations+Levels: summary-level (correlate inside each group, e.g. source document or writing
// prompt, then average — G-Eval/SummEval convention) and system-level (correlate per-system means).
// Pooled correlation is plain `Correlations(x, y)`.

/// Summary-level correlations: per-group coefficients averaged over the groups that qualify.
public struct GroupedCorrelations: Sendable, Equatable, Codable {
    /// Number of distinct groups.
    public let groups: Int
    /// Groups holding more than one item.
    public let groupsWithMoreThanOneItem: Int
    /// Groups averaged: more than one item and neither side constant.
    public let groupsUsed: Int
    /// Coefficient-wise mean over the used groups; nil when no group qualifies.
    public let mean: Correlations?
}

/// System-level correlation: per-system means of both sides, then one correlation.
public struct SystemLevelCorrelations: Sendable, Equatable, Codable {
    public let systems: Int
    public let correlations: Correlations
}

extension Correlations {
    /// Correlation inside each group (items sharing `groups[i]`), averaged over groups with more than
    /// one item where neither side is constant (G-Eval `meta_eval_summeval.py` rule).
    public static func grouped<G: Hashable & Comparable>(_ x: [Double], _ y: [Double], groups: [G]) throws
        -> GroupedCorrelations
    {
        guard x.count == y.count else { throw AgreementError.lengthMismatch(first: x.count, second: y.count) }
        guard groups.count == x.count else { throw AgreementError.lengthMismatch(first: x.count, second: groups.count) }
        var members: [G: [Int]] = [:]
        for (i, g) in groups.enumerated() { members[g, default: []].append(i) }
        var multi = 0
        var used: [Correlations] = []
        for g in members.keys.sorted() {
            guard let idx = members[g], idx.count >= 2 else { continue }
            multi += 1
            let gx = idx.map { x[$0] }
            let gy = idx.map { y[$0] }
            guard Set(gx).count > 1, Set(gy).count > 1 else { continue }
            used.append(try Correlations(gx, gy))
        }
        return GroupedCorrelations(
            groups: members.count, groupsWithMoreThanOneItem: multi,
            groupsUsed: used.count, mean: Correlations.mean(used))
    }

    /// Correlation of the per-system means of x and y.
    public static func systemLevel<S: Hashable & Comparable>(_ x: [Double], _ y: [Double], systems: [S]) throws
        -> SystemLevelCorrelations
    {
        guard x.count == y.count else { throw AgreementError.lengthMismatch(first: x.count, second: y.count) }
        guard systems.count == x.count else {
            throw AgreementError.lengthMismatch(first: x.count, second: systems.count)
        }
        // Sums of values rescaled by powers of two cannot overflow; correlations ignore the scale.
        let x = Agreement.unitScaled(x)
        let y = Agreement.unitScaled(y)
        var sums: [S: (x: Double, y: Double, n: Int)] = [:]
        for (i, s) in systems.enumerated() {
            let cur = sums[s] ?? (0, 0, 0)
            sums[s] = (cur.x + x[i], cur.y + y[i], cur.n + 1)
        }
        let keys = sums.keys.sorted()
        let mx = keys.compactMap { k in sums[k].map { $0.x / Double($0.n) } }
        let my = keys.compactMap { k in sums[k].map { $0.y / Double($0.n) } }
        return SystemLevelCorrelations(systems: keys.count, correlations: try Correlations(mx, my))
    }
}
