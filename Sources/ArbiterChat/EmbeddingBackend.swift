// EmbeddingBackend: what a text encoder answers (OpenAI's POST /v1/embeddings): one vector per
// input text, and the tokens they took. The protocol and the in-process implementation over
// ArbiterModels' SentenceEncoder (e.g. all-MiniLM-L6-v2, sentence-transformers semantics); the
// HTTP route is ArbiterServer's.
import ArbiterModels
import Foundation

/// The vectors of a batch of texts, in input order, and the tokens they took.
public struct EmbeddingResult: Sendable, Equatable {
    public var vectors: [[Float]]
    public var promptTokens: Int

    public init(vectors: [[Float]], promptTokens: Int) {
        self.vectors = vectors
        self.promptTokens = promptTokens
    }
}

/// Something that embeds texts (the in-process encoder, a test double).
public protocol EmbeddingBackend: Sendable {
    /// The id clients send as `model`.
    var modelName: String { get }
    /// The length of every vector.
    var dimension: Int { get }
    func embed(_ texts: [String]) async throws -> EmbeddingResult
}

/// A sentence encoder running in process; batches run one at a time on a private queue.
public final class LocalEmbeddingBackend: EmbeddingBackend, @unchecked Sendable {
    public let modelName: String
    // The encoder has no internal locking: every use goes through `queue`.
    private let encoder: SentenceEncoder
    private let queue = DispatchQueue(label: "arbiter.local-embedding-backend")

    public init(encoder: SentenceEncoder, name: String) {
        self.encoder = encoder
        self.modelName = name
    }

    /// A registered encoder (e.g. "minilm-l6-v2", fetched into the cache when missing) or a model
    /// folder; served under `name` (default: the registry name or the folder's name).
    public static func load(_ model: String, name: String? = nil) throws -> LocalEmbeddingBackend {
        let encoder = try SentenceEncoder.load(named: model, fetchIfMissing: true)
        return LocalEmbeddingBackend(encoder: encoder, name: name ?? URL(fileURLWithPath: model).lastPathComponent)
    }

    public var dimension: Int { encoder.dimension }

    /// sentence-transformers' embeddings; `promptTokens` counts [CLS]/[SEP] and stops at the
    /// encoder's maximum length, as the encoder sees the text.
    public func embed(_ texts: [String]) async throws -> EmbeddingResult {
        await withCheckedContinuation { continuation in
            queue.async {
                let tokens = texts.map { self.encoder.tokenize($0).count }.reduce(0, +)
                continuation.resume(
                    returning: EmbeddingResult(vectors: self.encoder.encode(texts), promptTokens: tokens))
            }
        }
    }
}
