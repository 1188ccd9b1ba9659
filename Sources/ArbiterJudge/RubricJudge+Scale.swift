// RubricJudge+Scale: the glue between a rubric's ScoreScale and the judge module's score types:
// `AllowedScores(scale:)`. Label answers ("pass", "good") are read through the scale itself
// (VerdictParser+Labels, ProbabilityWeighted), not rewritten. It is not a judge.
import ArbiterRubric
import Foundation

extension AllowedScores {
    /// The scores a rubric scale accepts: exactly its levels' scores.
    public init(scale: ScoreScale) {
        self = .set(scale.levels.map(\.score))
    }
}
