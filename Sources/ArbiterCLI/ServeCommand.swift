// ServeCommand: `arbiter serve` — serves a local GGUF chat model over an OpenAI-compatible HTTP API
// (POST /v1/chat/completions, GET /v1/models, GET /health) until SIGINT/SIGTERM, or, with
// `--reward FILE`, the rewards of a GRPO reward file (POST /get_reward, OpenRLHF's protocol; no
// chat model is loaded). Options, model resolution, the reward set's adapter and printing only;
// the server is ArbiterServer.ChatServer.
import Arbiter
import ArgumentParser
import Foundation

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a local GGUF chat model over an OpenAI-compatible HTTP API.",
        discussion: """
            Endpoints: POST /v1/chat/completions (model, messages, max_tokens, temperature, seed, logprobs,
            top_logprobs ≤ 20, stop, stream + stream_options.include_usage; n = 1), POST /v1/completions (prompt as
            text or token ids, echo, logprobs ≤ 20: prompt scoring as lm-evaluation-harness does it), GET /v1/models,
            GET /health, GET /metrics (Prometheus). With --embeddings NAME also POST /v1/embeddings (float or base64);
            with --classify trained:DIR also POST /classify (vLLM's shape: the judge's score-level probabilities).
            Requests run one at a time on the model; more wait in a queue (503 with Retry-After when it is full).
            A logprob of -inf is sent as -9999.
            Stops gracefully on Ctrl-C or SIGTERM.
            With --reward FILE: serves the file's `rewards:` (the list `arbiter grpo` reads; `on_unscored: error|value`)
            at POST /get_reward, OpenRLHF's remote reward protocol ({"query", "prompts", "labels"} →
            {"rewards", "scores", "extra_logs"}); clients in clients/python/arbiter_reward.py. --cache FILE keeps
            judge rewards in a SQLite judgment store (a retried or repeated completion is answered from it).
            """
    )

    @Option(
        help:
            "A registered model name (see `arbiter models list`), a .gguf path, or none (serve only --classify/--embeddings)."
    )
    var model: String = "smollm2-135m"

    @Option(help: "TCP port; 0 picks a free one.")
    var port: Int = 8080

    @Option(help: "Address to bind (127.0.0.1 keeps the server local; 0.0.0.0 exposes it).")
    var host: String = "127.0.0.1"

    @Option(
        name: .customLong("served-name"),
        help: "The model id clients send (default: the registry name or the file name).")
    var servedName: String?

    @OptionGroup var arithmetic: ArithmeticOptions

    @Option(name: .customLong("max-queue"), help: "Requests that may wait for the model before new ones get 503.")
    var maxQueue: Int = 64

    @Option(name: .customLong("max-tokens-limit"), help: "Largest max_tokens a request may ask for.")
    var maxTokensLimit: Int = 4096

    @Option(
        name: .customLong("request-timeout"),
        help: "Seconds a request may wait for the model (then 503) or a chat completion may run (then 504); 0: none.")
    var requestTimeout: Double = 600

    @Option(help: "Serve the rewards of this YAML file at POST /get_reward instead of a chat model.")
    var reward: String?

    @Flag(help: "With --reward: serve a judge reward whose audit fails its trust gate.")
    var force = false

    @Option(
        help:
            "With --reward: keep judge rewards in this SQLite judgment store, so a retried batch is not judged twice.")
    var cache: String?

    @Option(help: "Also serve this trained judge (trained:DIR or DIR, from `arbiter train-judge`) at POST /classify.")
    var classify: String?

    @Flag(
        name: .customLong("no-prompt-cache"),
        help: "Run every prompt in full (by default a prompt's prefix shared with the previous request is reused).")
    var noPromptCache = false

    @Option(help: "Also serve this sentence encoder (e.g. minilm-l6-v2, or a model folder) at POST /v1/embeddings.")
    var embeddings: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535 (got \(port))") }
        guard maxQueue >= 0 else { throw ValidationError("--max-queue must be ≥ 0 (got \(maxQueue))") }
        guard requestTimeout >= 0, requestTimeout.isFinite else {
            throw ValidationError("--request-timeout must be a number of seconds ≥ 0 (got \(requestTimeout))")
        }
        guard maxTokensLimit >= 1 else {
            throw ValidationError("--max-tokens-limit must be ≥ 1 (got \(maxTokensLimit))")
        }
        if let servedName, servedName.isEmpty { throw ValidationError("--served-name must not be empty") }
        if cache != nil, reward == nil { throw ValidationError("--cache needs --reward (it caches judge rewards)") }
    }

    func run() async throws {
        do {
            let configuration = try ChatServerConfiguration(
                host: host, port: port, maxQueuedRequests: maxQueue,
                defaultMaxTokens: min(512, maxTokensLimit), maxTokensLimit: maxTokensLimit,
                requestTimeout: requestTimeout > 0 ? requestTimeout : nil)
            let encoder = try embeddings.map { try LocalEmbeddingBackend.load($0) }
            let classifier = try classify.map { try TrainedJudgeClassifier.load($0) }
            if let reward {
                var set = try GRPORewardSet.load(URL(fileURLWithPath: reward), force: force)
                if let cache { set = try set.caching(in: JudgmentStore(url: URL(fileURLWithPath: cache))) }
                let server = ChatServer(
                    rewards: RewardSetService(rewardSet: set), embeddings: encoder, classifier: classifier,
                    configuration: configuration)
                let names = set.specs.map(\.name).joined(separator: ", ")
                try await server.run { url in
                    FileHandle.standardOutput.write(
                        Data("serving rewards (\(names)) at \(url.absoluteString)/get_reward (Ctrl-C stops)\n".utf8))
                }
                return
            }
            if model == "none" {
                guard classifier != nil || encoder != nil else {
                    throw ValidationError("--model none needs --classify or --embeddings (nothing to serve otherwise)")
                }
                let server = ChatServer(
                    rewards: nil, modelName: classifier?.modelName ?? encoder?.modelName ?? "none", embeddings: encoder,
                    classifier: classifier, configuration: configuration)
                try await server.run { url in
                    FileHandle.standardOutput.write(Data("serving at \(url.absoluteString) (Ctrl-C stops)\n".utf8))
                }
                return
            }
            let resolved = try ModelStore().resolve(model, fetchIfMissing: true)
            guard resolved.format == .gguf else {
                throw ValidationError(
                    "--model \(model): \(resolved.url.path) is not a .gguf model; `arbiter serve` runs GGUF chat models (e.g. smollm2-135m)"
                )
            }
            let backend = try LocalChatBackend.load(
                resolved.url, name: servedName ?? resolved.name,
                options: arithmetic.loadOptions, reusePrompts: !noPromptCache)
            let server = ChatServer(
                backend: backend, modelName: backend.modelName, embeddings: encoder, classifier: classifier,
                configuration: configuration)
            let name = backend.modelName
            try await server.run { url in
                // Unbuffered, so a script reading the URL from a pipe sees it at once.
                FileHandle.standardOutput.write(
                    Data("serving \(name) at \(url.absoluteString)/v1 (Ctrl-C stops)\n".utf8))
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ModelsCommand.fail(error)
        }
    }
}

