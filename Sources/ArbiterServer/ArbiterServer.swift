// ArbiterServer: the OpenAI-compatible HTTP server (`arbiter serve`) over any ChatBackend, on
// Hummingbird. It is not a client (the HTTP client backend is ArbiterJudge's OpenAIChatBackend).
import ArbiterJudge
