// OpenAIFaultServer: a scripted, fault-injecting chat-completions server for the HTTP client
// tests, on Hummingbird, bound to 127.0.0.1 on an ephemeral port (port 0, read back once bound).
// Each request consumes the next step of a script (a completion, any status/headers/body, a hang,
// a delay, an echo of the Authorization header); it records every request and the peak number
// in flight. It is a test double, not `arbiter serve`.
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The script a fault server follows, and what it saw.
final class OpenAIFaultScript: @unchecked Sendable {
    indirect enum Step: Sendable {
        /// 200 with a well-formed completion whose content is `text`.
        case completion(String)
        /// Any status, headers and body.
        case raw(status: Int, headers: [String: String] = [:], body: String)
        /// Waits `seconds` (cancellably; stopping the server ends it) and then answers a completion.
        case hang(seconds: Double)
        /// Waits `seconds`, then does `then`.
        case delay(seconds: Double, then: Step)
        /// `status` with a body that repeats the Authorization header it received.
        case echoAuthorization(status: Int)
    }

    struct Received: Sendable {
        var authorization: String?
        var body: [UInt8]
        /// The request body as a JSON object (nil when it is not one).
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
    }

    private let lock = NSLock()
    private var steps: [Step]
    private let fallback: Step?
    private var inFlight = 0
    private var _peak = 0
    private var _received: [Received] = []

    /// Steps are used in request order; `repeating` answers once they run out (a 599 otherwise,
    /// so an unexpected extra request shows up as a failure).
    init(_ steps: [Step], repeating fallback: Step? = nil) {
        self.steps = steps
        self.fallback = fallback
    }

    var received: [Received] { lock.withLock { _received } }
    var peakInFlight: Int { lock.withLock { _peak } }

    func respond(authorization: String?, body: [UInt8]) async throws -> Response {
        let step: Step = lock.withLock {
            _received.append(Received(authorization: authorization, body: body))
            inFlight += 1
            _peak = max(_peak, inFlight)
            return steps.isEmpty ? (fallback ?? .raw(status: 599, body: "script exhausted")) : steps.removeFirst()
        }
        defer { lock.withLock { inFlight -= 1 } }
        return try await perform(step, authorization: authorization)
    }

    private func perform(_ step: Step, authorization: String?) async throws -> Response {
        switch step {
        case .completion(let text):
            return Self.response(200, [:], Self.completionJSON(text))
        case .raw(let status, let headers, let body):
            return Self.response(status, headers, body)
        case .hang(let seconds):
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return Self.response(200, [:], Self.completionJSON("[RESULT] 5"))
        case .delay(let seconds, let then):
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return try await perform(then, authorization: authorization)
        case .echoAuthorization(let status):
            let body = "{\"error\":{\"message\":\"invalid credentials: \(authorization ?? "none")\"}}"
            return Self.response(status, [:], body)
        }
    }

    static func response(_ status: Int, _ headers: [String: String], _ body: String) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// A chat completion body; `logprobs` gives per-token (token, logprob, top alternatives).
    static func completionJSON(
        _ text: String, model: String = "fault-model", logprobs: [(String, Double, [(String, Double)])]? = nil,
        usage: (prompt: Int, completion: Int) = (12, 3)
    ) -> String {
        var choice: [String: Any] = [
            "index": 0, "finish_reason": "stop", "message": ["role": "assistant", "content": text],
        ]
        if let logprobs {
            choice["logprobs"] = [
                "content": logprobs.map { token, logprob, top in
                    ["token": token, "logprob": logprob, "top_logprobs": top.map { ["token": $0.0, "logprob": $0.1] }]
                        as [String: Any]
                }
            ]
        }
        let object: [String: Any] = [
            "id": "chatcmpl-test", "object": "chat.completion", "model": model, "choices": [choice],
            "usage": [
                "prompt_tokens": usage.prompt, "completion_tokens": usage.completion,
                "total_tokens": usage.prompt + usage.completion,
            ],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// The bound port, handed from the server's start callback to the test.
private final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port: Int?

    func set(_ value: Int?) { lock.withLock { port = value } }
    func get() -> Int? { lock.withLock { port } }
}

enum OpenAIFaultServer {
    /// Runs a server following `script` for the duration of `body`, which gets the API root
    /// (`http://127.0.0.1:PORT/v1`); the server is stopped before this returns. Server and body
    /// run on OpenAITestExecutor, away from a cooperative pool busy with other suites.
    static func run<T: Sendable>(_ script: OpenAIFaultScript, _ body: (String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/v1/chat/completions") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            return try await script.respond(
                authorization: request.headers[.authorization], body: Array(bytes.readableBytesView))
        }
        var logger = Logger(label: "openai-fault-server")
        logger.logLevel = .critical
        let box = PortBox()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in box.set(channel.localAddress?.port) }, logger: logger)
        let server = Task(executorPreference: OpenAITestExecutor.shared) {
            try await app.runService(gracefulShutdownSignals: [])
        }
        func stop() async {
            server.cancel()
            _ = await server.result
        }
        // Wait for the bind (bounded: 10 s).
        var port: Int?
        for _ in 0..<1000 {
            port = box.get()
            if port != nil { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
        guard let port else {
            await stop()
            throw OpenAIFaultServerError.didNotStart
        }
        do {
            let result = try await withTaskExecutorPreference(OpenAITestExecutor.shared) {
                try await body("http://127.0.0.1:\(port)/v1")
            }
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    /// A port that was just bound and released, so nothing listens on it (connection refused).
    static func closedPort() async throws -> Int {
        try await run(OpenAIFaultScript([])) { base in
            guard let port = URLComponents(string: base)?.port else { throw OpenAIFaultServerError.didNotStart }
            return port
        }
    }
}

struct OpenAIFaultServerError: LocalizedError {
    static let didNotStart = OpenAIFaultServerError()
    var errorDescription: String? { "the fault server did not report a bound port within 10 s" }
}