/// A GRPO reward set behind the server's reward seam.
struct RewardSetService: RewardService {
    let rewardSet: GRPORewardSet
    var functionNames: [String] { rewardSet.specs.map(\.name) }

    func rewards(_ request: RewardServiceRequest) async throws -> RewardServiceResult {
        do {
            let served = try await rewardSet.served(
                prompts: request.prompts, completions: request.completions, labels: request.labels)
            return RewardServiceResult(rewards: served.rewards, logs: served.logs)
        } catch let error as GRPORewardSetError {
            throw RewardServiceError(error.localizedDescription)
        }
    }
}

/// A trained judge behind the server's classification seam: the probabilities of its rubric's
/// score levels (labels are the levels' labels), or its one raw reward for a judge without levels.
struct TrainedJudgeClassifier: ClassifierService {
    let judge: TrainedJudge
    let modelName: String
    let levels: [ScaleLevel]?

    static func load(_ spec: String) throws -> TrainedJudgeClassifier {
        let path = spec.hasPrefix("trained:") ? String(spec.dropFirst("trained:".count)) : spec
        let judge = try TrainedJudge.load(directory: URL(fileURLWithPath: path))
        return TrainedJudgeClassifier(judge: judge, modelName: judge.name, levels: judge.scaleLevels)
    }

    var labels: [String] { levels?.map(\.label) ?? ["reward"] }
    var isProbabilistic: Bool { levels != nil }

    func classify(_ inputs: [ClassifierInput]) async throws -> [ClassifierOutput] {
        let samples = inputs.enumerated().map {
            JudgeSample(
                id: String($0.offset), prompt: $0.element.prompt, response: $0.element.response,
                reference: $0.element.reference)
        }
        return try await judge.judge(samples).map { judgment in
            if let levels, let distribution = judgment.distribution {
                return ClassifierOutput(probs: levels.map { distribution[$0.score] ?? 0 })
            }
            guard levels == nil, let score = judgment.score, score.isFinite else {
                throw RewardServiceError("the judge gave no score for input \(judgment.id); nothing was invented")
            }
            return ClassifierOutput(probs: [score])
        }
    }
}
