// RubricJudgeLocalModelTests: the in-process model as a judge backend: SmolLM2-135M-Instruct
// (through TestModels) judges two SummEval samples with the shipped summeval-consistency rubric,
// each judgment being a score on the rubric's scale or a typed failure, never a crash; with
// logprobs every generated position carries the requested top alternatives.
import ArbiterChat
import ArbiterJudge
import ArbiterRubric
import ArbiterTestSupport
import Foundation
import Testing

@Suite(.serialized) struct RubricJudgeLocalModelTests {
    /// Loaded once for both tests (loading dequantises the whole model).
    static let loaded = Result { try LocalChatBackend.load(try TestModels.smolLM2GGUF(), name: "smollm2-135m") }

    static func samples(_ count: Int) throws -> [JudgeSample] {
        let url = Fixtures.repositoryRoot.appendingPathComponent("Data/summeval-consistency/samples.jsonl")
        let parsed = JudgeJob.parseSamples(try Data(contentsOf: url), file: url.path, pairwise: false)
        #expect(parsed.issues.isEmpty)
        // Documents are cut to their first 300 characters (whole words) so the debug-build test stays
        // fast; the prompt is still the rubric's full rendering around them.
        return parsed.samples.prefix(count).compactMap { sample -> JudgeSample? in
            guard case .pointwise(var s) = sample else { return nil }
            if s.prompt.count > 300 {
                let cut = s.prompt.prefix(300)
                s.prompt = String(cut[..<(cut.lastIndex(of: " ") ?? cut.endIndex)])
            }
            return s
        }
    }

    @Test func smolLM2JudgesTwoSummEvalSamples() async throws {
        let backend = try Self.loaded.get()
        let rubric = try ShippedRubric.load("summeval-consistency")
        let judge = try RubricJudge.pointwise(
            name: "local:smollm2-135m", rubric: rubric, backend: backend,
            options: RubricJudgeOptions(
                call: try JudgeCallSettings(reasks: 0, timeoutSeconds: 600, maxConcurrency: 1, maxTokens: 8)))
        let samples = try Self.samples(2)
        #expect(samples.count == 2)
        let out = await judge.judge(samples)
        #expect(out.count == 2)
        for (j, s) in zip(out, samples) {
            #expect(j.id == s.id && j.criterion == "consistency" && j.rubricHash == rubric.contentHash)
            #expect(j.model == "smollm2-135m")
            if let score = j.score {
                #expect((1...5).contains(score) && j.failure == nil)
            } else {
                let failure = try #require(j.failure)
                // The model answered (no transport/timeout problem), it just gave no readable verdict.
                #expect(
                    failure == .unparseable || failure == .emptyOutput || failure == .refusal
                        || { if case .offScale = failure { true } else { false } }())
                #expect(j.raw != nil)
            }
        }
    }

    @Test func greedyAnswerIsDeterministicAndCarriesLogprobs() async throws {
        let backend = try Self.loaded.get()
        let request = ChatRequest(
            messages: [.user("Rate the number three. Answer with one digit from 1 to 5.")], maxTokens: 4,
            logprobs: true, topLogprobs: 5)
        let first = try await backend.complete(request)
        let second = try await backend.complete(request)
        #expect(first.text == second.text)
        let tokens = try #require(first.tokens)
        #expect(tokens.count == first.usage?.completionTokens)
        #expect(tokens.allSatisfy { $0.logprob <= 0 })
        for entry in tokens {
            // Greedy: the chosen token is the most likely alternative; alternatives are sorted.
            let mass = entry.top.map { exp($0.logprob) }.reduce(0, +)
            #expect(entry.top.count == 5 && mass > 0 && mass <= 1 + 1e-6)
            #expect(entry.top.first?.logprob == entry.logprob)
            #expect(zip(entry.top, entry.top.dropFirst()).allSatisfy { $0.logprob >= $1.logprob })
        }
    }
}
