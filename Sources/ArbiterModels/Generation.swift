// Generation: the decoding loop: prefill the prompt(s), then one token per step until a stop
// token, a stop string, the token budget or the context length ends each row. Batched rows are
// right-padded; the KV cache keeps each row's own length and RoPE position, so rows of different
// lengths decode together. Without the cache every step re-runs the whole sequence (a check of
// the cache, and the path training code would differentiate). With `topLogprobs` set, each
// generated token's full-softmax log-probability and the top-k alternatives are read off the
// logits row the step already computed (no extra forward pass). Not sampling (Sampling.swift).
import ArbiterTensor
import Foundation

/// Why generation of a row ended.
public enum FinishReason: String, Sendable, Equatable {
    /// A stop token (e.g. `<|im_end|>`) was generated; it is the last of `tokens`.
    case stopToken
    /// The decoded text reached a stop string; `text` ends before it.
    case stopString
    /// `maxNewTokens` were generated.
    case maxTokens
    /// The sequence reached the model's context length.
    case contextLength
    /// The caller's `onToken` asked to stop (e.g. a streaming client went away).
    case cancelled
}

/// Settings of one generation call. Validated on construction (`SamplingError` names the field).
public struct GenerationOptions: Sendable, Equatable {
    /// Upper bound on new tokens per row (≥ 0).
    public let maxNewTokens: Int
    /// Greedy or random choice of each token.
    public let sampling: SamplingOptions
    /// Generation stops once the decoded new text contains one of these.
    public let stopStrings: [String]
    /// Reuse keys/values of earlier tokens (true) or re-run the full sequence each step.
    public let useCache: Bool
    /// Record each new token's log-probability with this many top alternatives (0: the token's
    /// own only); nil records nothing. Log-probabilities are of the model's distribution
    /// (temperature 1, no filters), as OpenAI-style `logprobs` report them.
    public let topLogprobs: Int?

    /// Throws `SamplingError.invalidOption` for a negative `maxNewTokens` or `topLogprobs`, or an
    /// empty stop string (it would end every row at once).
    public init(
        maxNewTokens: Int = 256, sampling: SamplingOptions = .greedy, stopStrings: [String] = [], useCache: Bool = true,
        topLogprobs: Int? = nil
    ) throws(SamplingError) {
        guard maxNewTokens >= 0 else {
            throw .invalidOption(name: "maxNewTokens", value: "\(maxNewTokens)", allowed: "an integer ≥ 0")
        }
        if let topLogprobs, topLogprobs < 0 {
            throw .invalidOption(name: "topLogprobs", value: "\(topLogprobs)", allowed: "an integer ≥ 0, or nil")
        }
        if stopStrings.contains("") {
            throw .invalidOption(name: "stopStrings", value: "\"\"", allowed: "non-empty strings")
        }
        self.maxNewTokens = maxNewTokens
        self.sampling = sampling
        self.stopStrings = stopStrings
        self.useCache = useCache
        self.topLogprobs = topLogprobs
    }

    /// 256 greedy tokens with the cache, nothing recorded.
    public static let greedy = try! GenerationOptions()
}

/// What one row produced.
public struct GenerationResult: Sendable, Equatable {
    /// New token ids (a final stop token included).
    public var tokens: [Int]
    /// Decoded new text, without stop tokens and cut before a stop string.
    public var text: String
    public var finishReason: FinishReason
    /// Per new token (aligned with `tokens`), when `GenerationOptions.topLogprobs` was set.
    public var logprobs: [TokenLogprobRecord]? = nil
}

