// HTTPTestSupport: tests for the OpenAI-compatible HTTP client backend and for `arbiter serve`,
// always on 127.0.0.1, bounded in count and time.
import Testing
