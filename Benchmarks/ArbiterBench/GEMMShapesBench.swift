// GEMMShapesBench: the `gemm-shapes` suite. cblas_sgemm GFLOP/s on the products of a 512-token
// SmolLM2-135M prefill (x (512, K) · Wᵀ with W (N, K): q/o, k/v, q+k+v fused, gate/up, gate+up
// fused, down), next to the square sgemm peak (sgemmPeak) and to the rate a prefill would need to
// run at 1.5× a given PyTorch tokens/s (ARBITER_BENCH_PYTORCH_TPS, default 600). Shows how close
// the model's own shapes come to the peak, i.e. the ceiling for an fp32 prefill. Not a test.
import ArbiterModels
import ArbiterTensor
import Foundation

func gemmShapesBenchmark() {
    let m = PeerBench.setting("ARBITER_BENCH_PROMPT_TOKENS", 512)
    let shapes: [(String, Int, Int)] = [
        ("q, o (576 × 576)", 576, 576), ("k, v (192 × 576)", 192, 576), ("q+k+v fused (960 × 576)", 960, 576),
        ("gate, up (1536 × 576)", 1536, 576), ("gate+up fused (3072 × 576)", 3072, 576), ("down (576 × 1536)", 576, 1536),
    ]
    print("M = \(m) rows, x · Wᵀ, BLAS threads \(BLASThreads.current)")
    for (name, n, k) in shapes {
        let seconds = sgemmSeconds(m: m, n: n, k: k, transposeB: true, repeats: 20)
        let label = name.padding(toLength: 28, withPad: " ", startingAt: 0)
        print("  " + label + String(format: " %7.1f GFLOP/s", 2 * Double(m * n * k) / seconds / 1e9))
    }
    let peak = sgemmPeak()
    let pytorch = Double(PeerBench.setting("ARBITER_BENCH_PYTORCH_TPS", 600))
    // SmolLM2-135M's hyper-parameters (its GGUF metadata), for the analytic FLOP count.
    guard let config = try? LlamaConfiguration(
        layerCount: 30, hiddenSize: 576, feedForwardSize: 1536, headCount: 9, keyValueHeadCount: 3, ropeTheta: 100_000,
        rmsNormEpsilon: 1e-5, contextLength: 8192, vocabularySize: 49152)
    else { return }
    let needed = prefillFLOPs(config, tokens: m) * 1.5 * pytorch / Double(m) / 1e9
    print(String(format: "sgemm peak (square 256…2048): %.1f GFLOP/s; a prefill at 1.5 × %.0f tokens/s needs %.1f GFLOP/s = %.0f %% of it",
                 peak, pytorch, needed, 100 * needed / peak))
}
