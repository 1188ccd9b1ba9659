// ChatServer+Completion: answers POST /v1/chat/completions: reads the body (413 above the limit),
// decodes and checks it (OpenAIWire+Request), waits for a backend slot (503 when the queue is
// full), calls the ChatBackend and maps its ChatResponse to OpenAI's JSON (or streams it:
// ChatServer+Stream). Stop sequences go to the backend (the in-process model stops there) and are
// applied again to the returned text (a backend that ignores them still has its text, and its
// logprobs, cut before the first stop string).
// finish_reason is "stop" when a stop string cut the text or fewer than max_tokens tokens were
// generated and the backend did not report a truncation (the model's context), else "length".
// It does not render prompts or sample tokens (the backend does).
import ArbiterChat
import Foundation
import Hummingbird
import NIOCore

extension ChatServer {
    /// The whole POST /v1/chat/completions exchange; every refusal is an OpenAI error response.
    func chatCompletions(_ request: Request) async -> Response {
        await answering {
            let body = try await readBody(request)
            let parsed = try ChatCompletionRequest.decode(body)
            let chat = try chatRequest(for: parsed)
            guard let backend else { throw ChatServerError.notFound(method: "POST", path: "/v1/chat/completions") }
            try await admit()
            if parsed.stream { return await streamedCompletion(backend, chat, for: parsed) }
            let outcome: Result<ChatResponse, ChatServerError>
            do {
                outcome = .success(try await completion(from: backend, chat))
            } catch let error as ChatServerError {
                outcome = .failure(error)
            } catch {
                outcome = .failure(Self.backendError(error))
            }
            await gate.leave()
            return Self.json(completion(try outcome.get(), for: parsed, maxTokens: chat.maxTokens))
        }
    }

    /// The body bytes; 413 (without reading further) when Content-Length or the bytes exceed the limit.
    func readBody(_ request: Request) async throws -> Data {
        let limit = configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw ChatServerError.bodyTooLarge(limit: limit)
        }
        let buffer = try await request.body.collect(upTo: limit)
        return Data(buffer.readableBytesView)
    }

    /// The backend request, after the checks that depend on this server (model id, max_tokens ceiling).
    func chatRequest(for request: ChatCompletionRequest) throws(ChatServerError) -> ChatRequest {
        guard request.model == modelName else { throw .unknownModel(requested: request.model, served: modelName) }
        let maxTokens = request.maxTokens ?? configuration.defaultMaxTokens
        guard maxTokens <= configuration.maxTokensLimit else {
            throw .invalidField(
                param: request.maxTokensParam,
                message:
                    "\(maxTokens) is above this server's limit of \(configuration.maxTokensLimit); ask for fewer tokens"
            )
        }
        return ChatRequest(
            messages: request.messages, maxTokens: maxTokens, temperature: request.temperature, seed: request.seed,
            logprobs: request.logprobs, topLogprobs: request.topLogprobs, stop: request.stop)
    }

    /// A backend failure as the error the client sees: the in-process model's request errors are
    /// the client's (400; a prompt longer than the context is `context_length_exceeded` with
    /// the token counts, as OpenAI answers it), everything else is the server's (500).
    static func backendError(_ error: any Error) -> ChatServerError {
        switch error as? LocalChatBackendError {
        case .invalidRequest(let reason): return .backendRejected(reason: reason)
        case .contextLength(let prompt, let context):
            return .contextLength(promptTokens: prompt, contextLength: context)
        default: break
        }
        return .backendFailed(reason: describe(error))
    }

    /// The OpenAI completion for a backend response.
    func completion(_ response: ChatResponse, for request: ChatCompletionRequest, maxTokens: Int) -> ChatCompletionWire
    {
        let (text, cut) = Self.cutAtStop(response.text, stops: request.stop)
        var tokens = response.tokens
        if let cut, let all = tokens { tokens = Self.tokens(all, startingBefore: cut) }
        let generated = response.usage?.completionTokens ?? response.tokens?.count ?? 0
        let finish = cut == nil && (generated >= maxTokens || response.truncated) ? "length" : "stop"
        let logprobs =
            request.logprobs
            ? tokens.map { LogprobsWire(content: $0.map { Self.wireToken($0, top: request.topLogprobs ?? 0) }) }
            : nil
        return ChatCompletionWire(
            id: Self.responseID("chatcmpl-"),
            created: Int(Date().timeIntervalSince1970), model: modelName,
            choices: [ChoiceWire(message: MessageWire(content: text), finishReason: finish, logprobs: logprobs)],
            usage: response.usage.map {
                UsageWire(promptTokens: $0.promptTokens, completionTokens: $0.completionTokens)
            })
    }

    /// One token entry with its `top` most likely alternatives, most likely first (ties keep the
    /// backend's order). Non-finite log-probabilities become `minimumWireLogprob`.
    static func wireToken(_ token: TokenLogprobs, top: Int) -> TokenLogprobWire {
        let alternatives = token.top.map { TokenLogprobWire(token: $0.token, logprob: $0.logprob, topLogprobs: nil) }
        let ranked = alternatives.enumerated()
            .sorted {
                $0.element.logprob != $1.element.logprob
                    ? $0.element.logprob > $1.element.logprob : $0.offset < $1.offset
            }
            .prefix(max(top, 0))
            .map(\.element)
        return TokenLogprobWire(token: token.token, logprob: token.logprob, topLogprobs: ranked)
    }

    /// `text` cut before the earliest occurrence of any stop string, and the UTF-8 offset of the
    /// cut (nil when no stop string occurs). Matching is on UTF-8 bytes, so it is exact.
    static func cutAtStop(_ text: String, stops: [String]) -> (text: String, cut: Int?) {
        let bytes = Array(text.utf8)
        var cut: Int?
        for stop in stops {
            if let at = firstIndex(of: Array(stop.utf8), in: bytes), at < (cut ?? .max) { cut = at }
        }
        guard let cut else { return (text, nil) }
        // A match of valid UTF-8 inside valid UTF-8 starts on a scalar boundary.
        return (String(decoding: bytes[..<cut], as: UTF8.self), cut)
    }

    /// The tokens whose text starts before UTF-8 offset `cut` of the concatenated token texts.
    static func tokens(_ tokens: [TokenLogprobs], startingBefore cut: Int) -> [TokenLogprobs] {
        var offset = 0
        var kept: [TokenLogprobs] = []
        for token in tokens {
            guard offset < cut else { break }
            kept.append(token)
            offset += token.token.utf8.count
        }
        return kept
    }

    /// First index where `needle` occurs in `haystack` (needle non-empty).
    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }
}

