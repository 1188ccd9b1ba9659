// OpenAIChatBackend: a ChatBackend over an OpenAI-compatible HTTP endpoint (POST
// {base}/chat/completions: OpenAI, vLLM, llama.cpp server, `arbiter serve`), on AsyncHTTPClient.
// Each request passes a concurrency gate and the rate limits, then is tried up to 1 + maxRetries
// times with a per-attempt timeout; 408/409/429/5xx, timeouts and connection errors are retried
// after a backoff (or the server's Retry-After), other failures are thrown at once as
// OpenAIChatBackendError. The API key is read once from the configured environment variable and
// sent only as `Authorization: Bearer`; it is never logged, printed or put in an error. Not a
// server (that is ArbiterServer) and no streaming.
import ArbiterChat
import AsyncHTTPClient
import Foundation

/// A ChatBackend that calls an OpenAI-compatible chat-completions endpoint.
public final class OpenAIChatBackend: ChatBackend, CustomStringConvertible, Sendable {
    /// Counts since the backend was made.
    public struct Statistics: Sendable, Equatable {
        /// Calls to `complete`.
        public var requests = 0
        /// HTTP attempts, retries included.
        public var attempts = 0
        /// Calls that returned a response.
        public var succeeded = 0
        /// Calls that threw.
        public var failed = 0
        /// Seconds slept before retries (backoff and Retry-After).
        public var backoffSeconds = 0.0
    }

    public let configuration: Configuration
    private let apiKey: APIKey?
    private let client: HTTPClient
    private let clock: any BackendClock
    private let gate: ConcurrencyGate
    private let limiter: RateLimiter
    private let jitter: JitterSource
    private let counters = Counters()

    /// A backend reading its API key from the process environment, on the process-wide client.
    public convenience init(configuration: Configuration) {
        self.init(
            configuration: configuration, environment: ProcessInfo.processInfo.environment, clock: SystemBackendClock())
    }

    /// - Parameters:
    ///   - environment: where the key variable is looked up (tests pass their own).
    ///   - clock: runs backoff and rate-limit waits (tests pass a virtual one).
    package init(
        configuration: Configuration, environment: [String: String], clock: any BackendClock,
        client: HTTPClient = OpenAIChatBackend.sharedClient
    ) {
        self.configuration = configuration
        let key = environment[configuration.apiKeyEnvironmentVariable] ?? ""
        self.apiKey = key.isEmpty ? nil : APIKey(key)
        self.client = client
        self.clock = clock
        self.gate = ConcurrencyGate(limit: configuration.maxConcurrency)
        self.limiter = RateLimiter(
            requestsPerMinute: configuration.requestsPerMinute, tokensPerMinute: configuration.tokensPerMinute,
            clock: clock)
        self.jitter = JitterSource(seed: configuration.jitterSeed)
    }

    /// The process-wide HTTP client (never shut down, like `HTTPClient.shared`). It does not
    /// re-dial failed connections by itself, so a refused connection comes back at once as a
    /// connection error for the retry loop here; and it follows no redirects, so the
    /// Authorization header is never replayed to another host.
    package static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(30)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Whether an API key was found (its value is never exposed).
    public var hasAPIKey: Bool { apiKey != nil }

    public var description: String {
        let key = hasAPIKey ? "set" : "unset"
        return
            "OpenAIChatBackend(POST \(configuration.endpoint), model \(configuration.model), key from $\(configuration.apiKeyEnvironmentVariable): \(key))"
    }

