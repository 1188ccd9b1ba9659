// RubricJudgeTests: the rubric glue: scales become allowed scores, the factory picks the right
// judge for single-criterion, multi-criterion (label scales, "overall" aggregate) and pairwise
// rubrics, prompts are the rubric's rendering, and judgments carry the rubric name and hash.
import ArbiterChat
import ArbiterJudge
import ArbiterRubric
import ArbiterTestSupport
import Foundation
import Testing

/// A ChatBackend test double that answers each request with `answer(request)`, counting calls.
final class FunctionBackend: ChatBackend, @unchecked Sendable {
    private let lock = NSLock()
    private var calls = 0
    private let answer: @Sendable (ChatRequest) throws -> String
    init(_ answer: @escaping @Sendable (ChatRequest) throws -> String) { self.answer = answer }
    var callCount: Int { lock.withLock { calls } }
    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        lock.withLock { calls += 1 }
        return ChatResponse(text: try answer(request), model: "fake")
    }
}

enum ShippedRubric {
    static func load(_ name: String) throws -> Rubric {
        try Rubric.load(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Rubrics/\(name).yaml"))
    }
}

@Suite struct RubricJudgeTests {
    @Test func scaleBecomesAllowedSet() throws {
        let rubric = try ShippedRubric.load("summeval-consistency")
        let scale = try #require(rubric.criteria.first?.scale)
        #expect(AllowedScores(scale: scale) == .set([1, 2, 3, 4, 5]))
        let binary = try #require(try ShippedRubric.load("instruction-following").criterion("format")?.scale)
        #expect(AllowedScores(scale: binary) == .set([0, 1]))
    }

    @Test func singleCriterionRendersRubricAndStampsHash() async throws {
        let rubric = try ShippedRubric.load("summeval-consistency")
        let backend = FunctionBackend { request in
            #expect(request.messages.count == 2)
            #expect(request.messages[1].content.contains("### Summary to evaluate"))
            return "Looks faithful.\n[RESULT] 4"
        }
        let judge = try RubricJudge.pointwise(name: "fake-judge", rubric: rubric, backend: backend)
        #expect(judge.criteria == ["consistency"])
        let out = await judge.judge([JudgeSample(id: "s1", prompt: "doc", response: "sum")])
        #expect(out.count == 1)
        let j = try #require(out.first)
        #expect(j.score == 4 && j.criterion == "consistency" && j.rubric == "summeval-consistency")
        #expect(j.rubricHash == rubric.contentHash)
    }

    @Test func offScaleAnswerIsTypedFailure() async throws {
        let rubric = try ShippedRubric.load("summeval-consistency")
        let judge = try RubricJudge.pointwise(
            name: "j", rubric: rubric, backend: FunctionBackend { _ in "[RESULT] 9" },
            options: RubricJudgeOptions(call: try JudgeCallSettings(reasks: 0)))
        let j = try #require(await judge.judge([JudgeSample(id: "s", prompt: "p", response: "r")]).first)
        #expect(j.score == nil)
        #expect(j.failure == .offScale(value: 9, allowed: [1, 2, 3, 4, 5]))
    }

    @Test func multiCriterionLabelsAndOverall() async throws {
        let rubric = try ShippedRubric.load("instruction-following")
        let backend = FunctionBackend { _ in "fine\n[RESULT] adherence: most\n[RESULT] format: pass" }
        let judge = try RubricJudge.pointwise(name: "j", rubric: rubric, backend: backend)
        #expect(judge.criteria == ["adherence", "format", "overall"])
        let out = await judge.judge([
            JudgeSample(id: "a", prompt: "p", response: "r"), JudgeSample(id: "b", prompt: "p", response: "r"),
        ])
        #expect(out.map(\.criterion) == ["adherence", "format", "overall", "adherence", "format", "overall"])
        #expect(out[0].score == 3 && out[1].score == 1)
        let expected = try rubric.aggregate(["adherence": 3, "format": 1]).value
        #expect(out[2].score == expected)
        #expect(out.allSatisfy { $0.rubricHash == rubric.contentHash })
    }

