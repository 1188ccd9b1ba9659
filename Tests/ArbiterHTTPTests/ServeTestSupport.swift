// ServeTestSupport: what the `arbiter serve` tests share: a scripted ChatBackend that records what
// it was asked, a log handler that keeps the lines the server logs, a way to run a ChatServer on
// 127.0.0.1 with an ephemeral port, and raw HTTP calls through AsyncHTTPClient (plain OpenAI JSON,
// no client library). Not a test itself.
import ArbiterChat
import ArbiterJudge
import ArbiterServer
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A backend answering from a closure; it records every request it receives.
final class ScriptedChatBackend: ChatBackend, @unchecked Sendable {
    private let lock = NSLock()
    private var received: [ChatRequest] = []
    private let answer: @Sendable (ChatRequest) async throws -> ChatResponse

    init(answer: @escaping @Sendable (ChatRequest) async throws -> ChatResponse) {
        self.answer = answer
    }

    /// Answers `text` with usage (7 prompt tokens, `completionTokens`) and no logprobs.
    convenience init(text: String, completionTokens: Int = 3) {
        self.init { _ in
            ChatResponse(
                text: text, model: "scripted", usage: ChatUsage(promptTokens: 7, completionTokens: completionTokens))
        }
    }

    var requests: [ChatRequest] { lock.withLock { received } }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        lock.withLock { received.append(request) }
        return try await answer(request)
    }
}

/// Keeps every logged message (all loggers made from it share one store).
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    var lines: [String] { lock.withLock { stored } }
    func append(_ line: String) { lock.withLock { stored.append(line) } }

    /// A logger writing into this store at info level.
    var logger: Logger {
        Logger(label: "serve-test") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.append(event.message.description)
        }
    }
}

/// An HTTP answer: status and body bytes.
struct HTTPAnswer: Sendable {
    let status: Int
    let body: Data
    /// Response headers (name, value), in order.
    var headers: [(name: String, value: String)] = []

    /// The first value of header `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
    /// `error.<key>` of an OpenAI error body.
    func error(_ key: String) -> Any? { (json["error"] as? [String: Any])?[key] }
    var text: String { String(decoding: body, as: UTF8.self) }
}

enum Serve {
    static let model = "test-model"

    /// One client for the process (never shut down); no read timeout, so only each call's
    /// deadline limits a slow debug-mode model.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(30), read: nil)))

    /// Runs a server for `backend` on 127.0.0.1 with an ephemeral port while `body` runs.
    static func with<T: Sendable>(
        _ backend: any ChatBackend, configuration: ChatServerConfiguration? = nil, log: CapturedLog = CapturedLog(),
        _ body: @Sendable (URL) async throws -> T
    ) async throws -> T {
        let config = try configuration ?? ChatServerConfiguration(port: 0)
        let server = ChatServer(backend: backend, modelName: model, configuration: config, logger: log.logger)
        return try await server.withRunning(body)
    }

    /// Sends one request (`chunked`: without Content-Length); the deadline (60 s unless given)
    /// keeps a broken server from hanging the suite.
    static func send(
        _ method: HTTPMethod, _ url: URL, path: String, body: Data? = nil, chunked: Bool = false,
        timeout: TimeAmount = .seconds(60)
    ) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url.absoluteString + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = chunked ? .bytes(Array(body), length: .unknown) : .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return HTTPAnswer(
            status: Int(response.status.code), body: Data(bytes.readableBytesView),
            headers: response.headers.map { ($0.name, $0.value) })
    }

    static func post(
        _ url: URL, _ json: String, path: String = "/v1/chat/completions", timeout: TimeAmount = .seconds(60)
    ) async throws -> HTTPAnswer {
        try await send(.POST, url, path: path, body: Data(json.utf8), timeout: timeout)
    }

    static func get(_ url: URL, _ path: String) async throws -> HTTPAnswer {
        try await send(.GET, url, path: path)
    }
}

/// The completion JSON, decoded exactly (doubles via JSONDecoder).
struct CompletionBody: Decodable {
    struct Choice: Decodable {
        struct Message: Decodable {
            let role: String
            let content: String
        }
        struct Logprobs: Decodable { let content: [Token] }
        let index: Int
        let message: Message
        let finish_reason: String
        let logprobs: Logprobs?
    }
    struct Token: Decodable {
        let token: String
        let logprob: Double
        let bytes: [UInt8]
        let top_logprobs: [Token]?
    }
    struct Usage: Decodable {
        let prompt_tokens: Int
        let completion_tokens: Int
        let total_tokens: Int
    }
    let id: String
    let object: String
    let created: Int
    let model: String
    let choices: [Choice]
    let usage: Usage?

    init(_ answer: HTTPAnswer) throws {
        self = try JSONDecoder().decode(CompletionBody.self, from: answer.body)
    }
}
