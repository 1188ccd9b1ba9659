// VerdictParserLabelTests: label scales are read through the rubric's ScoreScale, not rewritten:
// "[RESULT] pass" / "[RESULT] <id>: most" parse to the level's score, numbers still parse, the
// last verdict wins, and a judge's `raw` keeps the text the model wrote.
import ArbiterJudge
import ArbiterRubric
import Foundation
import Testing

@Suite struct VerdictParserLabelTests {
    static let passFail = """
        name: pass-fail
        version: 1.0.0
        description: One binary criterion.
        kind: pointwise
        criteria:
          - id: correct
            description: Is the answer correct?
            weight: 1
            scale:
              type: binary
              levels:
                - label: fail
                  descriptor: Wrong.
                - label: pass
                  descriptor: Right.
        """

    @Test func singleLabelVerdictIsTheLevelScore() throws {
        let rubric = try Rubric.parse(Self.passFail, format: .yaml)
        let scale = try #require(rubric.criteria.first?.scale)
        let parser = VerdictParser(allowed: AllowedScores(scale: scale), scale: scale)
        #expect(
            try parser.parseScore("Checked it.\n[RESULT] pass").get() == ParsedScore(score: 1, rationale: "Checked it.")
        )
        #expect(try parser.parseScore("[RESULT] Fail.").get().score == 0)
        #expect(try parser.parseScore("[RESULT] pass\nOn reflection:\n[RESULT] fail").get().score == 0)
        #expect(try parser.parseScore("[RESULT] 1").get().score == 1)
        #expect(parser.parseScore("[RESULT] maybe").map(\.score) == .failure(.unparseable))
        // Without the scale, labels are not verdicts.
        #expect(
            VerdictParser(allowed: AllowedScores(scale: scale)).parseScore("[RESULT] pass").map(\.score)
                == .failure(.unparseable))
    }

    @Test func criterionLabelVerdictsUseTheirOwnScale() throws {
        let rubric = try ShippedRubric.load("instruction-following")
        let scales = rubric.criteria.reduce(into: [String: ScoreScale]()) { $0[$1.id] = $1.scale }
        let parser = VerdictParser(allowed: .range(-Double.infinity...Double.infinity))
        let out = parser.parseCriteria(
            "Why.\n[RESULT] adherence: few\n[RESULT] format: pass\n[RESULT] adherence: All",
            criteria: ["adherence", "format"], scales: scales)
        #expect(try out["adherence"]?.get().score == 4)
        #expect(try out["format"]?.get().score == 1)
        // "pass" is not a level of the ordinal adherence scale.
        let wrong = parser.parseCriteria("[RESULT] adherence: pass", criteria: ["adherence"], scales: scales)
        #expect(wrong["adherence"]?.map(\.score) == .failure(.unparseable))
    }

    @Test func rawKeepsTheModelsLabelAnswer() async throws {
        let single = try Rubric.parse(Self.passFail, format: .yaml)
        let answer = "Checked it.\n[RESULT] pass"
        let judge = try RubricJudge.pointwise(name: "j", rubric: single, backend: FunctionBackend { _ in answer })
        let j = try #require(await judge.judge([JudgeSample(id: "s", prompt: "p", response: "r")]).first)
        #expect(j.score == 1 && j.rationale == "Checked it." && j.raw == answer)

        let multi = try ShippedRubric.load("instruction-following")
        let text = "fine\n[RESULT] adherence: most\n[RESULT] format: pass"
        let both = try RubricJudge.pointwise(name: "j", rubric: multi, backend: FunctionBackend { _ in text })
        let out = await both.judge([JudgeSample(id: "a", prompt: "p", response: "r")])
        #expect(out[0].score == 3 && out[1].score == 1)
        #expect(out[0].raw == text && out[1].raw == text)
    }
}
