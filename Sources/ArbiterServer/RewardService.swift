// RewardService: the seam between the HTTP server and whatever computes rewards. ArbiterServer does
// not import the judges or the reward functions; `arbiter serve --reward` (ArbiterCLI) plugs the
// configured reward set in here. The server decodes the frameworks' requests (ChatServer+Reward)
// and asks the service for one reward per completion plus per-function logs.

/// One batch of completions to reward: prompt i, its completion i and its label i (the dataset's
/// reference answer, OpenRLHF's `labels`; nil when none was sent).
public struct RewardServiceRequest: Sendable, Equatable {
    public var prompts: [String]
    public var completions: [String]
    public var labels: [String?]

    public init(prompts: [String], completions: [String], labels: [String?]) {
        precondition(prompts.count == completions.count && labels.count == completions.count, "one row each")
        self.prompts = prompts
        self.completions = completions
        self.labels = labels
    }
}

/// The rewards of a batch: one finite value per completion, and named per-completion series for
/// the frameworks' logs (each function's value, unscored flags, fallback counts).
public struct RewardServiceResult: Sendable, Equatable {
    public var rewards: [Double]
    public var logs: [String: [Double]]

    public init(rewards: [Double], logs: [String: [Double]]) {
        self.rewards = rewards
        self.logs = logs
    }
}

/// Why a batch got no rewards (e.g. a completion every function left unscored under
/// `on_unscored: error`): sent to the client as a 422 with this message, never as a number.
public struct RewardServiceError: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// Computes rewards for the server.
public protocol RewardService: Sendable {
    /// The reward functions' names (the keys of the logs), for GET /health.
    var functionNames: [String] { get }
    func rewards(_ request: RewardServiceRequest) async throws -> RewardServiceResult
}
