// ChatServer+TextCompletion: answers POST /v1/completions (OpenAI's legacy text completion) on a
// backend that continues raw prompts (`TextCompletionBackend`, the in-process model): one choice
// per prompt, run in order under one backend slot, usage summed. With `echo` the choice's text
// starts with the prompt and, with `logprobs`, its tokens are scored too: the prompt-scoring path
// lm-evaluation-harness's `local-completions` model uses (`max_tokens` 0 or 1, `logprobs` 1).
import ArbiterChat
import Foundation
import Hummingbird
import NIOCore

extension ChatServer {
    func textCompletions(_ request: Request) async -> Response {
        await answering {
            let body = try await readBody(request)
            let parsed = try TextCompletionsRequest.decode(body)
            guard parsed.model == modelName else {
                throw ChatServerError.unknownModel(requested: parsed.model, served: modelName)
            }
            guard let backend = backend as? any TextCompletionBackend else {
                throw ChatServerError.unsupported(
                    param: "model",
                    message: "this server's model answers chat completions only; use /v1/chat/completions")
            }
            let maxTokens = parsed.maxTokens ?? min(16, configuration.maxTokensLimit)
            guard maxTokens <= configuration.maxTokensLimit else {
                throw ChatServerError.invalidField(
                    param: "max_tokens",
                    message:
                        "\(maxTokens) is above this server's limit of \(configuration.maxTokensLimit); ask for fewer tokens"
                )
            }
            guard maxTokens > 0 || parsed.echo else {
                throw ChatServerError.invalidField(param: "max_tokens", message: "is 0 without echo; nothing to return")
            }
            try await admit()
            var answers: [TextCompletionResponse] = []
            var failure: ChatServerError?
            for prompt in parsed.prompts {
                do {
                    answers.append(
                        try await backend.completeText(
                            TextCompletionRequest(
                                prompt: prompt, maxTokens: maxTokens, temperature: parsed.temperature,
                                seed: parsed.seed, logprobs: parsed.logprobs, echo: parsed.echo, stop: parsed.stop)))
                } catch {
                    failure = Self.backendError(error)
                    break
                }
            }
            await gate.leave()
            if let failure { throw failure }
            return Self.json(textCompletion(answers, for: parsed, maxTokens: maxTokens))
        }
    }

    func textCompletion(_ answers: [TextCompletionResponse], for request: TextCompletionsRequest, maxTokens: Int)
        -> TextCompletionWire
    {
        var choices: [TextChoiceWire] = []
        for (index, answer) in answers.enumerated() {
            let (generated, cut) = Self.cutAtStop(answer.text, stops: request.stop)
            var tokens = answer.tokens
            if let cut, let all = tokens { tokens = Self.tokens(all, startingBefore: cut) }
            let prefix = request.echo ? answer.promptText : ""
            var logprobs: LegacyLogprobsWire?
            if request.logprobs != nil {
                var wire = LegacyLogprobsWire()
                var offset = 0
                for token in request.echo ? (answer.promptTokens ?? []) : [] {
                    wire.append(
                        token.token, logprob: token.logprob, top: token.logprob == nil ? nil : token.top, offset: offset
                    )
                    offset += token.token.unicodeScalars.count
                }
                offset = prefix.unicodeScalars.count
                for token in tokens ?? [] {
                    wire.append(token.token, logprob: token.logprob, top: token.top, offset: offset)
                    offset += token.token.unicodeScalars.count
                }
                logprobs = wire
            }
            let finish =
                cut == nil && (answer.truncated || answer.usage.completionTokens >= maxTokens) ? "length" : "stop"
            choices.append(
                TextChoiceWire(index: index, text: prefix + generated, logprobs: logprobs, finishReason: finish))
        }
        return TextCompletionWire(
            id: Self.responseID("cmpl-"),
            created: Int(Date().timeIntervalSince1970), model: modelName, choices: choices,
            usage: UsageWire(
                promptTokens: answers.map(\.usage.promptTokens).reduce(0, +),
                completionTokens: answers.map(\.usage.completionTokens).reduce(0, +)))
    }
}
