// ChatServer: the OpenAI-compatible HTTP server behind `arbiter serve`, over any ChatBackend
// (normally the in-process LocalChatBackend), on Hummingbird 2. This file starts and stops it:
// `run(onRunning:)` serves until SIGINT/SIGTERM, `withRunning(_:)` serves while a closure runs
// (tests, embedding) and shuts down gracefully after. Routes are ChatServer+Routes, request
// handling ChatServer+Completion. It is not an HTTP client (that is ArbiterJudge's OpenAIChatBackend).
import ArbiterChat
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// An OpenAI-compatible chat-completions server for one model.
///
/// ```swift
/// let server = ChatServer(backend: try LocalChatBackend.load(url), modelName: "smollm2-135m",
///                         configuration: try ChatServerConfiguration(port: 0))
/// try await server.withRunning { baseURL in /* POST baseURL/v1/chat/completions */ }
/// ```
public final class ChatServer: Sendable {
    /// The id clients send as `model` and GET /v1/models lists.
    public let modelName: String
    public let configuration: ChatServerConfiguration
    /// The chat model (nil: a reward-only server).
    let backend: (any ChatBackend)?
    /// The rewards POST /get_reward serves (nil: a chat-only server).
    let rewardService: (any RewardService)?
    /// The encoder POST /v1/embeddings serves (nil: none).
    let embeddings: (any EmbeddingBackend)?
    /// The judge POST /classify serves (nil: none).
    let classifier: (any ClassifierService)?
    let logger: Logger
    let gate: RequestGate
    /// Unix time the server was made (the model's `created`).
    let created: Int
    /// What GET /metrics exposes.
    let metrics = ServerMetrics()

    /// A server for `backend` under the id `modelName` (and `embeddings` at POST /v1/embeddings,
    /// under its own id). Logs one line per request to `logger`.
    public convenience init(
        backend: any ChatBackend, modelName: String, embeddings: (any EmbeddingBackend)? = nil,
        classifier: (any ClassifierService)? = nil, configuration: ChatServerConfiguration = .standard,
        logger: Logger = Logger(label: "arbiter.serve")
    ) {
        self.init(
            rewards: nil, backend: backend, modelName: modelName, embeddings: embeddings, classifier: classifier,
            configuration: configuration, logger: logger)
    }

    /// A reward server (POST /get_reward, GET /health) over `rewards`, optionally also serving a
    /// chat model, an encoder and a classifier (with `rewards` nil: only what else is given).
    /// `modelName` is what GET /v1/models lists first.
    public init(
        rewards: (any RewardService)?, backend: (any ChatBackend)? = nil, modelName: String = "arbiter-reward",
        embeddings: (any EmbeddingBackend)? = nil, classifier: (any ClassifierService)? = nil,
        configuration: ChatServerConfiguration = .standard, logger: Logger = Logger(label: "arbiter.serve")
    ) {
        self.backend = backend
        self.rewardService = rewards
        self.embeddings = embeddings
        self.classifier = classifier
        self.modelName = modelName
        self.configuration = configuration
        self.logger = logger
        self.gate = RequestGate(
            maxConcurrent: configuration.maxConcurrentRequests, maxQueued: configuration.maxQueuedRequests)
        self.created = Int(Date().timeIntervalSince1970)
    }

    /// Serves until SIGINT or SIGTERM (then finishes in-flight requests and returns). `onRunning`
    /// gets the base URL once the socket is bound (with the real port when the configured one is 0).
    /// Request handling runs on a private executor, outside the cooperative thread pool.
    /// Throws `ChatServerError.didNotStart` when binding fails.
    public func run(onRunning: @escaping @Sendable (URL) async -> Void = { _ in }) async throws {
        let started = StartSignal()
        let app = makeApplication { url in
            started.mark()
            await onRunning(url)
        }
        do {
            try await onServerExecutor { try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint]) }
        } catch {
            if started.hasStarted { throw error }
            throw ChatServerError.didNotStart(
                address: "\(configuration.host):\(configuration.port)", reason: Self.describe(error))
        }
    }

    /// Starts the server, runs `body` with its base URL (e.g. http://127.0.0.1:41234), then shuts
    /// the server down gracefully and returns `body`'s result. With port 0 the system picks a port.
    /// The server's tasks, and `body`, run on a private executor outside the cooperative pool.
    public func withRunning<T: Sendable>(_ body: @Sendable (URL) async throws -> T) async throws -> T {
        try await onServerExecutor { try await serve(while: body) }
    }

    private func serve<T: Sendable>(while body: @Sendable (URL) async throws -> T) async throws -> T {
        let (urls, continuation) = AsyncStream<URL>.makeStream()
        let app = makeApplication { url in
            continuation.yield(url)
            continuation.finish()
        }
        let group = ServiceGroup(services: [app], logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                defer { continuation.finish() }
                try await group.run()
                return nil
            }
            var iterator = urls.makeAsyncIterator()
            guard let url = await iterator.next() else {
                // The server stopped before binding: surface its error.
                let address = "\(configuration.host):\(configuration.port)"
                do {
                    while try await tasks.next() != nil {}
                } catch {
                    throw ChatServerError.didNotStart(address: address, reason: Self.describe(error))
                }
                throw ChatServerError.didNotStart(address: address, reason: "the server stopped before binding")
            }
            let result: Result<T, any Error>
            do { result = .success(try await body(url)) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            while try await tasks.next() != nil {}
            return try result.get()
        }
    }

    /// The Hummingbird application; `onBound` receives the base URL once listening.
    func makeApplication(onBound: @escaping @Sendable (URL) async -> Void) -> some ApplicationProtocol {
        let host = configuration.host
        return Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let hostPart = host.contains(":") ? "[\(host)]" : host
                await onBound(URL(string: "http://\(hostPart):\(port)") ?? URL(fileURLWithPath: "/"))
            },
            logger: logger
        )
    }

    /// An error's message for a client or the terminal (no stack traces, no request data).
    static func describe(_ error: any Error) -> String {
        if let localized = error as? LocalizedError, let text = localized.errorDescription { return text }
        return String(describing: error)
    }
}

/// Remembers whether the server has bound its socket (set once from the server's task).
final class StartSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var started = false

    func mark() { lock.withLock { started = true } }
    var hasStarted: Bool { lock.withLock { started } }
}