    @Test func overallFailsWhenACriterionFails() async throws {
        let rubric = try ShippedRubric.load("instruction-following")
        let backend = FunctionBackend { _ in "[RESULT] adherence: all\n[RESULT] format: maybe" }
        let judge = try RubricJudge.pointwise(
            name: "j", rubric: rubric, backend: backend,
            options: RubricJudgeOptions(call: try JudgeCallSettings(reasks: 0)))
        let out = await judge.judge([JudgeSample(id: "a", prompt: "p", response: "r")])
        #expect(out.count == 3)
        #expect(out[0].score == 4 && out[1].failure != nil)
        #expect(out[2].criterion == "overall" && out[2].score == nil && out[2].failure != nil)
    }

    /// A rubric's `[RESULT]` answers, read back the way a judge reads them: the last line wins,
    /// decoration is tolerated, a missing or off-scale answer fails with its reason.
    @Test func singleCriterionAnswersAreReadByTheirLastResultLine() async throws {
        let rubric = try ShippedRubric.load("helpfulness")
        func judged(_ answer: String) async throws -> Judgment {
            let judge = try RubricJudge.pointwise(
                name: "j", rubric: rubric, backend: FunctionBackend { _ in answer },
                options: RubricJudgeOptions(call: try JudgeCallSettings(reasks: 0)))
            return try #require(await judge.judge([JudgeSample(id: "s", prompt: "p", response: "r")]).first)
        }
        #expect(try await judged("It answers well.\n[RESULT] 3\nOn reflection:\n**[RESULT] 4**").score == 4)
        #expect(try await judged("[RESULT] 9").failure == .offScale(value: 9, allowed: [1, 2, 3, 4, 5]))
        let none = try await judged("No verdict here.")
        #expect(none.score == nil && none.failure == .unparseable)
    }

    @Test func multiCriterionLabelAnswersIgnoreCase() async throws {
        let rubric = try ShippedRubric.load("instruction-following")
        let backend = FunctionBackend { _ in "Reasons.\n[RESULT] adherence: most\n[RESULT] format: PASS\n" }
        let judge = try RubricJudge.pointwise(name: "j", rubric: rubric, backend: backend)
        let out = await judge.judge([JudgeSample(id: "a", prompt: "p", response: "r")])
        #expect(out.map(\.criterion) == ["adherence", "format", "overall"])
        #expect(out[0].score == 3 && out[1].score == 1)
    }

    @Test func pairwiseAnswersAreReadByTheirLastResultLine() async throws {
        let rubric = try ShippedRubric.load("pairwise-preference")
        func judged(_ answer: String) async throws -> Judgment {
            let options = RubricJudgeOptions(call: try JudgeCallSettings(reasks: 0), swapPolicy: nil)
            let judge = try RubricJudge.pairwise(
                name: "p", rubric: rubric, backend: FunctionBackend { _ in answer }, options: options)
            return try #require(
                await judge.judge([PairwiseSample(id: "x", prompt: "q", responseA: "a", responseB: "b")]).first)
        }
        #expect(try await judged("A is longer but B is right.\n[RESULT] B").verdict == .b)
        #expect(try await judged("[RESULT] tie").verdict == .tie)
        #expect(try await judged("[RESULT] B\n[RESULT] A (final)").verdict == .a)
        let none = try await judged("Both fine.")
        #expect(none.verdict == nil && none.failure == .unparseable)
    }

    @Test func pairwiseRubric() async throws {
        let rubric = try ShippedRubric.load("pairwise-preference")
        // The first-shown response always wins: position bias, resolved as a tie by the swap.
        let judge = try RubricJudge.pairwise(name: "p", rubric: rubric, backend: FunctionBackend { _ in "[RESULT] A" })
        let out = await judge.judge([PairwiseSample(id: "x", prompt: "q", responseA: "a", responseB: "b")])
        let j = try #require(out.first)
        #expect(j.verdict == .tie && j.positionConsistent == false && j.rubricHash == rubric.contentHash)
        #expect(throws: RubricJudgeError.self) {
            try RubricJudge.pointwise(name: "p", rubric: rubric, backend: FunctionBackend { _ in "" })
        }
    }
}
