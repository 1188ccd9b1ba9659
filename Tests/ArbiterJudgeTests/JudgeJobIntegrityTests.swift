import ArbiterChat
import ArbiterCore
import ArbiterJudge
// JudgeJobIntegrityTests: a sample's judgments reach the log and the store together or not at
// all; a number JSON cannot hold (nan, ±inf) becomes a typed `non_finite` failure instead of an
// encoding abort; the judgments log is validated before a truncated last line is cut, so a file
// that is not a judgments log is left whole; a failed call's attempt count agrees with its message.
import ArbiterTestSupport
import Foundation
import Testing

/// A judge that scores criterion "a" 3 and criterion "b" with `b` (e.g. nan).
struct TwoCriteriaJudge: Judge {
    let name = "two"
    let b: Double
    func judge(_ samples: [JudgeSample]) async -> [Judgment] {
        samples.flatMap { s in
            [
                Judgment(id: s.id, judge: name, rubric: "r", rubricHash: "h", criterion: "a", score: 3, model: "m"),
                Judgment(
                    id: s.id, judge: name, rubric: "r", rubricHash: "h", criterion: "b", score: b,
                    distribution: [3: b], model: "m"),
            ]
        }
    }
}

/// A backend whose every call fails after `attempts` HTTP attempts.
struct RefusedBackend: ChatBackend {
    let attempts: Int
    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        throw OpenAIChatBackendError.connection(
            url: "http://127.0.0.1:1/v1/chat/completions", reason: "refused", attempts: attempts)
    }
}

@Suite struct JudgeJobIntegrityTests {
    func run(_ folder: URL, b: Double, store: JudgmentStore? = nil) async throws -> JudgeJobSummary {
        let judge = JobJudge(pointwise: TwoCriteriaJudge(b: b), rubric: "r", rubricHash: "h", criteria: ["a", "b"])
        let job = JudgeJob(
            input: folder.appendingPathComponent("samples.jsonl"), output: folder.appendingPathComponent("out.jsonl"),
            store: store, judge: judge, options: try JudgeJobOptions(concurrency: 2))
        return try await job.run()
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, .greatestFiniteMagnitude * 2])
    func nonFiniteNumbersAreTypedFailuresAndSamplesStayWhole(_ b: Double) async throws {
        let folder = try jobFolder()
        try writeSamples(4, to: folder.appendingPathComponent("samples.jsonl"))
        let store = try JudgmentStore(url: folder.appendingPathComponent("j.sqlite"))
        let summary = try await run(folder, b: b, store: store)
        #expect(summary.judged == 4 && summary.failures == 4 && summary.scored == 4)
        let lines = try Judgment.decodeJSONLines(Data(contentsOf: folder.appendingPathComponent("out.jsonl")))
        #expect(lines.count == 8)
        for j in lines where j.criterion == "b" {
            #expect(j.score == nil && j.distribution == nil)
            guard case .nonFinite(let field, _)? = j.failure else {
                Issue.record("expected a non_finite failure, got \(String(describing: j.failure))")
                continue
            }
            #expect(field.hasPrefix("score") || field.hasPrefix("distribution"))
        }
        #expect(lines.filter { $0.criterion == "a" }.allSatisfy { $0.score == 3 })
        #expect(try store.allJudgments().count == 8)
        // The failure reads back and a rerun has nothing left to do.
        let again = try await run(folder, b: b, store: store)
        #expect(again.judged == 0 && again.alreadyDone == 4)
    }

    @Test func everyLineOfASampleIsOneWrite() async throws {
        let folder = try jobFolder()
        let url = folder.appendingPathComponent("j.jsonl")
        let log = try JudgmentLog(url: url)
        let lines = ["a", "b", "c"].map {
            Judgment(id: "s", judge: "j", rubric: "r", rubricHash: "h", criterion: $0, score: 1, model: "m")
        }
        try await log.append(contentsOf: lines)
        #expect(try Judgment.decodeJSONLines(Data(contentsOf: url)) == lines)
    }

    @Test func aFileThatIsNotAJudgmentsLogIsLeftWhole() throws {
        let folder = try jobFolder()
        let cases = [
            "notes.txt": "first line\nsecond line",
            "one-sample.jsonl": #"{"id": "s0", "prompt": "p", "response": "r"}"#,
            "samples.jsonl": #"{"id": "s0", "prompt": "p", "response": "r"}"# + "\n"
                + #"{"id": "s1", "prompt": "p", "response": "r"}"#,
            "judgments-then-text.jsonl": try Judgment(
                id: "a", judge: "j", rubric: "r", criterion: "c", score: 1, model: "m"
            ).jsonLine() + "\nplain text",
        ]
        for (name, text) in cases {
            let url = folder.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            #expect(throws: JudgmentFileError.self, "\(name)") { try JudgmentLog(url: url) }
            #expect(try String(contentsOf: url, encoding: .utf8) == text, "\(name)")
        }
    }

    @Test func attemptsAgreeWithTheFailureMessage() async throws {
        let judge = LLMJudge(
            name: "j", backend: RefusedBackend(attempts: 3),
            configuration: try LLMJudgeConfiguration(
                rubric: "r", criterion: "c", allowed: .set([1, 2, 3]), call: try JudgeCallSettings(reasks: 1)),
            render: { [.user($0.response)] })
        let j = try #require(await judge.judge([JudgeSample(id: "x", prompt: "p", response: "r")]).first)
        guard case .transport(let message)? = j.failure else {
            Issue.record("expected a transport failure, got \(String(describing: j.failure))")
            return
        }
        #expect(message.contains("after 3 attempts"))
        #expect(j.attempts == 3)
    }
}
