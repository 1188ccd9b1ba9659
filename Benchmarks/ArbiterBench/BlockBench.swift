// BlockBench: forward + backward throughput of one Llama decoder block at SmolLM2-135M sizes
// (C 576, 9 query heads, 3 KV heads, head dim 64, SwiGLU FFN 1536), T 512, batch 1, against the
// best cblas_sgemm GFLOP/s measured in the same run: a one-block `LlamaModel` with random weights
// and a 64-token vocabulary (embedding, final norm and head are a rounding error next to the
// block). FLOPs are counted analytically (2 per multiply-add; backward = 2 × forward, the matmul
// convention; causal attention over the T(T+1)/2 visible pairs although the kernel computes the
// full square, and without its backward recomputation of the scores: useful work, a conservative
// rate). Also times the stages in isolation so a slow one stands out. A speed measurement, not a
// test.
import ArbiterCore
import ArbiterModels
import ArbiterTensor
import COpenBLAS
import Foundation

/// Multiply-add FLOPs of one block's forward over (batch, T) tokens: the seven projections plus
/// causal attention over the visible (query, key) pairs (q·kᵀ and P·v).
private func blockForwardFLOPs(_ c: LlamaConfiguration, batch: Int, tokens t: Int) -> Double {
    let (dim, d) = (Double(c.hiddenSize), Double(c.headDimension))
    let (qd, kvd) = (Double(c.headCount) * d, Double(c.keyValueHeadCount) * d)
    let n = Double(batch * t)
    let projections = 2 * n * dim * (qd + 2 * kvd + qd) + 2 * n * dim * Double(c.feedForwardSize) * 3
    let attention = 2 * Double(batch * c.headCount) * Double(t) * Double(t + 1) / 2 * d * 2
    return projections + attention
}

/// Prints the block's GFLOP/s and its fraction of the measured sgemm peak.
func blockBenchmark() {
    let (b, t) = (1, 512)
    var rng = SeededRNG(seed: 576)
    let model: LlamaModel
    do {
        let cfg = try LlamaConfiguration(
            layerCount: 1, hiddenSize: 576, feedForwardSize: 1536, headCount: 9, keyValueHeadCount: 3,
            ropeTheta: 100_000, rmsNormEpsilon: 1e-5, contextLength: 2048, vocabularySize: 64)
        var parameters = Parameters()
        for (name, shape) in [
            ("token_embd.weight", [64, 576]), ("blk.0.attn_norm.weight", [576]), ("blk.0.attn_q.weight", [576, 576]),
            ("blk.0.attn_k.weight", [192, 576]), ("blk.0.attn_v.weight", [192, 576]),
            ("blk.0.attn_output.weight", [576, 576]), ("blk.0.ffn_norm.weight", [576]),
            ("blk.0.ffn_gate.weight", [1536, 576]), ("blk.0.ffn_up.weight", [1536, 576]),
            ("blk.0.ffn_down.weight", [576, 1536]), ("output_norm.weight", [576]),
        ] {
            let isNorm = name.hasSuffix("norm.weight")
            parameters.add(
                name, isNorm ? Tensor.ones(shape) : Tensor.randomNormal(shape, standardDeviation: 0.02, using: &rng))
        }
        model = try LlamaModel(configuration: cfg, parameters: parameters)
    } catch {
        print("block: \(error)")
        return
    }
    let cfg = model.configuration
    let tokens = [(0..<t).map { $0 % 64 }]
    let w = { (name: String) in model.parameters["blk.0." + name + ".weight"]! }
    let repeats = 10  // best of 10: the shared 2-core machine is noisy

    let forwardFLOPs = blockForwardFLOPs(cfg, batch: b, tokens: t)
    let totalFLOPs = 3 * forwardFLOPs
    let forwardSeconds = benchBestOf(repeats) { _ = Tensor.noGrad { model.finalHiddenStates(tokens: tokens) } }
    let trainSeconds = benchBestOf(repeats) {
        model.parameters.zeroGrad()
        model.finalHiddenStates(tokens: tokens).sum().backward()
    }
    let peak = sgemmPeak()

    // Stages, forward only, in isolation (no tape).
    let x = Tensor.randomNormal([b, t, 576], using: &rng)  // (B, T, C)
    let xn = Tensor.noGrad { x.rmsNorm(weight: w("attn_norm")) }  // (B, T, C)
    // (B, H, T, D)
    let q = Tensor.noGrad { xn.matmul(w("attn_q"), transposeB: true).reshaped([b, t, 9, 64]).permuted([0, 2, 1, 3]) }
    // (B, Hkv, T, D)
    let kv = Tensor.noGrad { xn.matmul(w("attn_k"), transposeB: true).reshaped([b, t, 3, 64]).permuted([0, 2, 1, 3]) }
    // q·kᵀ and P·v, visible pairs
    let attentionFLOPs: Double = 4 * Double(b * 9 * 64) * Double(t * (t + 1) / 2)
    let stages: [(String, Double, () -> Void)] = [
        (
            "qkvo projections", 2 * Double(b * t * 576) * Double(2 * 576 + 2 * 192),
            {
                _ = Tensor.noGrad {
                    ["attn_q", "attn_k", "attn_v", "attn_output"].map { xn.matmul(w($0), transposeB: true) }
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
            "SwiGLU MLP", 6 * Double(b * t * 576 * 1536),
            {
                _ = Tensor.noGrad {
                    xn.matmul(w("ffn_gate"), transposeB: true).siluGated(by: xn.matmul(w("ffn_up"), transposeB: true))
                        .matmul(w("ffn_down"), transposeB: true)
                }
            }
        ),
        (
            "rmsNorm + rope + permutes", 0,
            {
                _ = Tensor.noGrad {
                    [x.rmsNorm(weight: w("attn_norm")), q.rope(layout: .interleaved), q.permuted([0, 2, 1, 3])]
                }
            }
        ),
    ]

    print(
        "Llama block C 576, heads 9/3 (GQA), head dim 64, FFN 1536 SwiGLU, T \(t), batch \(b); BLAS threads \(BLASThreads.current), cores \(ProcessInfo.processInfo.activeProcessorCount)"
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
