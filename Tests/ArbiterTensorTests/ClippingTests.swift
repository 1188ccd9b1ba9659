// ClippingTests: global-norm computation and clipping over several buffers (3-4-12-13 triangle),
// the no-op below the threshold, and non-finite norms left alone.
import ArbiterTensor
import ArbiterTestSupport
import Testing

@Suite struct ClippingTests {
    @Test func clipsByGlobalNorm() {
        var gradients: [[Float]] = [[3, 4], [12], []]
        let norm = GradientClipping.clipGlobalNorm(&gradients, maxNorm: 6.5)
        #expect(norm == 13)
        let scale = 6.5 / (13 + 1e-6)
        #expect(maxAbsDifference(gradients.flatMap { $0 }, [3 * scale, 4 * scale, 12 * scale]) < 1e-6)
        let after = gradients.flatMap { $0 }.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(isClose(after, 6.5, absolute: 1e-5))
    }

    @Test func leavesSmallGradientsAlone() {
        var gradients: [[Float]] = [[0.3, 0.4]]
        #expect(isClose(GradientClipping.clipGlobalNorm(&gradients, maxNorm: 1), 0.5, absolute: 1e-7))
        #expect(gradients == [[0.3, 0.4]])
    }

    @Test func normIsAccumulatedInDouble() {
        // 1e20² overflows Float but not Double.
        let big: [Float] = [1e20, 1e20]
        let norm = big.withUnsafeBufferPointer { GradientClipping.globalNorm([$0]) }
        #expect(isClose(norm, 1e20 * 2.0.squareRoot(), absolute: 0, relative: 1e-6))
    }

    @Test func nonFiniteNormLeavesGradients() {
        var gradients: [[Float]] = [[.nan, 1], [2]]
        #expect(GradientClipping.clipGlobalNorm(&gradients, maxNorm: 1).isNaN)
        #expect(gradients[1] == [2] && gradients[0][1] == 1)
        var infinite: [[Float]] = [[.infinity, 1]]
        #expect(GradientClipping.clipGlobalNorm(&infinite, maxNorm: 1) == .infinity)
        #expect(infinite[0][1] == 1)
    }
}
