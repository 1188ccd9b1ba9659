// PairwiseVerdict: the one pairwise outcome type: response A wins, response B wins, or a tie. A
// judge's verdict (ArbiterJudge), a human's vote in a label file and the audit's categories
// (ArbiterAgreement) are all this type; on disk it is "a", "b" or "tie". Not a parser: reading
// `[RESULT] A` out of model text is ArbiterJudge's VerdictParser.

/// The outcome of a pairwise comparison: response A wins, response B wins, or a tie. Coded as
/// "a", "b", "tie"; `allCases` is the fixed category order (a, b, tie) for κ / α / AC1.
public enum PairwiseVerdict: String, Sendable, Codable, CaseIterable, Hashable {
    case a, b, tie

    /// The same verdict seen from the swapped order (A and B exchanged).
    public var swapped: PairwiseVerdict {
        switch self {
        case .a: return .b
        case .b: return .a
        case .tie: return .tie
        }
    }
}
