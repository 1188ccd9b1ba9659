// ChatServer+Stream: POST /v1/chat/completions with `stream: true`, answered as server-sent
// events from the backend's `stream`. The request holds its backend slot until the last event.
// The first backend event is awaited before the response starts, so a request the backend
// refuses at once (context length, bad temperature) still gets its JSON error and status; a
// failure after that is sent as a `data: {"error": …}` event before `[DONE]`. Stop strings are
// the backend's (it never sends text past one); a client that goes away ends generation.
import ArbiterChat
import Foundation
import Hummingbird
import NIOCore

extension ChatServer {
    /// The streamed answer; `chat` is the validated backend request, the gate slot already held.
    func streamedCompletion(
        _ backend: any ChatBackend, _ chat: ChatRequest, for request: ChatCompletionRequest
    ) async -> Response {
        let events = EventCursor(backend.stream(chat))
        let first: ChatStreamEvent?
        do {
            first = try await events.next()
        } catch {
            await gate.leave()
            return Self.error(Self.backendError(error))
        }
        let id = Self.responseID("chatcmpl-")
        let created = Int(Date().timeIntervalSince1970)
        let model = modelName
        // Frees the slot when the body is done with, written or dropped unwritten (client gone).
        let slot = SlotRelease(gate: gate)
        let top = request.topLogprobs ?? 0
        let logprobs = request.logprobs
        let includeUsage = request.includeUsage
        @Sendable func chunk(_ choice: ChunkChoiceWire?, usage: UsageWire? = nil) -> ByteBuffer {
            ByteBuffer(
                bytes: ChatChunkWire(
                    id: id, created: created, model: model, choices: choice.map { [$0] } ?? [],
                    includeUsage: includeUsage, usage: usage
                ).event)
        }
        let body = ResponseBody { writer in
            defer { slot.release() }
            try await writer.write(chunk(ChunkChoiceWire(role: "assistant", content: "")))
            var event = first
            while let current = event {
                switch current {
                case .delta(let text, let tokens):
                    let wire = logprobs ? LogprobsWire(content: tokens.map { Self.wireToken($0, top: top) }) : nil
                    if !text.isEmpty || wire != nil {
                        try await writer.write(chunk(ChunkChoiceWire(content: text, logprobs: wire)))
                    }
                case .finished(let response):
                    let generated = response.usage?.completionTokens ?? 0
                    let finish = generated >= chat.maxTokens || response.truncated ? "length" : "stop"
                    try await writer.write(chunk(ChunkChoiceWire(finishReason: finish)))
                    if includeUsage {
                        try await writer.write(
                            chunk(
                                nil,
                                usage: response.usage.map {
                                    UsageWire(promptTokens: $0.promptTokens, completionTokens: $0.completionTokens)
                                }))
                    }
                }
                do {
                    event = try await events.next()
                } catch {
                    let failure = ErrorEnvelopeWire(Self.backendError(error))
                    try await writer.write(
                        ByteBuffer(bytes: Data("data: ".utf8) + encodeWire(failure) + Data("\n\n".utf8)))
                    event = nil
                }
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: body)
    }
}

/// One consumer's position in a backend stream, shared between the handler and the response
/// body's writer (one at a time: the writer runs after the handler returned).
final class EventCursor: @unchecked Sendable {
    private var iterator: AsyncThrowingStream<ChatStreamEvent, any Error>.AsyncIterator

    init(_ stream: AsyncThrowingStream<ChatStreamEvent, any Error>) {
        iterator = stream.makeAsyncIterator()
    }

    func next() async throws -> ChatStreamEvent? { try await iterator.next() }
}

/// Gives a backend slot back once: on `release()`, or when the last reference goes.
final class SlotRelease: @unchecked Sendable {
    private let gate: RequestGate
    private let lock = NSLock()
    private var released = false

    init(gate: RequestGate) { self.gate = gate }

    func release() {
        guard
            lock.withLock({ () -> Bool in
                defer { released = true }
                return !released
            })
        else { return }
        let gate = self.gate
        Task { await gate.leave() }
    }

    deinit { release() }
}
