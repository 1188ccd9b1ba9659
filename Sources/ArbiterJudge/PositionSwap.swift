// PositionSwap: position-bias control for pairwise judging. Each pair is judged twice, as (A, B)
// and as (B, A); the swapped verdict is mapped back to the original frame and the two are
// reconciled by a policy. Also the batch position-consistency rate. It does not call judges.
import ArbiterCore
import Foundation

/// What to do when the two orders disagree.
public enum SwapPolicy: String, Sendable, Codable, CaseIterable {
    /// Disagreement becomes a tie.
    case inconsistentAsTie
    /// Disagreement gives no verdict and is flagged for review.
    case flagInconsistent
}

/// The reconciled verdict for one pair.
public struct SwapOutcome: Sendable, Equatable {
    /// Final verdict in the original (A, B) frame; nil when flagged or a side failed.
    public var verdict: PairwiseVerdict?
    /// Both orders gave a verdict and they agree after mapping.
    public var consistent: Bool
    /// Verdict of the swapped run, mapped back to the original frame.
    public var swappedMapped: PairwiseVerdict?

    public init(verdict: PairwiseVerdict?, consistent: Bool, swappedMapped: PairwiseVerdict?) {
        self.verdict = verdict
        self.consistent = consistent
        self.swappedMapped = swappedMapped
    }
}

public enum PositionSwap {
    /// Reconciles the verdict on (A, B) with the verdict on (B, A) (`swapped` is in the swapped
    /// frame, so its "a" means the original B). A missing side (failed judgment) yields no verdict.
    public static func resolve(original: PairwiseVerdict?, swapped: PairwiseVerdict?, policy: SwapPolicy) -> SwapOutcome
    {
        let mapped = swapped?.swapped
        guard let original, let mapped else {
            return SwapOutcome(verdict: nil, consistent: false, swappedMapped: mapped)
        }
        if original == mapped { return SwapOutcome(verdict: original, consistent: true, swappedMapped: mapped) }
        switch policy {
        case .inconsistentAsTie: return SwapOutcome(verdict: .tie, consistent: false, swappedMapped: mapped)
        case .flagInconsistent: return SwapOutcome(verdict: nil, consistent: false, swappedMapped: mapped)
        }
    }

    /// Position-consistency rate over judgments from a swapping pairwise judge (those with
    /// `positionConsistent` set); nil when none has both orders.
    public static func consistencyRate(_ judgments: [Judgment]) -> Double? {
        let flags = judgments.compactMap(\.positionConsistent)
        guard !flags.isEmpty else { return nil }
        return Double(flags.filter { $0 }.count) / Double(flags.count)
    }

    /// Share of pairs whose two orders agree, over pairs where both sides produced a verdict;
    /// nil when there is no such pair.
    public static func consistencyRate(_ pairs: [(original: PairwiseVerdict?, swapped: PairwiseVerdict?)]) -> Double? {
        let complete = pairs.compactMap { p -> (PairwiseVerdict, PairwiseVerdict)? in
            guard let o = p.original, let s = p.swapped else { return nil }
            return (o, s.swapped)
        }
        guard !complete.isEmpty else { return nil }
        return Double(complete.filter { $0.0 == $0.1 }.count) / Double(complete.count)
    }
}