extension ChatServer {
    /// `body`'s response, or the OpenAI error for what it threw: a ChatServerError as itself, a
    /// body over the limit as 413, anything else (reading the body failed) as 500.
    func answering(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as ChatServerError {
            return Self.error(error)
        } catch is NIOTooManyBytesError {
            return Self.error(.bodyTooLarge(limit: configuration.maxBodyBytes))
        } catch {
            return Self.error(.internalError(reason: "reading the request body failed (\(Self.describe(error)))"))
        }
    }

    /// Takes a backend slot (paired with `gate.leave()`): `busy` when the queue is full,
    /// `timedOut` (waiting) after the configured time limit.
    func admit() async throws(ChatServerError) {
        let limit = configuration.requestTimeout.map { Duration.milliseconds(Int64($0 * 1000)) }
        switch await gate.enter(waitingAtMost: limit) {
        case .admitted: return
        case .full: throw .busy(queued: gate.maxQueued)
        case .timedOut: throw .timedOut(seconds: configuration.requestTimeout ?? 0, waiting: true)
        }
    }

    /// The backend's completion within the configured time limit: read from its stream, so
    /// giving up drops the stream and the in-process model stops at its next token.
    func completion(from backend: any ChatBackend, _ chat: ChatRequest) async throws -> ChatResponse {
        guard let seconds = configuration.requestTimeout else { return try await backend.complete(chat) }
        return try await withThrowingTaskGroup(of: ChatResponse?.self) { group in
            group.addTask {
                for try await event in backend.stream(chat) {
                    if case .finished(let response) = event { return response }
                }
                throw ChatServerError.backendFailed(reason: "the backend's stream ended without a response")
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else {
                throw ChatServerError.timedOut(seconds: seconds, waiting: false)
            }
            return response
        }
    }
}