    public func statistics() -> Statistics { counters.snapshot() }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        counters.update { $0.requests += 1 }
        do {
            let response = try await completeWithRetries(request)
            counters.update { $0.succeeded += 1 }
            return response
        } catch {
            counters.update { $0.failed += 1 }
            throw error
        }
    }

    private func completeWithRetries(_ request: ChatRequest) async throws -> ChatResponse {
        let body = try WireChatRequest(request, model: configuration.model).encoded()
        let estimate = TokenEstimate.tokens(request)
        if let tpm = configuration.tokensPerMinute, estimate > tpm {
            throw OpenAIChatBackendError.requestExceedsTokenLimit(estimatedTokens: estimate, tokensPerMinute: tpm)
        }
        let url = configuration.endpoint
        try await gate.acquire()
        defer { gate.release() }
        var attempt = 0
        while true {
            attempt += 1
            let ticket = try await limiter.acquire(tokens: estimate)
            counters.update { $0.attempts += 1 }
            let outcome = try await attemptWithTimeout(body)
            let failure: OpenAIChatBackendError
            var retryAfter: Double?
            switch outcome {
            case .response(let status, _, let bytes) where (200..<300).contains(status):
                let response = try WireChatResponse.decode(
                    bytes, url: url, fallbackModel: configuration.model, secret: apiKey?.value)
                if let usage = response.usage {
                    await limiter.settle(ticket, tokens: usage.promptTokens + usage.completionTokens)
                }
                return response
            case .response(let status, let retryAfterHeader, let bytes):
                failure = .httpStatus(
                    url: url, status: status, attempts: attempt,
                    bodyExcerpt: OpenAIChatBackendError.excerpt(bytes, redacting: apiKey?.value))
                guard RetryPolicy.isRetryable(status: status) else { throw failure }
                retryAfter = retryAfterHeader.flatMap { RetryPolicy.retryAfterSeconds($0, now: clock.date()) }
            case .tooLarge:
                throw OpenAIChatBackendError.responseTooLarge(url: url, limitBytes: configuration.maxResponseBytes)
            case .timedOut:
                failure = .timeout(url: url, seconds: configuration.requestTimeoutSeconds, attempts: attempt)
            case .failed(let reason):
                failure = .connection(url: url, reason: reason, attempts: attempt)
            }
            guard attempt <= configuration.maxRetries else { throw failure }
            let delay =
                retryAfter.map { min($0, configuration.maxRetryAfterSeconds) }
                ?? RetryPolicy.backoff(
                    retry: attempt, initial: configuration.initialBackoffSeconds,
                    maxBackoff: configuration.maxBackoffSeconds,
                    jitter: configuration.jitter, unit: jitter.unit())
            counters.update { $0.backoffSeconds += delay }
            try await clock.sleep(seconds: delay)
        }
    }

    /// What one HTTP attempt came to.
    enum AttemptOutcome: Sendable {
        case response(status: Int, retryAfter: String?, body: [UInt8])
        case tooLarge
        case timedOut
        case failed(reason: String)
    }

    /// One attempt raced against the per-request timeout (real time: it bounds the whole exchange,
    /// head and body). Throws only CancellationError, when the caller's task is cancelled.
    private func attemptWithTimeout(_ body: [UInt8]) async throws -> AttemptOutcome {
        let seconds = configuration.requestTimeoutSeconds
        let outcome = try await withThrowingTaskGroup(of: AttemptOutcome.self) { group in
            group.addTask { await self.send(body) }
            group.addTask {
                try await Task.sleep(for: .nanoseconds(Int64(min(seconds, 86_400) * 1e9)))
                return .timedOut
            }
            let first = try await group.next() ?? .timedOut
            group.cancelAll()
            return first
        }
        try Task.checkCancellation()
        return outcome
    }

    /// Sends one POST and reads the whole body (up to maxResponseBytes).
    private func send(_ body: [UInt8]) async -> AttemptOutcome {
        var request = HTTPClientRequest(url: configuration.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "arbiter")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey.value)") }
        request.body = .bytes(body)
        let limit = configuration.maxResponseBytes
        do {
            // The client's own deadline is a backstop a little after ours.
            let millis = Int64(min(configuration.requestTimeoutSeconds, 86_400) * 1000) + 250
            let response = try await client.execute(request, timeout: .milliseconds(millis))
            var bytes: [UInt8] = []
            for try await chunk in response.body {
                guard bytes.count + chunk.readableBytes <= limit else { return .tooLarge }
                bytes += chunk.readableBytesView
            }
            return .response(
                status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"), body: bytes)
        } catch let error as HTTPClientError where [.readTimeout, .connectTimeout, .deadlineExceeded].contains(error) {
            return .timedOut
        } catch {
            var reason = String(String(describing: error).prefix(300))
            if let apiKey { reason = reason.replacingOccurrences(of: apiKey.value, with: "<redacted>") }
            return .failed(reason: reason)
        }
    }
}

/// The API key; prints, dumps and reflects as `<redacted>`.
struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let value: String
    init(_ value: String) { self.value = value }
    var description: String { "<redacted>" }
    var debugDescription: String { "<redacted>" }
    var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// Lock-protected statistics.
final class Counters: @unchecked Sendable {
    private let lock = NSLock()
    private var value = OpenAIChatBackend.Statistics()

    func update(_ change: (inout OpenAIChatBackend.Statistics) -> Void) { lock.withLock { change(&value) } }
    func snapshot() -> OpenAIChatBackend.Statistics { lock.withLock { value } }
}
