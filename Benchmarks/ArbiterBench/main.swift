// ArbiterBench: speed measurements (not tests). `swift run -c release ArbiterBench --help`.
// Each suite prints a table with the peer measured in the same run; RESULTS.md records them.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let suites: [String: () -> Void] = [
    "gemm": gemmBenchmark,
    "block": blockBenchmark,
    "minilm": miniLMBenchmark,
    "agreement": agreementBenchmark,
    "judge": judgeBenchmark,
    "prefill": prefillBenchmark,
    "prefill-quantized": quantizedPrefillBenchmark,
    "decode": decodeBenchmark,
    "decode-paths": decodePathsBenchmark,
    "gemv": gemvBenchmark,
    "gemm-shapes": gemmShapesBenchmark,
    "train": trainJudgeBenchmark,
]
if arguments.isEmpty || arguments.contains("--help") {
    print("usage: ArbiterBench SUITE...  (suites: \(suites.keys.sorted().joined(separator: ", ")))")
} else {
    for name in arguments {
        guard let run = suites[name] else {
            FileHandle.standardError.write(Data("unknown suite \(name)\n".utf8))
            exit(2)
        }
        run()
    }
}
