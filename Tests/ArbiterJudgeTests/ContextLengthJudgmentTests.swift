// ContextLengthJudgmentTests: a judge prompt longer than the model's context is a failed judgment
// of kind `context_length` (the in-process model's token counts, or an OpenAI-compatible
// server's `context_length_exceeded`), never `empty_output` or a score read from nothing; the
// kind round-trips through a judgment line.
import ArbiterChat
import ArbiterCore
import ArbiterJudge
import ArbiterTestSupport
import Foundation
import Testing

@Test func judgePromptPastTheLocalContextIsAContextLengthFailure() async throws {
    let backend = try LocalChatBackend.load(TinyChatModel.file(contextLength: 32), name: "tiny")
    let config = try LLMJudgeConfiguration(
        rubric: "helpfulness@1", rubricHash: "h1", criterion: "overall", allowed: .set([1, 2, 3, 4, 5]),
        call: try JudgeCallSettings(reasks: 1, timeoutSeconds: 60, maxTokens: 4))
    let judge = LLMJudge(name: "tiny-judge", backend: backend, configuration: config, render: render)
    let long = JudgeSample(id: "long", prompt: String(repeating: "why ", count: 20), response: "because")
    let j = try #require(await judge.judge([long]).first)
    #expect(j.score == nil && j.attempts == 1)
    guard case .contextLength(let message) = j.failure else {
        Issue.record("expected a context_length failure, got \(String(describing: j.failure))")
        return
    }
    #expect(message.contains("context length is 32 tokens"), "\(message)")
    let line = try j.jsonLine()
    #expect(line.contains(#""kind":"context_length""#))
    let decoded = try JSONDecoder().decode(
        JudgmentFailure.self, from: Data(#"{"kind":"context_length","message":"m"}"#.utf8))
    #expect(decoded == .contextLength(message: "m"))
}

@Test func openAIContextLengthAnswersAreContextLengthFailures() {
    let body =
        #"{"error":{"message":"This model's maximum context length is 8192 tokens","code":"context_length_exceeded"}}"#
    let error = OpenAIChatBackendError.httpStatus(url: "http://x/v1", status: 400, attempts: 1, bodyExcerpt: body)
    guard case .contextLength = error.judgmentFailure else {
        Issue.record("expected context_length, got \(error.judgmentFailure)")
        return
    }
    let other = OpenAIChatBackendError.httpStatus(url: "http://x/v1", status: 400, attempts: 1, bodyExcerpt: "bad")
    #expect(other.judgmentFailure == .transport(message: other.errorDescription ?? ""))
}
