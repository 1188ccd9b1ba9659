import ArbiterAgreement
// AgreementBench: Krippendorff's α (ordinal, 5 levels) on 100,000 items × 5 raters with 10 % missing
// (seeded), and a 2,000-resample percentile bootstrap of α, timed in Swift (best of 3), beside the
// previous single-α pass (a per-item count table and V² loop, kept here only as the "before" row);
// then the python `krippendorff` package run on the same data file as a subprocess (Benchmarks/
// scripts/krippendorff_peer.py, also best of 3) so α can be checked equal and the timings compared
// in one run. Not a test.
import ArbiterCore
import Foundation

/// Wall-clock seconds of `body`.
private func seconds<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let out = try body()
    return (out, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

/// Raters × items ordinal scores 1…5 around a per-item truth, 10 % missing, from a seeded generator.
private func agreementBenchData(raters: Int, items: Int, seed: UInt64) -> [[Double?]] {
    var rng = SplitMix64(seed: seed)
    let truth = (0..<items).map { _ in 1 + Int(rng.next(below: 5)) }
    return (0..<raters).map { _ in
        truth.map { t -> Double? in
            if rng.next(below: 10) == 0 { return nil }
            let noise = Int(rng.next(below: 5)) - 2  // −2…2, mostly small after clamping
            let shift = abs(noise) == 2 && rng.next(below: 2) == 0 ? noise / 2 : noise
            return Double(min(5, max(1, t + shift)))
        }
    }
}

/// The single-α pass Arbiter used before the integer-code/histogram path (commit 0c20354): value
/// counts per item (items, V) from rater rows, then each item's V² count pairs into o. "Before" only.
private func previousOrdinalAlpha(_ rows: [[Double?]], domain: [Double]) -> Double? {
    let v = domain.count
    let n = rows.first?.count ?? 0
    let first = domain[0]
    var counts = [Int32](repeating: 0, count: n * v)  // (items, V)
    for row in rows {
        for i in 0..<n {
            guard let x = row[i] else { continue }
            let d = x - first
            guard d >= 0, d < Double(v), d == d.rounded() else { return nil }
            counts[i * v + Int(d)] += 1
        }
    }
    var o = [Double](repeating: 0, count: v * v)  // (V·V,)
    for i in 0..<n {
        let base = i * v
        var m: Int32 = 0
        for c in 0..<v { m += counts[base + c] }
        guard m >= 2 else { continue }
        let scale = 1.0 / Double(m - 1)
        for c in 0..<v where counts[base + c] > 0 {
            let nc = Int(counts[base + c])
            for k in 0..<v where counts[base + k] > 0 {
                o[c * v + k] += Double(c == k ? nc * (nc - 1) : nc * Int(counts[base + k])) * scale
            }
        }
    }
    var nV = [Double](repeating: 0, count: v)
    for c in 0..<v { for k in 0..<v { nV[c] += o[c * v + k] } }
    let total = nV.reduce(0, +)
    var observed = 0.0
    var expected = 0.0
    for c in 0..<v {
        for k in 0..<v where c != k {
            var s = 0.0
            for g in min(c, k)...max(c, k) { s += nV[g] }
            let d = (s - (nV[c] + nV[k]) / 2) * (s - (nV[c] + nV[k]) / 2)
            observed += o[c * v + k] * d
            expected += nV[c] * nV[k] / (total - 1) * d
        }
    }
    return expected == 0 ? nil : 1 - observed / expected
}

/// The agreement suite: prints Swift and python timings and the speedups.
func agreementBenchmark() {
    let raters = 5
    let items = 100_000
    let resamples = 2_000
    let env = ProcessInfo.processInfo.environment
    let peerResamples = Int(env["ARBITER_BENCH_PEER_RESAMPLES"] ?? "") ?? 100
    print("agreement: Krippendorff alpha, ordinal, \(items) items x \(raters) raters, 10% missing, seed 42")
    let rows = agreementBenchData(raters: raters, items: items, seed: 42)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-agreement-bench.csv")
    var csv = ""
    csv.reserveCapacity(raters * items * 4)
    for row in rows {
        csv += row.map { $0.map { String(Int($0)) } ?? "nan" }.joined(separator: ",")
        csv += "\n"
    }
    do {
        try Data(csv.utf8).write(to: path)
        let matrix = try RatingMatrix(rows)
        let domain: [Double] = [1, 2, 3, 4, 5]
        _ = try Agreement.krippendorffAlpha(matrix, level: .ordinal, domain: domain)  // warm-up
        var swiftPoint = Double.infinity
        var previousPoint = Double.infinity
        var alpha: Double? = nil
        var previousAlpha: Double? = nil
        for _ in 0..<3 {
            let (a, t) = try seconds { try Agreement.krippendorffAlpha(matrix, level: .ordinal, domain: domain) }
            alpha = a
            swiftPoint = min(swiftPoint, t)
            let (p, tp) = seconds { previousOrdinalAlpha(rows, domain: domain) }
            previousAlpha = p
            previousPoint = min(previousPoint, tp)
        }
        let boot = try Bootstrap(replicates: resamples, seed: 7)
        var swiftBoot = Double.infinity
        var ci: ConfidenceInterval? = nil
        for _ in 0..<3 {
            let (c, t) = try seconds {
                try Agreement.krippendorffAlphaBootstrap(matrix, level: .ordinal, domain: domain, bootstrap: boot)
            }
            ci = c
            swiftBoot = min(swiftBoot, t)
        }
        print(
            String(
                format:
                    "  swift  alpha = %.12f   point %.4f s (best of 3; previous pass %.4f s, alpha %.12f)   bootstrap %d resamples %.3f s (best of 3)  CI [%.4f, %.4f]  (%d cores)",
                alpha ?? .nan, swiftPoint, previousPoint, previousAlpha ?? .nan, resamples, swiftBoot,
                ci?.low ?? .nan, ci?.high ?? .nan, ProcessInfo.processInfo.activeProcessorCount))

        let benchmarks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        // The peers' venv that Benchmarks/scripts/setup-peers.sh makes, unless ARBITER_BENCH_PYTHON names another.
        let python =
            env["ARBITER_BENCH_PYTHON"] ?? benchmarks.appendingPathComponent(".peers/venv/bin/python").path
        let script = benchmarks.appendingPathComponent("scripts/krippendorff_peer.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path, path.path, String(peerResamples), "7"]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch {
            print(
                "  python peer not run (\(python): \(error.localizedDescription)); set ARBITER_BENCH_PYTHON to a python with krippendorff + numpy"
            )
            return
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let peer = try JSONSerialization.jsonObject(with: output) as? [String: Any],
            let pAlpha = peer["alpha"] as? Double, let pPoint = peer["alpha_seconds"] as? Double,
            let pBoot = peer["bootstrap_seconds"] as? Double
        else {
            print(
                "  python peer failed (exit \(process.terminationStatus)): \(String(decoding: output, as: UTF8.self))")
            return
        }
        let perResample = pBoot / Double(max(peerResamples, 1))
        let pBootFull = perResample * Double(resamples)
        print(
            String(
                format:
                    "  python alpha = %.12f   point %.4f s   bootstrap %d resamples %.3f s (%.4f s each; %d extrapolated: %.1f s)  CI [%.4f, %.4f]  krippendorff %@",
                pAlpha, pPoint, peerResamples, pBoot, perResample, resamples, pBootFull,
                peer["ci_low"] as? Double ?? .nan, peer["ci_high"] as? Double ?? .nan,
                (peer["krippendorff_version"] as? String) ?? "?"))
        print(String(format: "  |alpha swift - alpha python| = %.3g", abs((alpha ?? .nan) - pAlpha)))
        print(
            String(
                format: "  speedup: point alpha %.1fx (previous pass %.1fx), bootstrap (%d resamples) %.1fx",
                pPoint / swiftPoint, pPoint / previousPoint, resamples, pBootFull / swiftBoot))
    } catch {
        print("  agreement benchmark failed: \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
    }
}
