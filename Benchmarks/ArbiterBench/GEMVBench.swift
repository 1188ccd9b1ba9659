// GEMVBench: the quantised matrix-vector products of one SmolLM2-135M decode token, alone (no
// norms, attention or sampling): per block the fused q/k/v job, the output projection, the fused
// gate/up job and the down projection, then the LM head. Reports ms per token and the weight
// bytes read per second, next to a plain 2-thread streaming read of the same bytes (the memory
// bound). Suite "gemv". Model from the cache or `ARBITER_DECODE_MODEL=<gguf>`.
import ArbiterCore
import ArbiterModels
import ArbiterTensor
import Foundation

/// Prints the products' time per token and their read rate.
func gemvBenchmark() {
    let file: GGUFFile
    do {
        let env = ProcessInfo.processInfo.environment["ARBITER_DECODE_MODEL"]
        file = try GGUFFile(
            contentsOf: env.map { URL(fileURLWithPath: $0) } ?? ModelStore().resolve("smollm2-135m").url)
    } catch {
        print("gemv: cannot load the model (\(error.localizedDescription))")
        return
    }
    func matrix(_ name: String) -> QuantizedMatrix? {
        file.tensor(named: name).flatMap { try? QuantizedMatrix(file: file, info: $0) }
    }
    var jobs: [[QuantizedMatrix]] = []
    for l in 0..<1000 {
        let p = "blk.\(l)."
        guard let q = matrix(p + "attn_q.weight"), let k = matrix(p + "attn_k.weight"),
            let v = matrix(p + "attn_v.weight"),
            let o = matrix(p + "attn_output.weight"), let g = matrix(p + "ffn_gate.weight"),
            let u = matrix(p + "ffn_up.weight"),
            let d = matrix(p + "ffn_down.weight")
        else { break }
        jobs += [[q, k, v], [o], [g, u], [d]]
    }
    if let head = matrix("output.weight") ?? matrix("token_embd.weight") { jobs.append([head]) }
    let bytes = jobs.joined().reduce(0) { $0 + $1.rows * $1.columns / $1.type.blockSize * $1.type.typeSize }
    var rng = SeededRNG(seed: 7)
    let inputs = Dictionary(jobs.joined().map { ($0.columns, 0) }, uniquingKeysWith: { a, _ in a }).keys.map { c in
        (c, (0..<c).map { _ in rng.nextNormal() })
    }
    let activations = Dictionary(
        uniqueKeysWithValues: inputs.map { c, x in
            (c, x.withUnsafeBufferPointer { QuantizedActivations($0, rows: 1, columns: c) })
        })
    func token() -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for job in jobs { _ = QuantizedMatrix.multiply(job, activations[job[0].columns]!) }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    for _ in 0..<5 { _ = token() }
    var times = (0..<50).map { _ in token() }.sorted()
    let best = times[0]
    let median = times[times.count / 2]
    times.removeAll()
    print(
        String(
            format:
                "gemv: %d products, %.1f MB of weights per token: best %.2f ms (%.1f GB/s), median %.2f ms (%.1f GB/s), %d threads",
            jobs.count, Double(bytes) / 1e6, best * 1e3, Double(bytes) / best / 1e9, median * 1e3,
            Double(bytes) / median / 1e9,
            WorkerPool.shared.workerCount + 1))
}
