// OpenAIChatBackend+Configuration: the validated settings of the OpenAI-compatible HTTP backend
// (endpoint, model, API-key variable name, concurrency, rate limits, timeout, retry policy) and
// the `openai:URL#MODEL` spec parser the CLI uses. It holds the NAME of the key's environment
// variable, never the key itself.
import Foundation

extension OpenAIChatBackend {
    /// Settings for an OpenAI-compatible chat-completions endpoint, validated in `init`.
    public struct Configuration: Sendable, Equatable {
        /// The API root, e.g. `http://127.0.0.1:8080/v1`; requests go to `{baseURL}/chat/completions`.
        public var baseURL: String
        /// The `model` field sent with every request.
        public var model: String
        /// Name of the environment variable holding the API key. When it is unset or empty, no
        /// `Authorization` header is sent.
        public var apiKeyEnvironmentVariable: String
        /// Most requests in flight at once.
        public var maxConcurrency: Int
        /// Most requests (attempts, retries included) started in any 60 s window; `nil` = no limit.
        public var requestsPerMinute: Int?
        /// Most tokens (estimated before sending, corrected from `usage` after) in any 60 s window;
        /// `nil` = no limit.
        public var tokensPerMinute: Int?
        /// Wall-clock limit for one attempt (connect, send, full response body), in seconds.
        public var requestTimeoutSeconds: Double
        /// Attempts after the first on 408, 409, 429, 5xx, timeouts and connection errors.
        public var maxRetries: Int
        /// Backoff before retry k (1-based) is `initialBackoffSeconds · 2^(k-1)`, capped at
        /// `maxBackoffSeconds`, then shortened by up to `jitter` of itself (seeded).
        public var initialBackoffSeconds: Double
        public var maxBackoffSeconds: Double
        /// Fraction of each backoff that is random, in [0, 1] (1 = "full jitter").
        public var jitter: Double
        /// Seed of the jitter generator; the same seed gives the same delays.
        public var jitterSeed: UInt64
        /// Upper bound on a server's `Retry-After` wait, in seconds.
        public var maxRetryAfterSeconds: Double
        /// Largest response body read, in bytes.
        public var maxResponseBytes: Int

        public static let defaultAPIKeyEnvironmentVariable = "OPENAI_API_KEY"

        public init(
            baseURL: String, model: String,
            apiKeyEnvironmentVariable: String = Configuration.defaultAPIKeyEnvironmentVariable,
            maxConcurrency: Int = 4, requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil,
            requestTimeoutSeconds: Double = 60, maxRetries: Int = 4, initialBackoffSeconds: Double = 1,
            maxBackoffSeconds: Double = 30, jitter: Double = 0.5, jitterSeed: UInt64 = 0,
            maxRetryAfterSeconds: Double = 60, maxResponseBytes: Int = 8 << 20
        ) throws {
            func bad(_ field: String, _ value: Any, _ fix: String) -> OpenAIChatBackendError {
                .invalidConfiguration(field: field, value: "\(value)", fix: fix)
            }
            let trimmed = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            if let reason = Self.urlProblem(trimmed) { throw bad("baseURL", Self.redactingUserInfo(baseURL), reason) }
            guard !model.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw bad("model", model, "name the model the server serves")
            }
            guard Self.isEnvironmentName(apiKeyEnvironmentVariable) else {
                // The value is not shown: a user may have pasted the key itself here.
                throw bad(
                    "apiKeyEnvironmentVariable", "<not shown>",
                    "use a variable name like OPENAI_API_KEY (letters, digits, _), not the key itself")
            }
            guard maxConcurrency >= 1 else { throw bad("maxConcurrency", maxConcurrency, "use 1 or more") }
            if let rpm = requestsPerMinute, rpm < 1 {
                throw bad("requestsPerMinute", rpm, "use 1 or more, or nil for no limit")
            }
            if let tpm = tokensPerMinute, tpm < 1 {
                throw bad("tokensPerMinute", tpm, "use 1 or more, or nil for no limit")
            }
            guard requestTimeoutSeconds > 0, requestTimeoutSeconds.isFinite else {
                throw bad("requestTimeoutSeconds", requestTimeoutSeconds, "use a positive number of seconds")
            }
            guard (0...100).contains(maxRetries) else { throw bad("maxRetries", maxRetries, "use 0 to 100") }
            guard initialBackoffSeconds >= 0, initialBackoffSeconds.isFinite else {
                throw bad("initialBackoffSeconds", initialBackoffSeconds, "use a finite value ≥ 0")
            }
            guard maxBackoffSeconds >= initialBackoffSeconds, maxBackoffSeconds.isFinite else {
                throw bad("maxBackoffSeconds", maxBackoffSeconds, "use a finite value ≥ initialBackoffSeconds")
            }
            guard (0...1).contains(jitter) else { throw bad("jitter", jitter, "use a fraction in [0, 1]") }
            guard maxRetryAfterSeconds >= 0, maxRetryAfterSeconds.isFinite else {
                throw bad("maxRetryAfterSeconds", maxRetryAfterSeconds, "use a finite value ≥ 0")
            }
            guard maxResponseBytes >= 1024 else {
                throw bad("maxResponseBytes", maxResponseBytes, "use 1024 bytes or more")
            }
            self.baseURL = trimmed
            self.model = model
            self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
            self.maxConcurrency = maxConcurrency
            self.requestsPerMinute = requestsPerMinute
            self.tokensPerMinute = tokensPerMinute
            self.requestTimeoutSeconds = requestTimeoutSeconds
            self.maxRetries = maxRetries
            self.initialBackoffSeconds = initialBackoffSeconds
            self.maxBackoffSeconds = maxBackoffSeconds
            self.jitter = jitter
            self.jitterSeed = jitterSeed
            self.maxRetryAfterSeconds = maxRetryAfterSeconds
            self.maxResponseBytes = maxResponseBytes
        }

