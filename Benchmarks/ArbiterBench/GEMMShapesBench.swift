// GEMMShapesBench: the `gemm-shapes` suite. cblas_sgemm GFLOP/s on the products of a 512-token
// SmolLM2-135M prefill (x (512, K) · Wᵀ with W (N, K): q/o, k/v, q+k+v fused, gate/up, gate+up
// fused, down), next to the square sgemm peak (sgemmPeak) and to the rate a prefill would need to
// run at 1.5× a given PyTorch tokens/s (ARBITER_BENCH_PYTORCH_TPS, default 600). Shows how close
// the model's own shapes come to the peak, i.e. the ceiling for an fp32 prefill. Next to each, the
// opt-in quantised prefill's product on the same shape (random Q4_1, then Q8_0 weights, the
// activations quantised once outside the timing; every available p16 kernel form), as the same
// 2·M·N·K per second. Not a test.
import ArbiterCore
import ArbiterModels
import ArbiterTensor
import Foundation

func gemmShapesBenchmark() {
    let m = PeerBench.setting("ARBITER_BENCH_PROMPT_TOKENS", 512)
    let shapes: [(String, Int, Int)] = [
        ("q, o (576 × 576)", 576, 576), ("k, v (192 × 576)", 192, 576), ("q+k+v fused (960 × 576)", 960, 576),
        ("gate, up (1536 × 576)", 1536, 576), ("gate+up fused (3072 × 576)", 3072, 576),
        ("down (576 × 1536)", 576, 1536),
    ]
    let kernels = PanelKernel.allCases.filter { $0.isAvailable && $0 != .portable }
    print(
        "M = \(m) rows, x · Wᵀ, BLAS threads \(BLASThreads.current); columns: sgemm, then Q4_1 × 8-bit and Q8_0 × 8-bit, each \(kernels.map { "\($0)" }.joined(separator: ", "))"
    )
    for (name, n, k) in shapes {
        let seconds = sgemmSeconds(m: m, n: n, k: k, transposeB: true, repeats: 20)
        let label = name.padding(toLength: 28, withPad: " ", startingAt: 0)
        var line = "  " + label + String(format: " %7.1f GFLOP/s", 2 * Double(m * n * k) / seconds / 1e9)
        for type in [GGMLType.q4_1, .q8_0] {
            for kernel in kernels {
                let seconds = panelSeconds(type, m: m, n: n, k: k, kernel: kernel, repeats: 20)
                line += String(format: " %7.1f", 2 * Double(m * n * k) / seconds / 1e9)
            }
        }
        print(line)
    }
    let peak = sgemmPeak()
    let pytorch = Double(PeerBench.setting("ARBITER_BENCH_PYTORCH_TPS", 600))
    // SmolLM2-135M's hyper-parameters (its GGUF metadata), for the analytic FLOP count.
    guard
        let config = try? LlamaConfiguration(
            layerCount: 30, hiddenSize: 576, feedForwardSize: 1536, headCount: 9, keyValueHeadCount: 3,
            ropeTheta: 100_000,
            rmsNormEpsilon: 1e-5, contextLength: 8192, vocabularySize: 49152)
    else { return }
    let needed = prefillFLOPs(config, tokens: m) * 1.5 * pytorch / Double(m) / 1e9
    print(
        String(
            format:
                "sgemm peak (square 256…2048): %.1f GFLOP/s; a prefill at 1.5 × %.0f tokens/s needs %.1f GFLOP/s = %.0f %% of it",
            peak, pytorch, needed, 100 * needed / peak))
}

/// Best time of the p16 quantised product (m, k) × (n, k)ᵀ with random `type` (Q4_1 or Q8_0) weights.
func panelSeconds(_ type: GGMLType, m: Int, n: Int, k: Int, kernel: PanelKernel, repeats: Int) -> Double {
    var rng = SeededRNG(seed: UInt64(m * n + k + 1))
    var bytes: [UInt8] = []
    bytes.reserveCapacity(n * k / 32 * type.typeSize)
    for _ in 0..<(n * k / 32) {
        let halves =
            type == .q4_1
            ? [Float16(0.01 * (1 + abs(rng.nextNormal()))), Float16(-0.08)]
            : [Float16(0.001 * (1 + abs(rng.nextNormal())))]
        for half in halves {
            withUnsafeBytes(of: half.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        for _ in 0..<(type == .q4_1 ? 16 : 32) { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
    }
    guard let w = try? QuantizedMatrix(type: type, rows: n, columns: k, bytes: bytes) else { return .infinity }
    let x = (0..<(m * k)).map { _ in rng.nextNormal() }
    let activations = x.withUnsafeBufferPointer { QuantizedActivations($0, rows: m, columns: k, laneCodes: false) }
    return benchBestOf(repeats) { _ = QuantizedMatrix.multiplyPanels([w], activations, kernel: kernel) }
}
