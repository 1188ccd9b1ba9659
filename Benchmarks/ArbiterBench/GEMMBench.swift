// GEMMBench: GFLOP/s of Tensor.matmul (allocation + cblas_sgemm + tape bookkeeping under noGrad)
// against a bare cblas_sgemm call on preallocated buffers, for square sizes 256…2048.
// A speed measurement, not a test. Register as suite "gemm" in main.swift.
import ArbiterCore
import ArbiterTensor
import COpenBLAS
import Foundation

/// Prints a table of single-precision square matmul throughput, Tensor.matmul vs cblas_sgemm.
func gemmBenchmark() {
    print("size   Tensor.matmul GFLOP/s   cblas_sgemm GFLOP/s   ratio   (BLAS threads: \(BLASThreads.current))")
    for n in [256, 512, 1024, 2048] {
        var rng = SeededRNG(seed: UInt64(n))
        let a = Tensor.randomNormal([n, n], using: &rng)
        let b = Tensor.randomNormal([n, n], using: &rng)
        let flops = 2 * Double(n) * Double(n) * Double(n)
        let repeats = max(3, Int(4e9 / flops))

        let tensorSeconds = bestOf(repeats) {
            let c = Tensor.noGrad { a.matmul(b) }
            precondition(c.count == n * n)
        }
        let av = a.scalars
        let bv = b.scalars
        var cv = [Float](repeating: 0, count: n * n)
        let blasSeconds = bestOf(repeats) {
            av.withUnsafeBufferPointer { pa in
                bv.withUnsafeBufferPointer { pb in
                    cv.withUnsafeMutableBufferPointer { pc in
                        cblas_sgemm(
                            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1,
                            pa.baseAddress, Int32(n), pb.baseAddress, Int32(n), 0, pc.baseAddress, Int32(n))
                    }
                }
            }
        }
        let t = flops / tensorSeconds / 1e9
        let c = flops / blasSeconds / 1e9
        print(
            String(
                format: "%5d   %21.1f   %19.1f   %5.2f", n, t, c, t / c))
    }
}

/// Fastest wall-clock time of `repeats` runs of `body`, after one warm-up run.
private func bestOf(_ repeats: Int, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}
