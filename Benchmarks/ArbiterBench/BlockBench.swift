// BlockBench: forward + backward throughput of one TransformerBlock at SmolLM2-135M sizes
// (C 576, 9 query heads, 3 KV heads, head dim 64, SwiGLU FFN 1536), T 512, batch 1, against the
// best cblas_sgemm GFLOP/s measured in the same run. FLOPs are counted analytically (2 per
// multiply-add; backward = 2 × forward, the matmul convention; causal attention over the
// T(T+1)/2 visible pairs although the kernel computes the full square, and without its backward
// recomputation of the scores: useful work, a conservative rate). Also times the
// stages in isolation so a slow one stands out. A speed measurement, not a test.
import ArbiterTensor
import COpenBLAS
import Foundation

/// Prints the block's GFLOP/s and its fraction of the measured sgemm peak.
func blockBenchmark() {
    let cfg = TransformerBlock.Configuration(modelDim: 576, heads: 9, kvHeads: 3, headDim: 64, ffnDim: 1536)
    let (b, t) = (1, 512)
    var rng = SeededRNG(seed: 576)
    let block = TransformerBlock(cfg, using: &rng)
    for (_, w) in block.namedParameters() { w.requiresGrad = true }
    let x = Tensor.randomNormal([b, t, cfg.modelDim], using: &rng, requiresGrad: true)  // (B, T, C)
    let repeats = 10  // best of 10: the shared 2-core machine is noisy

    let forwardFLOPs = cfg.forwardFLOPs(batch: b, tokens: t)
    let totalFLOPs = 3 * forwardFLOPs
    let forwardSeconds = benchBestOf(repeats) { _ = Tensor.noGrad { block(x) } }
    let trainSeconds = benchBestOf(repeats) {
        for (_, w) in block.namedParameters() { w.zeroGrad() }
        x.zeroGrad()
        block(x).sum().backward()
    }
    let peak = sgemmPeak()

    // Stages, forward only, in isolation (no tape).
    let xn = Tensor.noGrad { x.rmsNorm(weight: block.attentionNorm) }  // (B, T, C)
    let q = Tensor.noGrad { xn.matmul(block.wq).reshaped([b, t, 9, 64]).permuted([0, 2, 1, 3]) }  // (B, H, T, D)
    let kv = Tensor.noGrad { xn.matmul(block.wk).reshaped([b, t, 3, 64]).permuted([0, 2, 1, 3]) }  // (B, Hkv, T, D)
    // q·kᵀ and P·v, visible pairs
    let attentionFLOPs: Double = 4 * Double(b * cfg.heads * cfg.headDim) * Double(t * (t + 1) / 2)
    let stages: [(String, Double, () -> Void)] = [
        (
            "qkvo projections", 2 * Double(b * t * cfg.modelDim) * Double(2 * 576 + 2 * 192),
            {
                _ = Tensor.noGrad {
                    [xn.matmul(block.wq), xn.matmul(block.wk), xn.matmul(block.wv), xn.matmul(block.wo)]
                }
            }
        ),
        (
            "attention (causal)", attentionFLOPs,
            {
                _ = Tensor.noGrad { Tensor.attention(query: q, key: kv, value: kv, causal: true) }
            }
        ),
        (
            "SwiGLU MLP", 6 * Double(b * t * cfg.modelDim * cfg.ffnDim),
            {
                _ = Tensor.noGrad { (xn.matmul(block.wGate).silu() * xn.matmul(block.wUp)).matmul(block.wDown) }
            }
        ),
        (
            "rmsNorm + rope + permutes", 0,
            {
                _ = Tensor.noGrad {
                    [x.rmsNorm(weight: block.attentionNorm), q.rope(layout: .halfSplit), q.permuted([0, 2, 1, 3])]
                }
            }
        ),
    ]

    print(
        "TransformerBlock C 576, heads 9/3 (GQA), head dim 64, FFN 1536 SwiGLU, T \(t), batch \(b); BLAS threads \(BLASThreads.current), cores \(ProcessInfo.processInfo.activeProcessorCount)"
    )
    print(String(format: "sgemm peak (best of square 256…2048): %.1f GFLOP/s", peak))
    print(
        String(
            format: "forward:            %7.2f ms  %6.1f GFLOP/s  (%.2f GFLOP)", forwardSeconds * 1e3,
            forwardFLOPs / forwardSeconds / 1e9, forwardFLOPs / 1e9))
    let trainRate = totalFLOPs / trainSeconds / 1e9
    print(
        String(
            format: "forward + backward: %7.2f ms  %6.1f GFLOP/s  (%.2f GFLOP)  = %.0f %% of sgemm peak",
            trainSeconds * 1e3, trainRate, totalFLOPs / 1e9, 100 * trainRate / peak))
    print("stage (forward, no tape)        ms     GFLOP/s")
    for (name, flops, body) in stages {
        let s = benchBestOf(repeats, body)
        let rate = flops > 0 ? String(format: "%7.1f", flops / s / 1e9) : "      -"
        print(name.padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " %7.2f   ", s * 1e3) + rate)
    }
}

/// Best square cblas_sgemm throughput (GFLOP/s) over n = 256, 512, 1024, 2048.
func sgemmPeak() -> Double {
    var best = 0.0
    for n in [256, 512, 1024, 2048] {
        best = max(
            best,
            2 * Double(n) * Double(n) * Double(n) / sgemmSeconds(m: n, n: n, k: n, transposeB: false, repeats: 5) / 1e9)
    }
    return best
}

/// Best time of `repeats` bare cblas_sgemm calls C (m, n) = A (m, k) · B on random data, B being
/// (k, n), or (n, k) used transposed.
func sgemmSeconds(m: Int, n: Int, k: Int, transposeB: Bool, repeats: Int) -> Double {
    var rng = SeededRNG(seed: UInt64(m * n + k))
    let a = (0..<(m * k)).map { _ in rng.nextNormal() }
    let b = (0..<(k * n)).map { _ in rng.nextNormal() }
    var c = [Float](repeating: 0, count: m * n)
    return benchBestOf(repeats) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n),
                        Int32(k), 1,
                        pa.baseAddress, Int32(k), pb.baseAddress, Int32(transposeB ? k : n), 0, pc.baseAddress, Int32(n)
                    )
                }
            }
        }
    }
}

/// Fastest wall-clock time of `repeats` runs of `body`, after one warm-up run.
func benchBestOf(_ repeats: Int, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}