extension LlamaModel {
    /// Generates continuations of `prompts` (each at least one token; callers check user prompts
    /// with `checkFits` first, so these preconditions guard programmer errors). `samplers[b]` picks row
    /// b's tokens; `isFinished(b, newTokens, record)` may end a row early with its reason (stop
    /// strings, a cancelled stream; `record` is the new token's, when recorded). `reusing` continues
    /// one row from a cache that already holds the prompt's first `prefix` tokens. Runs without
    /// recording gradients. With `topLogprobs`, row b's `logprobs` hold one record per new token.
    func generateTokens(
        prompts: [[Int]], maxNewTokens: Int, samplers: inout [Sampler], stopTokenIDs: Set<Int>, useCache: Bool,
        topLogprobs: Int? = nil, reusing reused: (cache: KVCache, prefix: Int)? = nil,
        isFinished: (Int, [Int], TokenLogprobRecord?) -> FinishReason? = { _, _, _ in nil }
    ) throws(GenerationError) -> [(tokens: [Int], reason: FinishReason, logprobs: [TokenLogprobRecord]?)] {
        precondition(
            !prompts.isEmpty && prompts.allSatisfy { !$0.isEmpty }, "generate: every prompt needs at least one token")
        precondition(samplers.count == prompts.count, "generate: one sampler per prompt")
        let b = prompts.count
        let context = configuration.contextLength
        var outputs = Array(repeating: [Int](), count: b)
        var records = Array(repeating: [TokenLogprobRecord](), count: b)
        var reasons: [FinishReason?] = prompts.map { $0.count >= context ? .contextLength : nil }
        if maxNewTokens == 0 { for i in 0..<b where reasons[i] == nil { reasons[i] = .maxTokens } }
        let pad = prompts[0][0]
        precondition(
            reused == nil || (b == 1 && useCache && reused!.prefix < prompts[0].count),
            "generate: a reused cache serves one row and leaves at least one prompt token to feed")
        let cache = useCache ? (reused?.cache ?? KVCache(for: self, batchSize: b)) : nil
        var nonFinite = false
        Tensor.noGrad {
            // Step 0 feeds the prompts (after a reused cache's prefix); later steps each live row's latest token.
            var feed = reused.map { [Array(prompts[0][$0.prefix...])] } ?? prompts
            while reasons.contains(where: { $0 == nil }) {
                let lengths = feed.enumerated().map { reasons[$0.offset] == nil || cache == nil ? $0.element.count : 0 }
                let t = max(feed.map(\.count).max() ?? 1, 1)
                let padded = feed.map { $0 + Array(repeating: pad, count: t - $0.count) }
                let hidden = hiddenStates(tokens: padded, lengths: lengths, cache: cache)  // (B, T, C)
                let logits = self.logits(hidden: hidden, positions: lengths.map { max($0 - 1, 0) })  // (B, V)
                let v = configuration.vocabularySize
                let scalars = logits.scalars  // (B·V)
                for row in 0..<b where reasons[row] == nil {
                    let rowLogits = scalars[(row * v)..<((row + 1) * v)]  // (V)
                    if (try? checkFiniteLogits(rowLogits)) == nil {
                        nonFinite = true
                        reasons = reasons.map { $0 ?? .maxTokens }
                        break
                    }
                    let token = samplers[row].next(Array(rowLogits))
                    outputs[row].append(token)
                    var record: TokenLogprobRecord?
                    if let k = topLogprobs {
                        let made = TokenLogprobRecord(logits: rowLogits, chosen: token, top: k)
                        records[row].append(made)
                        record = made
                    }
                    if stopTokenIDs.contains(token) {
                        reasons[row] = .stopToken
                    } else if let reason = isFinished(row, outputs[row], record) {
                        reasons[row] = reason
                    } else if outputs[row].count >= maxNewTokens {
                        reasons[row] = .maxTokens
                    } else if prompts[row].count + outputs[row].count >= context {
                        reasons[row] = .contextLength
                    }
                }
                for row in 0..<b {
                    let latest = outputs[row].last.map { [$0] } ?? [pad]
                    feed[row] = cache == nil ? prompts[row] + outputs[row] : (reasons[row] == nil ? latest : [pad])
                }
            }
        }
        if nonFinite { throw .nonFiniteLogits }
        return (0..<b).map { (outputs[$0], reasons[$0] ?? .maxTokens, topLogprobs == nil ? nil : records[$0]) }
    }
}

