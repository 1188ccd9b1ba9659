// GradientCheck: the finite-difference gradient checker shared by tensor and model tests.
// It compares the analytic gradient of a Tensor op (from backward()) with central differences
// of a naive reference evaluated in Double, through the scalar loss L = Σ output · w for a fixed
// random weight tensor w (so every output element's gradient is exercised with a distinct weight).
// Not an op test by itself: callers choose shapes, references and tolerances.
import ArbiterCore
import ArbiterTensor

/// Finite-difference gradient checking against Double references.
public enum GradientCheck {
    /// Central differences ∂f/∂x_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h, all in Double.
    /// With a smooth Double f, truncation error is O(h²) and rounding O(ε/h); h = 1e-5 keeps both
    /// far below Float32 noise.
    public static func numericGradient(of f: ([Double]) -> Double, at x: [Double], step h: Double = 1e-5) -> [Double] {
        var x = x
        var result = [Double](repeating: 0, count: x.count)
        for i in x.indices {
            let saved = x[i]
            x[i] = saved + h
            let plus = f(x)
            x[i] = saved - h
            let minus = f(x)
            x[i] = saved
            result[i] = (plus - minus) / (2 * h)
        }
        return result
    }

    /// Outcome of checking one op application.
    public struct Report: CustomStringConvertible {
        /// max |fast forward − reference forward|.
        public var forwardMaxAbs: Double
        /// Per input: analytic gradient (Float32, from backward) and numeric gradient (Double).
        public var analytic: [[Float]]
        public var numeric: [[Double]]

        /// Largest |analytic − numeric| / (absolute + relative·|numeric|) over all inputs; ≤ 1 passes.
        public func gradientErrorRatio(absolute: Double, relative: Double) -> Double {
            var worst = 0.0
            for (a, n) in zip(analytic, numeric) {
                guard a.count == n.count else { return .infinity }
                for (x, y) in zip(a, n) {
                    let r = abs(Double(x) - y) / (absolute + relative * abs(y))
                    if r.isNaN { return .infinity }
                    worst = max(worst, r)
                }
            }
            return worst
        }

        /// Largest |analytic − numeric| over all inputs.
        public var gradientMaxAbs: Double {
            zip(analytic, numeric).map { maxAbsDifference($0, $1) }.max() ?? 0
        }

        public var description: String {
            "forward max |Δ| = \(forwardMaxAbs), gradient max |Δ| = \(gradientMaxAbs)"
        }
    }

    /// Runs `forward` on tensors built from `inputs` (each requiring grad), backpropagates
    /// L = Σ out·w, and compares with the reference: forward values and central differences of
    /// Σ reference(x)·w with respect to every element of every input.
    public static func check(
        inputs: [(values: [Float], shape: [Int])],
        forward: ([Tensor]) -> Tensor,
        reference: ([[Double]]) -> [Double],
        seed: UInt64 = 1234,
        step: Double = 1e-5
    ) -> Report {
        let tensors = inputs.map { Tensor($0.values, shape: $0.shape, requiresGrad: true) }
        let out = forward(tensors)
        var rng = SeededRNG(seed: seed)
        let w = Tensor.randomNormal(out.shape, using: &rng)
        out.multiplying(w).sum().backward()

        let x = inputs.map { $0.values.map(Double.init) }
        let forwardRef = reference(x)
        let weights = w.scalars.map(Double.init)
        func loss(_ xs: [[Double]]) -> Double {
            zip(reference(xs), weights).reduce(0) { $0 + $1.0 * $1.1 }
        }
        var numeric: [[Double]] = []
        for i in x.indices {
            numeric.append(
                numericGradient(
                    of: { xi in
                        var xs = x
                        xs[i] = xi
                        return loss(xs)
                    }, at: x[i], step: step))
        }
        let analytic = tensors.map { $0.grad?.scalars ?? [Float](repeating: 0, count: $0.count) }
        return Report(forwardMaxAbs: maxAbsDifference(out.scalars, forwardRef), analytic: analytic, numeric: numeric)
    }
}
