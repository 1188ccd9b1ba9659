// ServeStreamTests: POST /v1/chat/completions with `stream: true` over scripted backends: OpenAI's
// chunk shapes (role chunk, content deltas with logprobs, the finish chunk, the usage chunk and
// `[DONE]`), that chunks leave the server while the backend is still generating, the default
// one-delta stream of a backend that does not stream, a refusal before the first event as a JSON
// error, and a failure mid-stream as an error event. The in-process model's stream is checked
// in ServeLocalModelTests.
import ArbiterChat
import ArbiterServer
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// A backend streaming scripted deltas; `hold` keeps it after the first delta until released.
final class StreamingScriptedBackend: ChatBackend, @unchecked Sendable {
    let deltas: [String]
    let hold: Latch?
    let failAfterFirst: Bool

    init(deltas: [String], hold: Latch? = nil, failAfterFirst: Bool = false) {
        self.deltas = deltas
        self.hold = hold
        self.failAfterFirst = failAfterFirst
    }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        ChatResponse(text: deltas.joined(), model: "scripted")
    }

    func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        let (deltas, hold, fail) = (self.deltas, self.hold, self.failAfterFirst)
        return AsyncThrowingStream { continuation in
            Task {
                for (i, text) in deltas.enumerated() {
                    let token = TokenLogprobs(token: text, logprob: -0.5 * Double(i + 1), top: [])
                    continuation.yield(.delta(text, tokens: request.logprobs ? [token] : []))
                    if i == 0, let hold { await hold.wait() }
                    if i == 0, fail {
                        continuation.finish(throwing: LocalChatBackendError.invalidRequest(reason: "scripted failure"))
                        return
                    }
                }
                let usage = ChatUsage(promptTokens: 5, completionTokens: deltas.count)
                continuation.yield(.finished(ChatResponse(text: deltas.joined(), model: "scripted", usage: usage)))
                continuation.finish()
            }
        }
    }
}

/// The `data:` payloads of an event stream, in order (`[DONE]` kept as text).
func serverSentEvents(_ text: String) -> [String] {
    text.components(separatedBy: "\n\n").compactMap { block in
        block.hasPrefix("data: ") ? String(block.dropFirst(6)) : nil
    }
}

func jsonObject(_ text: String) -> [String: Any] {
    ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]) ?? [:]
}

@Suite struct ServeStreamTests {
    static let request = """
        {"model": "test-model", "max_tokens": 8, "stream": true, "stream_options": {"include_usage": true},
         "logprobs": true, "messages": [{"role": "user", "content": "hi"}]}
        """