extension LanguageModel {
    /// Continues `prompt` (token ids, e.g. a rendered chat prompt) until a stop token, a stop
    /// string, `maxNewTokens` or the context length (`FinishReason.contextLength`). An empty
    /// prompt starts from the BOS token (`conditioningIDs`). Throws `GenerationError` for an
    /// empty prompt without a BOS token, or a prompt that leaves no room in the context for a
    /// new token (prompt length ≥ context length).
    public func generate(prompt: [Int], options: GenerationOptions = .greedy) throws(GenerationError)
        -> GenerationResult
    {
        try generate(prompts: [prompt], options: options)[0]
    }

    /// As `generate(prompt:options:)`, calling `onToken(id, record)` after each new token but a
    /// stop token (the one completing a stop string included, as it is in the result's tokens;
    /// `record` when `options.topLogprobs` is set), in order, on the calling thread; `onToken` returning false ends generation with
    /// `FinishReason.cancelled`. This is the streaming path: a caller decodes as tokens arrive.
    public func generate(
        prompt: [Int], options: GenerationOptions, onToken: @escaping (Int, TokenLogprobRecord?) -> Bool
    ) throws(GenerationError) -> GenerationResult {
        try generate(prompts: [prompt], options: options, onToken: { _, id, record in onToken(id, record) })[0]
    }

    /// Continues several prompts together (right-padded batch). Row b samples with seed
    /// `options.sampling.seed + b`, so results do not depend on which rows share a batch only
    /// when decoding is greedy. Every prompt is checked as in `generate(prompt:options:)`
    /// before any work; no prompts at all give no results.
    public func generate(prompts given: [[Int]], options: GenerationOptions = .greedy) throws(GenerationError)
        -> [GenerationResult]
    {
        try generate(prompts: given, options: options, onToken: nil)
    }

    /// The batched loop behind both entry points; `onToken(row, id, record)` as in the streaming
    /// `generate(prompt:options:onToken:)`.
    func generate(
        prompts given: [[Int]], options: GenerationOptions, reusing: (cache: KVCache, prefix: Int)? = nil,
        onToken: ((Int, Int, TokenLogprobRecord?) -> Bool)?
    ) throws(GenerationError) -> [GenerationResult] {
        if given.isEmpty { return [] }
        var prompts: [[Int]] = []
        for prompt in given {
            let ids = try conditioningIDs(prompt)
            try model.checkFits(prompt: ids, completionTokens: 1)
            prompts.append(ids)
        }
        var samplers = prompts.indices.map { row in
            var s = options.sampling
            if !s.isGreedy {
                s =
                    (try? SamplingOptions(
                        temperature: s.temperature, topK: s.topK, topP: s.topP, minP: s.minP,
                        seed: s.seed &+ UInt64(row))) ?? s
            }
            return Sampler(s)
        }
        let stops = stopTokenIDs
        let tokenizer = self.tokenizer
        let stopStrings = options.stopStrings
        func text(_ tokens: [Int]) -> String { tokenizer.decode(tokens.filter { !stops.contains($0) }) }
        let raw = try model.generateTokens(
            prompts: prompts, maxNewTokens: options.maxNewTokens, samplers: &samplers, stopTokenIDs: stops,
            useCache: options.useCache, topLogprobs: options.topLogprobs, reusing: reusing,
            isFinished: { row, tokens, record in
                var reason: FinishReason?
                if !stopStrings.isEmpty {
                    let decoded = text(tokens)
                    if stopStrings.contains(where: { decoded.contains($0) }) { reason = .stopString }
                }
                if let onToken, let id = tokens.last, !onToken(row, id, record) { return reason ?? .cancelled }
                return reason
            })
        return raw.map { tokens, reason, logprobs in
            var decoded = text(tokens)
            if reason == .stopString {
                let cuts = stopStrings.compactMap { $0.isEmpty ? nil : decoded.range(of: $0)?.lowerBound }
                if let cut = cuts.min() { decoded = String(decoded[..<cut]) }
            }
            return GenerationResult(tokens: tokens, text: decoded, finishReason: reason, logprobs: logprobs)
        }
    }
}
