// ChatServerConfiguration: where `arbiter serve` listens and the limits it enforces (body size,
// requests at once and waiting, max_tokens default and ceiling), validated when built. It is only
// the settings; the server is ChatServer.
import Foundation

/// Settings of a ChatServer.
public struct ChatServerConfiguration: Sendable, Equatable {
    /// Address to bind; "127.0.0.1" keeps the server local.
    public let host: String
    /// TCP port; 0 asks the system for a free one (read it from `ChatServer.run(onRunning:)`).
    public let port: Int
    /// Largest request body accepted; larger ones get 413.
    public let maxBodyBytes: Int
    /// Requests handed to the backend at once (the in-process model runs one at a time anyway).
    public let maxConcurrentRequests: Int
    /// Requests that may wait for the backend; the next one gets 503.
    public let maxQueuedRequests: Int
    /// `max_tokens` when a request sends none.
    public let defaultMaxTokens: Int
    /// Largest `max_tokens` accepted; larger ones get 400.
    public let maxTokensLimit: Int
    /// Seconds a request may wait for the model (then 503 with Retry-After) and, for a chat
    /// completion that is not streamed, may run on it (then 504, generation stopped); nil: no limit.
    public let requestTimeout: Double?

    /// Throws `ChatServerError.invalidConfiguration` for an out-of-range setting.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 4 << 20,
        maxConcurrentRequests: Int = 1, maxQueuedRequests: Int = 64,
        defaultMaxTokens: Int = 512, maxTokensLimit: Int = 4096, requestTimeout: Double? = nil
    ) throws(ChatServerError) {
        func check(_ ok: Bool, _ name: String, _ value: Int, _ rule: String) throws(ChatServerError) {
            if !ok { throw .invalidConfiguration(setting: name, reason: "\(value) \(rule)") }
        }
        guard !host.isEmpty else {
            throw .invalidConfiguration(setting: "host", reason: "is empty; use e.g. 127.0.0.1")
        }
        try check((0...65535).contains(port), "port", port, "is not in 0...65535")
        try check(maxBodyBytes >= 1024, "maxBodyBytes", maxBodyBytes, "is below 1024")
        try check(maxConcurrentRequests >= 1, "maxConcurrentRequests", maxConcurrentRequests, "is below 1")
        try check(maxQueuedRequests >= 0, "maxQueuedRequests", maxQueuedRequests, "is negative")
        try check(maxTokensLimit >= 1, "maxTokensLimit", maxTokensLimit, "is below 1")
        if let requestTimeout, !(requestTimeout > 0 && requestTimeout.isFinite) {
            throw .invalidConfiguration(
                setting: "requestTimeout", reason: "\(requestTimeout) is not a positive number of seconds")
        }
        try check(
            (1...maxTokensLimit).contains(defaultMaxTokens), "defaultMaxTokens", defaultMaxTokens,
            "is not in 1...maxTokensLimit (\(maxTokensLimit))")
        self.init(
            validatedHost: host, port: port, maxBodyBytes: maxBodyBytes, maxConcurrentRequests: maxConcurrentRequests,
            maxQueuedRequests: maxQueuedRequests, defaultMaxTokens: defaultMaxTokens, maxTokensLimit: maxTokensLimit,
            requestTimeout: requestTimeout)
    }

    /// The defaults: 127.0.0.1:8080, 4 MiB bodies, one request at a time, 64 waiting, max_tokens 512 (≤ 4096),
    /// no time limit.
    public static let standard = ChatServerConfiguration(
        validatedHost: "127.0.0.1", port: 8080, maxBodyBytes: 4 << 20, maxConcurrentRequests: 1,
        maxQueuedRequests: 64, defaultMaxTokens: 512, maxTokensLimit: 4096, requestTimeout: nil)

    private init(
        validatedHost host: String, port: Int, maxBodyBytes: Int, maxConcurrentRequests: Int,
        maxQueuedRequests: Int, defaultMaxTokens: Int, maxTokensLimit: Int, requestTimeout: Double?
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxConcurrentRequests = maxConcurrentRequests
        self.maxQueuedRequests = maxQueuedRequests
        self.defaultMaxTokens = defaultMaxTokens
        self.maxTokensLimit = maxTokensLimit
        self.requestTimeout = requestTimeout
    }
}
