// Pairwise: MT-Bench agreement on a/b/tie verdicts (ArbiterCore's PairwiseVerdict; FastChat
// compute_agreement.py convention, re-implemented): the judge's vote is compared with *each* human
// vote, not a majority; "without ties" drops a pair when either side is a tie. Not a pairwise
// judge.
import ArbiterCore

/// Agreeing pairs out of compared pairs; `ratio` is nil when nothing was compared.
public struct AgreementCount: Sendable, Equatable, Codable {
    public let agree: Int
    public let total: Int
    public var ratio: Double? { total == 0 ? nil : Double(agree) / Double(total) }

    public init(agree: Int, total: Int) {
        self.agree = agree
        self.total = total
    }
}

extension Agreement {
    /// Judge vs humans: every human vote on an item judged by the judge is paired with the judge's
    /// vote. Items without human votes are skipped.
    public static func mtBenchAgreement(
        judge: [String: PairwiseVerdict], humans: [String: [PairwiseVerdict]], includeTies: Bool
    ) -> AgreementCount {
        var agree = 0
        var total = 0
        for (id, jv) in judge {
            guard let votes = humans[id] else { continue }
            if !includeTies && jv == .tie { continue }
            for hv in votes {
                if !includeTies && hv == .tie { continue }
                total += 1
                if hv == jv { agree += 1 }
            }
        }
        return AgreementCount(agree: agree, total: total)
    }

    /// Human vs human: all unordered pairs of votes on the same item.
    public static func mtBenchHumanAgreement(humans: [String: [PairwiseVerdict]], includeTies: Bool) -> AgreementCount {
        var agree = 0
        var total = 0
        for votes in humans.values {
            for x in 0..<votes.count {
                for y in (x + 1)..<votes.count {
                    if !includeTies && (votes[x] == .tie || votes[y] == .tie) { continue }
                    total += 1
                    if votes[x] == votes[y] { agree += 1 }
                }
            }
        }
        return AgreementCount(agree: agree, total: total)
    }
}
