// DecodeBench: SmolLM2-135M (Q4_1 GGUF) greedy decode tokens/s with the quantised matrix-vector
// kernels and with the fp32 path (dequantised weights, BLAS), and prefill tokens/s of a 512-token
// prompt (always fp32 sgemm). Best of 3 runs each. A speed measurement, not a test; the model
// comes from the cache (`arbiter models fetch smollm2-135m`) or `ARBITER_DECODE_MODEL=<gguf>`.
// Suite "decode-paths" (the peer comparison is suite "decode", LlamaBench.swift).
import ArbiterModels
import ArbiterTensor
import Foundation

/// Prints decode tokens/s (quantised and fp32) and 512-token prefill tokens/s.
func decodePathsBenchmark() {
    let lm: LanguageModel
    do {
        let env = ProcessInfo.processInfo.environment["ARBITER_DECODE_MODEL"]
        let url = try env.map { URL(fileURLWithPath: $0) } ?? ModelStore().resolve("smollm2-135m").url
        lm = try LanguageModel.load(url)
    } catch {
        print("decode: cannot load the model (\(error.localizedDescription))")
        return
    }
    let text = "The quick brown fox jumps over the lazy dog while the judge reads every rubric carefully. "
    let long = lm.tokenizer.encode(String(repeating: text, count: 40))
    let prompt = Array(long.prefix(16))
    let prefillPrompt = Array(long.prefix(512))
    let newTokens = 128
    // Greedy decoding never hits a stop token here: a budget of exactly `newTokens` is generated
    // (checked below), so tokens/s counts steps after the prompt.
    func decodeRate(quantized: Bool) -> (rate: Double, cpuRate: Double, tokens: [Int]) {
        lm.model.arithmetic = quantized ? .fast : .exact
        var best = Double.infinity
        var bestCPU = Double.infinity
        var tokens: [Int] = []
        for _ in 0..<3 {
            let cpuStart = processCPUSeconds()
            let start = DispatchTime.now().uptimeNanoseconds
            let prefill = Tensor.noGrad { lm.model.logits(tokens: [prompt]) }
            _ = prefill
            let prefillSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let begin = DispatchTime.now().uptimeNanoseconds
            tokens =
                try! lm.generate(
                    prompt: prompt, options: try! GenerationOptions(maxNewTokens: newTokens, sampling: .greedy)
                )
                .tokens
            let total = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
            // generate() also prefills the prompt; subtract the separately timed prefill.
            best = min(best, max(total - prefillSeconds, 1e-9) / Double(max(tokens.count - 1, 1)))
            // CPU seconds of the whole run (prefill twice included) per generated token: less
            // sensitive than wall time to other processes on a shared machine.
            bestCPU = min(bestCPU, (processCPUSeconds() - cpuStart) / Double(max(tokens.count, 1)))
        }
        return (1 / best, 1 / bestCPU, tokens)
    }
    let (fp32Rate, fp32CPU, fp32Tokens) = decodeRate(quantized: false)
    let (quantRate, quantCPU, quantTokens) = decodeRate(quantized: true)
    lm.model.arithmetic = .exact
    var prefillBest = Double.infinity
    for _ in 0..<3 {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = Tensor.noGrad { lm.model.logits(tokens: [prefillPrompt]) }
        prefillBest = min(prefillBest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    let agree = zip(fp32Tokens, quantTokens).prefix { $0 == $1 }.count
    print(
        "decode: prompt \(prompt.count) tokens, \(quantTokens.count) new tokens (greedy), best of 3, \(ProcessInfo.processInfo.activeProcessorCount) cores"
    )
    print(
        String(
            format: "decode: quantised %.1f tokens/s, fp32 %.1f tokens/s (%.2fx)", quantRate, fp32Rate,
            quantRate / fp32Rate))
    print(
        String(
            format: "decode: per CPU-second (all threads, prompt included): quantised %.1f tokens, fp32 %.1f tokens",
            quantCPU, fp32CPU))
    print(
        "decode: quantised and fp32 greedy ids agree on the first \(agree) of \(min(fp32Tokens.count, quantTokens.count))"
    )
    print(
        String(
            format: "prefill (exact fp32): %d-token prompt %.1f tokens/s (%.0f ms)", prefillPrompt.count,
            Double(prefillPrompt.count) / prefillBest, prefillBest * 1000))
}

/// CPU time of this process so far (all threads), in seconds.
private func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
