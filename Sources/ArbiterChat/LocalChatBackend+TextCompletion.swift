// LocalChatBackend+TextCompletion: OpenAI's legacy text completion on the in-process model: the
// prompt is used as given (text tokenised with the model's special tokens, or token ids checked
// against the vocabulary), no chat template. With `echo` and `logprobs` the prompt is scored by
// one forward over it (`LlamaModel.promptLogprobs`): each token after the first gets its
// log-probability and top alternatives, the first gets none, as OpenAI and vLLM report it.
import ArbiterModels
import Foundation

extension LocalChatBackend: TextCompletionBackend {
    public func completeText(_ request: TextCompletionRequest) async throws -> TextCompletionResponse {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.runText(request) })
            }
        }
    }

    private func runText(_ request: TextCompletionRequest) throws -> TextCompletionResponse {
        let tokenizer = model.tokenizer
        let ids: [Int]
        let promptText: String
        switch request.prompt {
        case .text(let text):
            ids = tokenizer.encode(text)
            promptText = text
        case .tokens(let given):
            let vocabulary = model.model.configuration.vocabularySize
            if let bad = given.first(where: { !(0..<vocabulary).contains($0) }) {
                throw LocalChatBackendError.invalidRequest(
                    reason: "token id \(bad) is outside this model's vocabulary 0..<\(vocabulary)")
            }
            ids = given
            promptText = tokenizer.decode(given)
        }
        guard !ids.isEmpty || request.maxTokens > 0 else {
            throw LocalChatBackendError.invalidRequest(reason: "the prompt is empty and max_tokens is 0: nothing to do")
        }
        let context = model.model.configuration.contextLength
        guard ids.count <= context else {
            throw LocalChatBackendError.contextLength(promptTokens: ids.count, contextLength: context)
        }
        var promptTokens: [PromptTokenLogprobs]?
        if request.echo, let k = request.logprobs {
            let top = min(max(k, 0), Self.maxTopLogprobs)
            let records: [TokenLogprobRecord]
            do throws(GenerationError) {
                records = try model.model.promptLogprobs(ids, top: top)
            } catch {
                throw Self.mapped(error)
            }
            let scored = tokenLogprobs(records).map {
                PromptTokenLogprobs(token: $0.token, logprob: $0.logprob, top: $0.top)
            }
            promptTokens =
                ids.first.map { [PromptTokenLogprobs(token: tokenizer.decode([$0]), logprob: nil, top: [])] + scored }
                ?? []
        }
        var text = ""
        var tokens: [TokenLogprobs]? = request.logprobs == nil ? nil : []
        var generated = 0
        var truncated = request.maxTokens == 0
        if request.maxTokens > 0 {
            let options = try generationOptions(
                maxTokens: request.maxTokens, temperature: request.temperature, seed: request.seed,
                topLogprobs: request.logprobs, stop: request.stop)
            let result = try generate(prompt: ids, options: options, onToken: nil)
            text = result.text
            tokens = result.logprobs.map(tokenLogprobs)
            generated = result.tokens.count
            truncated = result.finishReason == .maxTokens || result.finishReason == .contextLength
        }
        return TextCompletionResponse(
            promptText: promptText, promptTokens: promptTokens, text: text, tokens: tokens,
            usage: ChatUsage(promptTokens: ids.count, completionTokens: generated), truncated: truncated)
    }
}