    @Test func chunksHaveOpenAIsShape() async throws {
        let backend = StreamingScriptedBackend(deltas: ["Hel", "lo", " wörld"])
        let answer = try await Serve.with(backend) { url in try await Serve.post(url, Self.request) }
        #expect(answer.status == 200)
        #expect(answer.header("Content-Type") == "text/event-stream")
        let events = serverSentEvents(answer.text)
        #expect(events.last == "[DONE]")
        let chunks = events.dropLast().map(jsonObject)
        #expect(chunks.count == 6, "role, 3 deltas, finish, usage: \(events)")
        let ids = Set(chunks.compactMap { $0["id"] as? String })
        #expect(ids.count == 1 && ids.first?.hasPrefix("chatcmpl-") == true)
        #expect(
            chunks.allSatisfy {
                $0["object"] as? String == "chat.completion.chunk" && $0["model"] as? String == "test-model"
            })
        func choice(_ chunk: [String: Any]) -> [String: Any]? { (chunk["choices"] as? [[String: Any]])?.first }
        #expect((choice(chunks[0])?["delta"] as? [String: Any])?["role"] as? String == "assistant")
        let content = chunks.compactMap { (choice($0)?["delta"] as? [String: Any])?["content"] as? String }.joined()
        #expect(content == "Hello wörld")
        let logprobs = chunks[1...3].compactMap {
            ((choice($0)?["logprobs"] as? [String: Any])?["content"] as? [[String: Any]])?.first?["logprob"] as? Double
        }
        #expect(logprobs == [-0.5, -1.0, -1.5])
        #expect(choice(chunks[4])?["finish_reason"] as? String == "stop")
        #expect(chunks[0..<5].allSatisfy { $0["usage"] is NSNull })
        #expect((chunks[5]["choices"] as? [Any])?.isEmpty == true)
        let usage = chunks[5]["usage"] as? [String: Any]
        #expect(usage?["prompt_tokens"] as? Int == 5 && usage?["completion_tokens"] as? Int == 3)
        #expect(usage?["total_tokens"] as? Int == 8)
    }

    @Test func chunksLeaveWhileTheBackendStillGenerates() async throws {
        let hold = Latch()
        let backend = StreamingScriptedBackend(deltas: ["first", " second"], hold: hold)
        let seen = try await Serve.with(backend) { url in
            var request = HTTPClientRequest(url: url.absoluteString + "/v1/chat/completions")
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: Self.request))
            let response = try await Serve.client.execute(request, timeout: .seconds(30))
            var text = ""
            for try await part in response.body {
                text += String(buffer: part)
                // The backend is held after "first": it must already be on the wire.
                if text.contains("\"first\"") { await hold.release() }
            }
            return text
        }
        #expect(serverSentEvents(seen).last == "[DONE]")
        #expect(seen.contains("\" second\""))
    }

    @Test func aBackendWithoutStreamingSendsOneDelta() async throws {
        let backend = ScriptedChatBackend(text: "whole answer", completionTokens: 8)
        let answer = try await Serve.with(backend) { url in
            try await Serve.post(
                url,
                #"{"model": "test-model", "max_tokens": 8, "stream": true, "messages": [{"role": "user", "content": "hi"}]}"#
            )
        }
        let events = serverSentEvents(answer.text)
        #expect(events.last == "[DONE]")
        let chunks = events.dropLast().map(jsonObject)
        #expect(chunks.count == 3)
        #expect(chunks.allSatisfy { $0["usage"] == nil }, "no usage key unless asked")
        let finish = (chunks[2]["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String
        #expect(finish == "length", "8 of 8 tokens")
        #expect(answer.text.contains("\"whole answer\""))
    }

    @Test func aRefusalBeforeTheFirstEventIsAJSONError() async throws {
        let backend = ScriptedChatBackend { _ in
            throw LocalChatBackendError.contextLength(promptTokens: 9000, contextLength: 8192)
        }
        let answer = try await Serve.with(backend) { url in try await Serve.post(url, Self.request) }
        #expect(answer.status == 400)
        #expect(answer.error("code") as? String == "context_length_exceeded")
        let health = try await Serve.with(backend) { url in try await Serve.get(url, "/health") }
        #expect(health.json["in_flight"] as? Int == 0)
    }

    @Test func aFailureMidStreamIsAnErrorEvent() async throws {
        let backend = StreamingScriptedBackend(deltas: ["partial", "never"], failAfterFirst: true)
        let (answer, health) = try await Serve.with(backend) { url in
            let answer = try await Serve.post(url, Self.request)
            try await ServeErrorTests.waitUntil {
                (try? await Serve.get(url, "/health"))?.json["in_flight"] as? Int == 0
            }
            return (answer, try await Serve.get(url, "/health"))
        }
        #expect(answer.status == 200)
        let events = serverSentEvents(answer.text)
        #expect(events.last == "[DONE]")
        let error = jsonObject(events[events.count - 2])["error"] as? [String: Any]
        #expect((error?["message"] as? String)?.contains("scripted failure") == true)
        #expect(!answer.text.contains("never"))
        #expect(health.json["in_flight"] as? Int == 0, "the slot is freed after a failed stream")
    }
}

/// A backend whose stream sends one delta and then waits for `hold`; it records when its stream
/// was dropped (generation would stop there).
final class HeldStreamBackend: ChatBackend, @unchecked Sendable {
    let hold = Latch()
    private let lock = NSLock()
    private var dropped = false
    var wasDropped: Bool { lock.withLock { dropped } }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        await hold.wait()
        return ChatResponse(text: "late", model: "held")
    }

    func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        AsyncThrowingStream { continuation in
            continuation.onTermination = { _ in self.lock.withLock { self.dropped = true } }
            continuation.yield(.delta("first", tokens: []))
            Task {
                await self.hold.wait()
                continuation.yield(.finished(ChatResponse(text: "first", model: "held")))
                continuation.finish()
            }
        }
    }
}

@Suite struct ServeTimeoutTests {
    static let request = #"{"model": "test-model", "max_tokens": 4, "messages": [{"role": "user", "content": "hi"}]}"#
    static let streamed = request.replacingOccurrences(of: "{\"model", with: "{\"stream\": true, \"model")

    @Test func aRequestWaitingPastTheLimitGets503AndTheQueueMovesOn() async throws {
        let backend = HeldStreamBackend()
        let config = try ChatServerConfiguration(
            port: 0, maxConcurrentRequests: 1, maxQueuedRequests: 4, requestTimeout: 0.5)
        let (waited, health, after) = try await Serve.with(backend, configuration: config) { url in
            // A streamed request (no running limit) holds the only slot until the hold is released.
            async let first = Serve.post(url, Self.streamed)
            try await ServeErrorTests.waitUntil {
                (try? await Serve.get(url, "/health"))?.json["in_flight"] as? Int == 1
            }
            let waited = try await Serve.post(url, Self.request)
            await backend.hold.release()
            _ = try await first
            // The streamed request gives its slot back just after its last byte.
            try await ServeErrorTests.waitUntil {
                (try? await Serve.get(url, "/health"))?.json["in_flight"] as? Int == 0
            }
            let health = try await Serve.get(url, "/health")
            // Streamed, so only the queue's limit applies: a loaded machine cannot turn it into a 504.
            return (waited, health, try await Serve.post(url, Self.streamed))
        }
        #expect(waited.status == 503, "\(waited.text)")
        #expect(waited.error("code") as? String == "timeout" && waited.header("Retry-After") == "1")
        #expect(health.json["queued"] as? Int == 0 && health.json["in_flight"] as? Int == 0)
        #expect(after.status == 200 && after.text.contains("[DONE]"), "the slot was freed: \(after.text)")
    }

    @Test func aCompletionRunningPastTheLimitIsStoppedWith504() async throws {
        let backend = HeldStreamBackend()
        let config = try ChatServerConfiguration(port: 0, requestTimeout: 0.3)
        let answer = try await Serve.with(backend, configuration: config) { url in
            try await Serve.post(url, Self.request)
        }
        await backend.hold.release()
        #expect(answer.status == 504, "\(answer.text)")
        #expect(answer.error("code") as? String == "timeout")
        #expect(backend.wasDropped, "the backend's stream was dropped, so the model stops")
        #expect(throws: ChatServerError.self) { try ChatServerConfiguration(requestTimeout: 0) }
    }
}
