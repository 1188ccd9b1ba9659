// ChatServer+Embeddings: answers POST /v1/embeddings from the server's EmbeddingBackend (an
// encoder such as all-MiniLM-L6-v2), under the same backend slots and queue as the other model
// routes. A server without one answers 404 naming how to start one.
import ArbiterChat
import Foundation
import Hummingbird
import NIOCore

extension ChatServer {
    func embeddingsRoute(_ request: Request) async -> Response {
        await answering {
            let body = try await readBody(request)
            let parsed = try EmbeddingsRequest.decode(body)
            guard let embeddings else {
                throw ChatServerError.unknownModel(requested: parsed.model, served: modelName)
            }
            guard parsed.model == embeddings.modelName else {
                throw ChatServerError.unknownModel(requested: parsed.model, served: embeddings.modelName)
            }
            if let d = parsed.dimensions, d != embeddings.dimension {
                throw ChatServerError.invalidField(
                    param: "dimensions",
                    message: "\(d) is not supported; this model's embeddings have \(embeddings.dimension) dimensions")
            }
            try await admit()
            let outcome: Result<EmbeddingResult, ChatServerError>
            do {
                outcome = .success(try await embeddings.embed(parsed.inputs))
            } catch {
                outcome = .failure(.backendFailed(reason: Self.describe(error)))
            }
            await gate.leave()
            let result = try outcome.get()
            guard result.vectors.count == parsed.inputs.count else {
                throw ChatServerError.internalError(
                    reason: "the encoder returned \(result.vectors.count) vectors for \(parsed.inputs.count) inputs")
            }
            return Self.json(
                EmbeddingListWire(
                    data: result.vectors.enumerated().map {
                        EmbeddingWire(index: $0.offset, vector: $0.element, base64: parsed.base64)
                    },
                    model: embeddings.modelName, promptTokens: result.promptTokens))
        }
    }
}
