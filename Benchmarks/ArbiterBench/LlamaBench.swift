// LlamaBench: the `prefill`, `prefill-quantized` and `decode` suites (issue 4). SmolLM2-135M-Instruct, loaded through
// the public LanguageModel API exactly as a judge does (GGUF → fp32 weights), greedy generation
// with the KV cache and no stop tokens (so every run does the same work):
//   prefill: a 512-token prompt (the bundled SummEval articles, see PeerBench+Inputs.swift) to its
//            first next token; tokens/s, and GFLOP/s (analytic count below) as a share of the best
//            cblas_sgemm rate measured in the same run (BlockBench's sgemmPeak);
//   prefill-quantized: the same with the default fast arithmetic (Q4 weights × 8-bit
//            activations, as llama.cpp computes; GFLOP/s counts the same useful work);
//   decode:  after the prompt's first 16 tokens, 128 single-token steps; tokens/s
//            = 128 / (time for 129 new tokens − time for 1 new token).
// Both write the token ids to `PeerBench.inputsDirectory` so the peers read the same prompt, and
// print the generated ids so run-peers.sh can check the peers agree. A measurement, not a test.
import ArbiterModels
import ArbiterTensor
import Foundation

/// Useful FLOPs of one causal prefill of `tokens` tokens from position 0 that ends in the logits
/// of the last position only: 2 per multiply-add over the q/k/v/o projections and the SwiGLU MLP
/// for every token, q·kᵀ and P·v over the T(T+1)/2 visible pairs, and the LM head once.
func prefillFLOPs(_ c: LlamaConfiguration, tokens t: Int) -> Double {
    let (d, f) = (Double(c.hiddenSize), Double(c.feedForwardSize))
    let kv = Double(c.keyValueHeadCount * c.headDimension)
    let perTokenPerLayer = 2 * d * (2 * d + 2 * kv) + 6 * d * f
    let attention = 4 * Double(c.headCount * c.headDimension) * Double(t) * Double(t + 1) / 2
    return Double(c.layerCount) * (Double(t) * perTokenPerLayer + attention) + 2 * d * Double(c.vocabularySize)
}

/// The same model with no stop tokens: generation always runs to `maxNewTokens`.
private func nonStoppingModel(arithmetic: ModelArithmetic = .fast) throws -> LanguageModel {
    let lm = try PeerBench.loadLanguageModel(arithmetic: arithmetic)
    return LanguageModel(tokenizer: lm.tokenizer, model: lm.model, chatTemplate: nil, stopTokenIDs: [], url: lm.url)
}

/// Greedy continuation of `prompt` by `count` tokens with the KV cache.
private func greedy(_ lm: LanguageModel, _ prompt: [Int], count: Int) -> [Int] {
    try! lm.generate(
        prompt: prompt, options: try! GenerationOptions(maxNewTokens: count, sampling: .greedy, useCache: true)
    )
    .tokens
}

/// The `prefill` suite (`.exact`: fp32 weights and BLAS).
func prefillBenchmark() { prefillBenchmark(quantized: false) }

/// The `prefill-quantized` suite: the same with `.fast` (the default arithmetic).
func quantizedPrefillBenchmark() { prefillBenchmark(quantized: true) }

private func prefillBenchmark(quantized: Bool) {
    let length = PeerBench.setting("ARBITER_BENCH_PROMPT_TOKENS", 512)
    let repeats = PeerBench.setting("ARBITER_BENCH_REPEATS", 3)
    let suite = quantized ? "prefill_quantized" : "prefill"
    do {
        let lm = try nonStoppingModel(arithmetic: quantized ? .fast : .exact)
        let prompt = try PeerBench.promptTokens(lm.tokenizer, count: length)
        let file = try PeerBench.writeInput(
            ["token_ids": prompt, "gguf": lm.url.path, "source": "Data/summeval-consistency/samples.jsonl prompts"],
            named: "prompt.json")
        var first: [Int] = []
        let seconds = benchBestOf(repeats) { first = greedy(lm, prompt, count: 1) }
        let peak = sgemmPeak()
        let flops = prefillFLOPs(lm.model.configuration, tokens: length)
        let rate = flops / seconds / 1e9
        print(
            String(
                format:
                    "%@: %d tokens in %.1f ms (best of %d) = %.1f tokens/s; %.1f GFLOP -> %.1f GFLOP/s = %.0f %% of the sgemm peak %.1f GFLOP/s (BLAS threads %d); prompt ids in %@",
                suite, length, seconds * 1e3, repeats, Double(length) / seconds, flops / 1e9, rate, 100 * rate / peak,
                peak,
                BLASThreads.current, file.path))
        PeerBench.report(
            suite,
            [
                "tokens": length, "seconds": seconds, "tokens_per_second": Double(length) / seconds,
                "gflop": flops / 1e9,
                "gflops": rate, "sgemm_peak_gflops": peak, "fraction_of_peak": rate / peak, "first_token": first,
                "blas_threads": BLASThreads.current, "repeats": repeats, "quantized_prefill": quantized,
                "kernel": quantized ? "\(PanelKernel.best)" : "sgemm",
            ])
    } catch {
        print("\(suite): not run: \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
    }
}

/// The `decode` suite.
func decodeBenchmark() {
    let promptLength = PeerBench.setting("ARBITER_BENCH_DECODE_PROMPT_TOKENS", 16)
    let steps = PeerBench.setting("ARBITER_BENCH_DECODE_TOKENS", 128)
    let repeats = PeerBench.setting("ARBITER_BENCH_DECODE_REPEATS", 2)
    do {
        let lm = try nonStoppingModel()
        let prompt = try PeerBench.promptTokens(lm.tokenizer, count: promptLength)
        let file = try PeerBench.writeInput(
            [
                "token_ids": prompt, "gguf": lm.url.path, "decode_tokens": steps,
                "source": "Data/summeval-consistency/samples.jsonl prompts",
            ],
            named: "decode-prompt.json")
        var generated: [Int] = []
        let promptSeconds = benchBestOf(repeats) { _ = greedy(lm, prompt, count: 1) }
        let totalSeconds = benchBestOf(repeats) { generated = greedy(lm, prompt, count: steps + 1) }
        let seconds = max(totalSeconds - promptSeconds, .leastNonzeroMagnitude)
        print(
            String(
                format:
                    "decode: %d greedy tokens after a %d-token prompt in %.1f ms (best of %d, prompt step %.1f ms removed) = %.1f tokens/s; prompt ids in %@",
                steps, promptLength, seconds * 1e3, repeats, promptSeconds * 1e3, Double(steps) / seconds, file.path))
        PeerBench.report(
            "decode",
            [
                "prompt_tokens": promptLength, "tokens": steps, "seconds": seconds,
                "tokens_per_second": Double(steps) / seconds,
                "prompt_seconds": promptSeconds, "generated": generated, "blas_threads": BLASThreads.current,
                "repeats": repeats,
            ])
    } catch {
        print("decode: not run: \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
    }
}
