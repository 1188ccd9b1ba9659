// RewardBatchTests: the batch's defaults (group indices from G, empty metadata) and the unscored count.
import ArbiterReward
import Testing

@Suite struct RewardBatchTests {
    @Test func defaultsFollowGroupSize() {
        let batch = RewardBatch(prompts: ["p", "p", "q", "q"], completions: ["a", "b", "c", "d"], groupSize: 2)
        #expect(batch.groupIndices == [0, 0, 1, 1])
        #expect(batch.metadata.count == 4 && batch.completionTokenIDs.count == 4)
        #expect(RewardScores(values: [1, nil, 0, nil], failures: 1).unscored == 2)
    }
}
