// ChatServer+Routes: the routes (POST /v1/chat/completions, GET /v1/models, GET /v1/models/{id},
// POST /v1/completions, POST /v1/embeddings, POST /classify, GET /health, GET /metrics (Prometheus), POST /get_reward on a reward
// server) and the two middlewares around them: one that turns anything thrown (unknown route
// 404, known path with another method 405 + Allow, oversized body, unexpected error) into
// OpenAI's error JSON, and one that logs one line per request (method, path, status, latency;
// never the body). Completion handling is ChatServer+Completion.
import ArbiterCore
import Foundation
import Hummingbird
import Logging
import NIOCore

extension ChatServer {
    /// The router with every route and middleware.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestLogMiddleware(logger: logger, metrics: metrics))
        router.add(middleware: ErrorEnvelopeMiddleware(maxBodyBytes: configuration.maxBodyBytes))
        router.post("/v1/chat/completions") { request, _ in
            await self.chatCompletions(request)
        }
        router.post("/v1/completions") { request, _ in
            await self.textCompletions(request)
        }
        router.post("/v1/embeddings") { request, _ in
            await self.embeddingsRoute(request)
        }
        router.post("/classify") { request, _ in
            await self.classifyRoute(request)
        }
        router.post("/get_reward") { request, _ in
            await self.getReward(request)
        }
        router.get("/v1/models") { _, _ in
            Self.json(ModelListWire(data: self.modelEntries))
        }
        router.get("/v1/models/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let entry = self.modelEntries.first(where: { $0.id == id }) else {
                return Self.error(.unknownModel(requested: id, served: self.modelName))
            }
            return Self.json(entry)
        }
        router.get("/metrics") { _, _ in
            let text = self.metrics.text(running: await self.gate.running, queued: await self.gate.queued)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/health") { _, _ in
            Self.json(
                HealthWire(
                    model: self.modelName, inFlight: await self.gate.running, queued: await self.gate.queued,
                    rewards: self.rewardService?.functionNames))
        }
        return router
    }

    /// The methods the routes above answer on `path` (empty for an unknown path); keep in step
    /// with `makeRouter`.
    static func allowedMethods(path: String) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch parts.count {
        case 1 where parts[0] == "health" || parts[0] == "metrics": return ["GET"]
        case 1 where parts[0] == "get_reward" || parts[0] == "classify": return ["POST"]
        case 2 where parts == ["v1", "models"]: return ["GET"]
        case 2 where parts == ["v1", "completions"] || parts == ["v1", "embeddings"]: return ["POST"]
        case 3 where parts[0] == "v1" && parts[1] == "models": return ["GET"]
        case 3 where parts == ["v1", "chat", "completions"]: return ["POST"]
        default: return []
        }
    }

    /// The served model, then the encoder and the classifier when there are (each id once).
    var modelEntries: [ModelListWire.Entry] {
        var ids = [modelName]
        for id in [embeddings?.modelName, classifier?.modelName].compactMap({ $0 }) where !ids.contains(id) {
            ids.append(id)
        }
        return ids.map { ModelListWire.Entry(id: $0, created: created) }
    }

    /// A response id: `prefix` and 24 random hex digits, as OpenAI's ids look.
    static func responseID(_ prefix: String) -> String {
        prefix + (0..<24).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
    }

    /// A 200 JSON response.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = encodeWire(value)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// An OpenAI error response for `error`; a busy server adds `Retry-After` (seconds).
    static func error(_ error: ChatServerError) -> Response {
        var response = json(ErrorEnvelopeWire(error), status: error.status)
        switch error {
        case .busy, .timedOut(_, waiting: true): response.headers[.retryAfter] = "1"
        default: break
        }
        return response
    }
}

/// Turns errors thrown below it into OpenAI error JSON: unknown paths → 404, a known path with
/// another method → 405 with `Allow` (RFC 9110 §15.5.6), bodies over the
/// limit → 413, other HTTP errors keep their status, anything else → 500 with a short description.
struct ErrorEnvelopeMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as ChatServerError {
            return ChatServer.error(error)
        } catch is NIOTooManyBytesError {
            return ChatServer.error(.bodyTooLarge(limit: maxBodyBytes))
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            let allowed = ChatServer.allowedMethods(path: path)
            guard !allowed.isEmpty else {
                return ChatServer.error(.notFound(method: request.method.rawValue, path: path))
            }
            var response = ChatServer.error(
                .methodNotAllowed(method: request.method.rawValue, path: path, allowed: allowed))
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return ChatServer.error(.bodyTooLarge(limit: maxBodyBytes))
        } catch let error as HTTPError {
            var response = ChatServer.error(
                .internalError(reason: "HTTP \(error.status.code) \(error.body ?? error.status.reasonPhrase)"))
            response.status = error.status
            return response
        } catch {
            return ChatServer.error(.internalError(reason: ChatServer.describe(error)))
        }
    }
}

/// Logs `POST /v1/chat/completions 200 12.3 ms` once per request at info level.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let logger: Logger
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        var status = "error"
        defer {
            let elapsed = ContinuousClock.now - start
            let ms = elapsed.milliseconds
            logger.info("\(request.method.rawValue) \(request.uri.path) \(status) \(String(format: "%.1f", ms)) ms")
            metrics.requestFinished(
                route: ServerMetrics.route(request.uri.path), status: Int(status) ?? 500, elapsed: elapsed)
        }
        let response = try await next(request, context)
        status = String(response.status.code)
        return response
    }
}
