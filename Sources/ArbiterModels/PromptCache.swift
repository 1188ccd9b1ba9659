// PromptCache: the keys and values of the last sequence a LanguageModel generated from, kept so
// the next prompt that starts the same way (a judge's system prompt and rubric, the same source
// article under several summaries) only runs its new tokens, as llama.cpp's server reuses a slot's
// cache. One row, one sequence; the longest shared prefix is kept (at least one prompt token is
// always run, to have its logits). Results equal a fresh generation up to float summation order
// (the prefix's keys came from a longer or shorter batch). Not thread-safe: one generation at a time.
import ArbiterTensor
import Foundation

/// A reusable one-row KV cache and the token ids it holds.
public final class PromptCache: @unchecked Sendable {
    /// Prefixes shorter than this are recomputed (not worth the bookkeeping).
    public let minimumReuse: Int
    var ids: [Int] = []
    var cache: KVCache?
    /// Prompt tokens served from the cache, and run, over this cache's life.
    public internal(set) var reusedTokens = 0
    public internal(set) var computedTokens = 0

    public init(minimumReuse: Int = 16) {
        self.minimumReuse = max(minimumReuse, 1)
    }

    /// Forgets the cached sequence.
    public func clear() {
        ids = []
        cache = nil
    }
}

extension LanguageModel {
    /// As `generate(prompt:options:onToken:)`, starting from `cache`'s keys and values for the
    /// prompt's longest prefix it already holds, and leaving the cache holding this prompt and its
    /// continuation. Without the KV cache (`options.useCache` false) it is a plain generation.
    public func generate(
        prompt given: [Int], options: GenerationOptions, cache: PromptCache,
        onToken: ((Int, TokenLogprobRecord?) -> Bool)? = nil
    ) throws(GenerationError) -> GenerationResult {
        guard options.useCache else {
            return try generate(
                prompts: [given], options: options, onToken: onToken.map { f in { _, id, r in f(id, r) } })[0]
        }
        let prompt = try conditioningIDs(given)
        try model.checkFits(prompt: prompt, completionTokens: 1)
        var shared = 0
        while shared < min(cache.ids.count, prompt.count - 1), cache.ids[shared] == prompt[shared] { shared += 1 }
        let reused: (cache: KVCache, prefix: Int)?
        if let kv = cache.cache, shared >= cache.minimumReuse {
            kv.truncate(to: shared)
            reused = (kv, shared)
        } else {
            reused = nil
            shared = 0
        }
        cache.clear()
        let kv = reused?.cache ?? KVCache(for: model, batchSize: 1)
        let result = try generate(
            prompts: [prompt], options: options, reusing: (kv, shared),
            onToken: onToken.map { f in { _, id, r in f(id, r) } })[0]
        cache.reusedTokens += shared
        cache.computedTokens += prompt.count - shared
        // The cache now holds the prompt and every generated token but the last (never fed).
        let held = kv.positions[0]
        let sequence = prompt + result.tokens
        if held <= sequence.count, kv.valid[0].allSatisfy({ $0 }) {
            cache.ids = Array(sequence.prefix(held))
            cache.cache = kv
        }
        return result
    }
}
