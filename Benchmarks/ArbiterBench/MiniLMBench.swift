// MiniLMBench: sentences/s of SentenceEncoder (all-MiniLM-L6-v2) encoding 256 real texts (the
// bundled SummEval summaries, then PandaLM responses: PeerBench.sentences) in batches of 32
// (tokenize + length-sorted padded batches + 6-layer forward + pool), and of tokenization alone.
// The texts and the model folder are written to `PeerBench.inputsDirectory`/minilm-sentences.json
// so the sentence-transformers peer (Benchmarks/scripts/peer_minilm.py) encodes the same ones.
// A speed measurement, not a test; the model must already be in the cache (`arbiter models fetch
// minilm-l6-v2`) or named by $ARBITER_BENCH_MINILM (a folder). Registered as suite "minilm".
import ArbiterModels
import Foundation

/// Prints sentences/s for encoding the shared texts, best of several runs, and a RESULT line.
func miniLMBenchmark() {
    let count = PeerBench.setting("ARBITER_BENCH_SENTENCES", 256)
    let batchSize = PeerBench.setting("ARBITER_BENCH_BATCH", 32)
    let runs = PeerBench.setting("ARBITER_BENCH_REPEATS", 3)
    let encoder: SentenceEncoder
    let directory: URL
    let sentences: [String]
    do {
        if let path = ProcessInfo.processInfo.environment["ARBITER_BENCH_MINILM"], !path.isEmpty {
            directory = URL(fileURLWithPath: path)
        } else {
            directory = try ModelStore().resolve("minilm-l6-v2").url
        }
        encoder = try SentenceEncoder.load(directory: directory)
        sentences = try PeerBench.sentences(count: count)
        try PeerBench.writeInput(
            [
                "sentences": sentences, "model_dir": directory.path, "batch_size": batchSize,
                "source": "Data/summeval-consistency responses, then Data/pandalm response_a/response_b",
            ],
            named: "minilm-sentences.json")
    } catch {
        print("minilm: not run: \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
        return
    }
    let tokens = sentences.map { encoder.tokenize($0).count }
    var first: [Float] = []
    let encodeSeconds = benchBestOf(runs) { first = encoder.encode(sentences, batchSize: batchSize).first ?? [] }
    let tokenizeSeconds = benchBestOf(runs) { _ = sentences.map(encoder.tokenize) }
    let n = Double(sentences.count)
    print(
        "minilm: \(sentences.count) texts, \(tokens.min() ?? 0)…\(tokens.max() ?? 0) tokens (mean \(tokens.reduce(0, +) / max(tokens.count, 1))), batch \(batchSize)"
    )
    print(
        String(
            format: "minilm: encode %.1f sentences/s (%.1f ms for all, best of %d), tokenize only %.0f sentences/s",
            n / encodeSeconds, encodeSeconds * 1000, runs, n / tokenizeSeconds))
    PeerBench.report(
        "minilm",
        [
            "sentences": sentences.count, "batch_size": batchSize, "seconds": encodeSeconds,
            "sentences_per_second": n / encodeSeconds,
            "tokens_total": tokens.reduce(0, +), "first_embedding_head": Array(first.prefix(8)).map(Double.init),
            "repeats": runs,
        ])
}
