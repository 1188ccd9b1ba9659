// MatmulVectorTests: the one-row (matrix-vector) BLAS path against the naive Double reference,
// for both layouts of B and a transposed one-column A. Tolerance 1e-4 absolute: k = 300 products
// of values in [-1, 1] accumulated in Float (≈ √k · 2⁻²⁴ · k relative noise is far below it).
import ArbiterCore
import ArbiterTensor
import Testing

@Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
func oneRowMatmulMatchesReference(transposeA: Bool, transposeB: Bool) {
    var rng = SeededRNG(seed: 7)
    let k = 300
    let n = 257
    let a = Tensor.randomUniform(transposeA ? [k, 1] : [1, k], in: -1...1, using: &rng)
    let b = Tensor.randomUniform(transposeB ? [n, k] : [k, n], in: -1...1, using: &rng)
    let c = a.matmul(b, transposeA: transposeA, transposeB: transposeB)
    #expect(c.shape == [1, n])
    let av = a.scalars
    let bv = b.scalars
    var worst = 0.0
    for j in 0..<n {
        var sum = 0.0
        for p in 0..<k {
            let bpj = transposeB ? bv[j * k + p] : bv[p * n + j]
            sum += Double(av[p]) * Double(bpj)
        }
        worst = max(worst, abs(sum - Double(c.scalars[j])))
    }
    #expect(worst < 1e-4)
}
