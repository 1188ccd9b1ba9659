// MiniLMBench: sentences/s of SentenceEncoder (all-MiniLM-L6-v2) on a batch of 64 sentences of
// mixed length (tokenize + pad + 6-layer forward + pool), and of tokenization alone. A speed
// measurement, not a test; the model must already be in the cache (`arbiter models fetch
// minilm-l6-v2`). Register as suite "minilm" in main.swift.
import ArbiterModels
import Foundation

/// Prints sentences/s for encoding 64 sentences in one batch, best of several runs.
func miniLMBenchmark() {
    let encoder: SentenceEncoder
    do {
        encoder = try SentenceEncoder.load(named: "minilm-l6-v2")
    } catch {
        print("minilm: cannot load the model (\(error.localizedDescription))")
        return
    }
    let base = [
        "A man is eating food.",
        "The girl is carrying a baby.",
        "Two men pushed carts through the woods.",
        "The response correctly states that Paris is the capital of France, and explains why.",
        "The answer is wrong: 12*7 is 84, not 19, so the final result the assistant gives cannot be trusted.",
        "Leading and trailing whitespace, tabs and newlines should not change the embedding much at all.",
        "A woman is playing violin.",
        "The new movie is awesome, with a plot that keeps you guessing until the very last scene of the film.",
    ]
    let sentences = (0..<64).map { "\(base[$0 % base.count]) (item \($0))" }
    let tokens = sentences.map { encoder.tokenize($0).count }
    let runs = 5
    let encodeSeconds = benchmarkBest(runs) { _ = encoder.encode(sentences, batchSize: 64) }
    let tokenizeSeconds = benchmarkBest(runs) { _ = sentences.map(encoder.tokenize) }
    print("minilm: 64 sentences, \(tokens.min() ?? 0)…\(tokens.max() ?? 0) tokens (mean \(tokens.reduce(0, +) / tokens.count))")
    print(String(format: "minilm: encode %.1f sentences/s (%.1f ms per batch of 64), tokenize only %.0f sentences/s",
                 64 / encodeSeconds, encodeSeconds * 1000, 64 / tokenizeSeconds))
}

private func benchmarkBest(_ repeats: Int, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}
