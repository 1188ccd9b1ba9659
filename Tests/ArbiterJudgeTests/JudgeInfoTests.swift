// JudgeInfoTests: the pairwise verdict vocabulary.
import ArbiterJudge
import Testing

@Test func pairwiseVerdicts() {
    #expect(JudgeInfo.pairwiseVerdicts == ["a", "b", "tie"])
}
