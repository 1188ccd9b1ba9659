import ArbiterCore
import ArbiterTestSupport
import Testing

// OpCase: one op application to check, forward against its naive Double reference and backward
// against central differences of that reference (GradientCheck). `covers` names the primitive
// `Op`s the case exercises; the listing test requires every `Op.allCases` to be covered.
@testable import ArbiterTensor

struct OpCase: Sendable, CustomTestStringConvertible {
    enum Values: Sendable {
        case normal  // N(0, 1)
        case positive  // U(0.5, 2): for log, sqrt, pow and denominators
        case fixed([Float])
    }

    let name: String
    let covers: [Op]
    let inputs: [(shape: [Int], values: Values)]
    let forward: @Sendable ([Tensor]) -> Tensor
    let reference: @Sendable ([[Double]]) -> [Double]
    /// max |Float32 forward − Double reference|. Default 1e-5: inputs are O(1), each output is a
    /// short chain (≤ ~20 roundings of relative size 6e-8), so error stays below ~2e-6; the
    /// margin covers transcendental functions (≤ 1 ulp each).
    var forwardTolerance: Double = 1e-5
    /// Gradient passes when |analytic − numeric| ≤ gradAbsolute + gradRelative·|numeric|.
    /// Analytic gradients are Float32 (relative error ~1e-6 per op); the numeric ones are Double
    /// central differences (error ≪ 1e-8), so 1e-4 absolute + 1e-3 relative leaves a 100×
    /// margin over Float32 noise yet catches any wrong derivative (errors O(0.1–1)).
    var gradAbsolute: Double = 1e-4
    var gradRelative: Double = 1e-3

    var testDescription: String { name }

    func makeInputs(seed: UInt64 = 42) -> [(values: [Float], shape: [Int])] {
        var rng = SeededRNG(seed: seed)
        return inputs.map { spec in
            let n = spec.shape.reduce(1, *)
            switch spec.values {
            case .normal: return ((0..<n).map { _ in rng.nextNormal() }, spec.shape)
            case .positive: return ((0..<n).map { _ in 0.5 + 1.5 * rng.nextUnitFloat() }, spec.shape)
            case .fixed(let v): return (v, spec.shape)
            }
        }
    }

    func run() -> GradientCheck.Report {
        GradientCheck.check(inputs: makeInputs(), forward: forward, reference: reference)
    }
}
