// ArbiterJudge: judge protocols, LLM judges over chat backends, pairwise judging, verifiers and
// the judgment store. This file only names the module; parts live in Type+Concern.swift files.
import ArbiterModels
import ArbiterRubric

/// Namespace for judge-module constants.
public enum JudgeInfo {
    /// Pairwise verdicts a judge may return.
    public static let pairwiseVerdicts = ["a", "b", "tie"]
}
