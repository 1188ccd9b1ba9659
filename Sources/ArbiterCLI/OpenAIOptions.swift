// OpenAIOptions: the options of `openai:` judges (`arbiter judge --judge openai:URL#MODEL`), one
// group so the command lists them together and applies them in one place. Parsing only; the
// client is ArbiterJudge's OpenAIChatBackend.
import Arbiter
import ArgumentParser

/// `--api-key-env`, `--rpm`, `--tpm`, `--timeout`, `--max-retries`.
struct OpenAIOptions: ParsableArguments {
    @Option(
        name: .customLong("api-key-env"),
        help: "openai: judges: environment variable holding the API key (never printed).")
    var apiKeyEnv = "OPENAI_API_KEY"
    @Option(help: "openai: judges: most requests per minute.") var rpm: Int?
    @Option(help: "openai: judges: most tokens per minute.") var tpm: Int?
    @Option(help: "openai: judges: seconds per HTTP attempt.") var timeout: Double = 60
    @Option(
        name: .customLong("max-retries"),
        help:
            "openai: judges: retries on 408/409/429/5xx, timeouts and connection errors (exponential backoff with jitter, honouring Retry-After)."
    ) var maxRetries = 4

    /// `configuration` (from `--judge openai:URL#MODEL`) with these options, validated.
    func apply(to configuration: OpenAIChatBackend.Configuration, concurrency: Int) throws
        -> OpenAIChatBackend.Configuration
    {
        var configuration = configuration
        configuration.apiKeyEnvironmentVariable = apiKeyEnv
        configuration.requestsPerMinute = rpm
        configuration.tokensPerMinute = tpm
        configuration.requestTimeoutSeconds = timeout
        configuration.maxRetries = maxRetries
        configuration.maxConcurrency = concurrency
        return try configuration.validated()
    }
}
