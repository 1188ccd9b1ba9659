// RubricPromptTests: judge prompts carry every level descriptor and the sample; template
// overrides are substituted in one pass; scale levels are found from decorated answers; scores
// aggregate by the documented rules. (Reading whole answers back is the judges' job: RubricJudgeTests.)
import ArbiterRubric
import Foundation
import Testing

@Suite struct RubricPromptTests {
    @Test(arguments: RubricTestFiles.shippedNames.filter { $0 != "pairwise-preference" })
    func pointwisePromptShowsEveryDescriptorAndTheSample(name: String) throws {
        let rubric = try RubricTestFiles.shipped(name)
        let messages = rubric.renderPointwise(
            prompt: "PROMPT-7f3a", response: "RESPONSE-91bc",
            reference: rubric.requiresReference ? "REFERENCE-55de" : nil)
        #expect(messages.map(\.role) == [.system, .user])
        let all = messages.map(\.content).joined(separator: "\n")
        for criterion in rubric.criteria {
            #expect(all.contains(criterion.id))
            #expect(all.contains(criterion.description))
            for level in try #require(criterion.scale).levels {
                #expect(all.contains(level.descriptor), "missing descriptor of \(criterion.id) \(level.label)")
            }
        }
        #expect(messages[1].content.contains("PROMPT-7f3a"))
        #expect(messages[1].content.contains("RESPONSE-91bc"))
        if rubric.requiresReference {
            #expect(messages[1].content.contains("REFERENCE-55de"))
            #expect(all.contains(try #require(rubric.referenceInstructions)))
        }
        #expect(messages[0].content.contains("[RESULT]"))
        #expect(!all.contains("{{"))
    }

    @Test func pairwisePromptShowsBothResponsesAndTheVerdictFormat() throws {
        let rubric = try RubricTestFiles.shipped("pairwise-preference")
        let messages = rubric.renderPairwise(prompt: "Q-1", responseA: "ANSWER-A-1", responseB: "ANSWER-B-2")
        #expect(messages[1].content.contains("ANSWER-A-1"))
        #expect(messages[1].content.contains("ANSWER-B-2"))
        #expect(messages[1].content.contains("Q-1"))
        for line in ["[RESULT] A", "[RESULT] B", "[RESULT] TIE"] {
            #expect(messages[0].content.contains(line))
        }
        for criterion in rubric.criteria {
            #expect(messages[0].content.contains(criterion.description))
        }
    }

    @Test func templateOverridesAreSubstitutedOnce() throws {
        let rubric = try RubricTestFiles.shipped("summeval-coherence")
        let messages = rubric.renderPointwise(
            prompt: "The source text.", response: "A summary with {{criteria}} inside.")
        #expect(messages[1].content.hasPrefix("### Source document\nThe source text."))
        #expect(messages[1].content.contains("A summary with {{criteria}} inside."))
        #expect(messages[0].content.contains("[RESULT] <score>"))
    }

    @Test func systemOverrideWithoutOutputFormatStillAsksForResult() throws {
        let text = RubricTestFiles.tinyYAML + "templates:\n  system: \"Judge it. {{scale}}\"\n"
        let rubric = try Rubric.parse(text, format: .yaml)
        let system = rubric.renderPointwise(prompt: "p", response: "r")[0].content
        #expect(system.hasPrefix("Judge it. Score levels:"))
        #expect(system.contains("Okay."))
        #expect(system.contains("[RESULT] <score>"))
    }

    @Test func missingReferenceIsStatedNotHidden() throws {
        let rubric = try RubricTestFiles.shipped("honesty-factual-accuracy")
        let user = rubric.renderPointwise(prompt: "p", response: "r")[1].content
        #expect(user.contains("(no reference answer was provided)"))
    }

    @Test func answersWithDecorationAreRead() throws {
        let scale = try #require(try RubricTestFiles.shipped("helpfulness").criteria[0].scale)
        #expect(scale.level(forAnswer: "4/5")?.score == 4)
        #expect(scale.level(forAnswer: " 3 (moderately helpful)")?.score == 3)
        #expect(scale.level(forAnswer: "5.0")?.score == 5)
        #expect(scale.level(forAnswer: "45") == nil)
        #expect(scale.level(forAnswer: "six") == nil)
        let binary = try #require(try RubricTestFiles.shipped("code-correctness").criteria[0].scale)
        #expect(binary.level(forAnswer: "Pass.")?.label == "pass")
        #expect(binary.level(forAnswer: "passes") == nil)
    }

    @Test func weightedMeanOnACommonScaleUsesRawScores() throws {
        let rubric = try RubricTestFiles.shipped("honesty-factual-accuracy")
        #expect(rubric.hasCommonScale)
        let result = try rubric.aggregate(["factual-accuracy": 5, "honesty": 2])
        #expect(result.value == 4)  // (2 * 5 + 1 * 2) / 3
        #expect(!result.normalised)
        #expect(result.minimum == 1 && result.maximum == 5)
    }

    @Test func weightedMeanOnMixedScalesNormalises() throws {
        let rubric = try RubricTestFiles.shipped("instruction-following")
        #expect(!rubric.hasCommonScale)
        let result = try rubric.aggregate(["adherence": 3, "format": 1])
        #expect(abs(result.value - 0.75) < 1e-12)  // (3 * 2/3 + 1 * 1) / 4
        #expect(result.normalised)
    }

    @Test func minAndAllPass() throws {
        let minRubric = try Rubric.parse("aggregation: min\n" + RubricTestFiles.tinyYAML, format: .yaml)
        #expect(try minRubric.aggregate(["quality": 2]).value == 2)
        let code = try RubricTestFiles.shipped("code-correctness")
        #expect(try code.aggregate(["correct-output": 1, "edge-cases": 1, "runs": 1]).value == 1)
        #expect(try code.aggregate(["correct-output": 1, "edge-cases": 0, "runs": 1]).value == 0)
    }

    @Test func aggregateRejectsBadScores() throws {
        let rubric = try RubricTestFiles.shipped("honesty-factual-accuracy")
        #expect(throws: RubricScoreError.self) { try rubric.aggregate(["factual-accuracy": 5]) }
        #expect(throws: RubricScoreError.self) { try rubric.aggregate(["factual-accuracy": 5, "honesty": 2.5]) }
        #expect(throws: RubricScoreError.self) {
            try rubric.aggregate(["factual-accuracy": 5, "honesty": 2, "style": 1])
        }
    }
}