        /// The chat-completions endpoint.
        public var endpoint: String { baseURL + "/chat/completions" }

        /// Parses `openai:URL#MODEL` (e.g. `openai:http://127.0.0.1:8080/v1#smollm2-135m`). The
        /// other settings take their defaults; change them on the result and call `validated()`.
        public static func parse(spec: String) throws -> Configuration {
            let prefix = "openai:"
            guard spec.hasPrefix(prefix) else {
                throw OpenAIChatBackendError.invalidSpec(
                    spec: redactingUserInfo(spec),
                    reason: "it must start with \"openai:\", e.g. openai:http://127.0.0.1:8080/v1#MODEL")
            }
            let rest = spec.dropFirst(prefix.count)
            guard let hash = rest.lastIndex(of: "#") else {
                throw OpenAIChatBackendError.invalidSpec(
                    spec: redactingUserInfo(spec),
                    reason: "name the model after '#', e.g. openai:http://127.0.0.1:8080/v1#MODEL")
            }
            let url = String(rest[..<hash])
            let model = String(rest[rest.index(after: hash)...])
            guard !model.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw OpenAIChatBackendError.invalidSpec(
                    spec: redactingUserInfo(spec), reason: "the model name after '#' is empty")
            }
            let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
            if let reason = urlProblem(trimmed) {
                throw OpenAIChatBackendError.invalidSpec(spec: redactingUserInfo(spec), reason: reason)
            }
            return try Configuration(baseURL: trimmed, model: model)
        }

        /// Re-runs the `init` checks on a configuration whose fields were changed after `init`.
        public func validated() throws -> Configuration {
            try Configuration(
                baseURL: baseURL, model: model, apiKeyEnvironmentVariable: apiKeyEnvironmentVariable,
                maxConcurrency: maxConcurrency, requestsPerMinute: requestsPerMinute, tokensPerMinute: tokensPerMinute,
                requestTimeoutSeconds: requestTimeoutSeconds, maxRetries: maxRetries,
                initialBackoffSeconds: initialBackoffSeconds,
                maxBackoffSeconds: maxBackoffSeconds, jitter: jitter, jitterSeed: jitterSeed,
                maxRetryAfterSeconds: maxRetryAfterSeconds, maxResponseBytes: maxResponseBytes)
        }

        /// Why `url` cannot be an API root, or nil when it can.
        static func urlProblem(_ url: String) -> String? {
            guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
                return "\(redactingUserInfo(url)) is not a URL; use e.g. http://127.0.0.1:8080/v1"
            }
            guard scheme == "http" || scheme == "https" else {
                return "scheme \"\(scheme)\" is not supported; use http:// or https://"
            }
            guard let host = components.host, !host.isEmpty else {
                return "\(redactingUserInfo(url)) has no host; use e.g. http://127.0.0.1:8080/v1"
            }
            guard components.query == nil, components.fragment == nil else {
                return
                    "\(redactingUserInfo(url)) has a query or fragment; give only the API root, e.g. http://127.0.0.1:8080/v1"
            }
            guard components.user == nil, components.password == nil else {
                return
                    "credentials in the URL are not supported; put the key in an environment variable (--api-key-env)"
            }
            return nil
        }

        /// `url` with any `user:password@` part replaced, for messages.
        static func redactingUserInfo(_ url: String) -> String {
            guard let schemeEnd = url.range(of: "://") else { return url }
            let afterScheme = url[schemeEnd.upperBound...]
            let authorityEnd =
                afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
            guard let at = afterScheme[..<authorityEnd].lastIndex(of: "@") else { return url }
            return String(url[..<schemeEnd.upperBound]) + "<redacted>" + String(afterScheme[at...])
        }

        static func isEnvironmentName(_ name: String) -> Bool {
            guard let first = name.unicodeScalars.first, !(("0"..."9").contains(first)) else { return false }
            return name.unicodeScalars.allSatisfy {
                $0 == "_" || ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0)
            }
        }
    }
}
