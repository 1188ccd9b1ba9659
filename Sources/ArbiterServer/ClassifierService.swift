// ClassifierService: the seam between the HTTP server and a discriminative judge (POST /classify,
// vLLM's classification shape, which verl's discriminative reward path reads). ArbiterServer does
// not import the judges; `arbiter serve --classify trained:DIR` (ArbiterCLI) plugs a trained judge
// in here. The server decodes the request (OpenAIWire+Classify) and asks for one row per input.

/// One text to classify: the response, and optionally the prompt and reference it answers.
public struct ClassifierInput: Sendable, Equatable {
    public var prompt: String
    public var response: String
    public var reference: String?

    public init(prompt: String = "", response: String, reference: String? = nil) {
        self.prompt = prompt
        self.response = response
        self.reference = reference
    }
}

/// One input's classes: `probs[k]` for `labels[k]` (probabilities of the judge's score levels), or
/// a single raw score for a judge without levels (a Bradley–Terry reward).
public struct ClassifierOutput: Sendable, Equatable {
    public var probs: [Double]
    public init(probs: [Double]) { self.probs = probs }
}

/// Classifies texts for the server.
public protocol ClassifierService: Sendable {
    /// The id clients send as `model`.
    var modelName: String { get }
    /// The class names, in `probs` order (one name for a single-score judge).
    var labels: [String] { get }
    /// Whether `probs` are probabilities (score levels) rather than one raw score.
    var isProbabilistic: Bool { get }
    func classify(_ inputs: [ClassifierInput]) async throws -> [ClassifierOutput]
}
