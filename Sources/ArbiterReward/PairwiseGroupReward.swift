// PairwiseGroupReward: a pairwise judge turned into a group reward. Within each group every pair
// of completions is compared once (G·(G−1)/2 judgments, both orders when `bothOrders`, which
// cancels position bias), and a completion's reward is its win rate (a tie counts ½) over the
// comparisons that succeeded. A completion with no successful comparison is unscored (nil).
import ArbiterCore
import ArbiterJudge

/// Win rate within the group under a pairwise judge.
public struct PairwiseGroupReward: RewardFunction {
    public let name: String
    public let judge: any Judge<PairwiseSample>
    /// Compare each pair in both orders (A/B and B/A).
    public var bothOrders: Bool

    public init(name: String, judge: any Judge<PairwiseSample>, bothOrders: Bool = true) {
        self.name = name
        self.judge = judge
        self.bothOrders = bothOrders
    }

    public func score(_ batch: RewardBatch) async throws -> RewardScores {
        var members: [Int: [Int]] = [:]
        for (i, group) in batch.groupIndices.enumerated() { members[group, default: []].append(i) }
        var pairs: [(a: Int, b: Int)] = []
        for group in members.keys.sorted() {
            let rows = members[group]!
            for x in rows.indices {
                for y in rows.indices where y > x {
                    pairs.append((rows[x], rows[y]))
                    if bothOrders { pairs.append((rows[y], rows[x])) }
                }
            }
        }
        let samples = pairs.enumerated().map { k, pair in
            PairwiseSample(
                id: "pair-\(k)", prompt: batch.prompts[pair.a], responseA: batch.completions[pair.a],
                responseB: batch.completions[pair.b])
        }
        let judgments = await judge.judge(samples)
        var verdicts: [String: PairwiseVerdict] = [:]
        for j in judgments where j.succeeded { if let v = j.verdict { verdicts[j.id] = v } }
        var points = [Double](repeating: 0, count: batch.count)
        var games = [Int](repeating: 0, count: batch.count)
        var failures = 0
        for (k, pair) in pairs.enumerated() {
            guard let verdict = verdicts["pair-\(k)"] else {
                failures += 1
                continue
            }
            games[pair.a] += 1
            games[pair.b] += 1
            switch verdict {
            case .a: points[pair.a] += 1
            case .b: points[pair.b] += 1
            case .tie:
                points[pair.a] += 0.5
                points[pair.b] += 0.5
            }
        }
        let values: [Double?] = (0..<batch.count).map { games[$0] > 0 ? points[$0] / Double(games[$0]) : nil }
        let unscoredByFailure = (0..<batch.count).filter {
            games[$0] == 0 && (members[batch.groupIndices[$0]]?.count ?? 0) > 1
        }
        return RewardScores(values: values, failures: failures > 0 ? unscoredByFailure.count : 0)
    }
}
