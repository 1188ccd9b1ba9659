import ArbiterTestSupport
import Testing

// OpGradientTests: every case of OpCases checked forward-vs-reference and by finite differences,
// plus the listing test that fails when an `Op` has no gradient-check case.
@testable import ArbiterTensor

@Suite struct OpGradientTests {
    @Test(arguments: OpCases.all)
    func forwardMatchesNaiveReference(_ c: OpCase) {
        let report = c.run()
        #expect(report.forwardMaxAbs <= c.forwardTolerance, "\(c.name): \(report)")
    }

    @Test(arguments: OpCases.all)
    func gradientMatchesFiniteDifferences(_ c: OpCase) {
        let report = c.run()
        let ratio = report.gradientErrorRatio(absolute: c.gradAbsolute, relative: c.gradRelative)
        #expect(ratio <= 1, "\(c.name): \(report), error ratio \(ratio)")
        // Guard against a vacuous pass: the check must have produced a non-zero gradient.
        #expect(report.numeric.joined().contains { $0 != 0 }, "\(c.name): numeric gradient is all zero")
    }

    @Test func everyOpHasAGradientCheck() {
        let covered = Set(OpCases.all.flatMap(\.covers))
        let missing = Op.allCases.filter { !covered.contains($0) }
        #expect(missing.isEmpty, "ops without a gradient-check case: \(missing)")
    }

    /// A case's `covers` must be true: its forward records every op it claims on the tape (else
    /// `everyOpHasAGradientCheck` could pass on a case that never runs the op).
    @Test(arguments: OpCases.all)
    func caseRecordsTheOpsItCovers(_ c: OpCase) {
        let inputs = c.makeInputs().map { Tensor($0.values, shape: $0.shape, requiresGrad: true) }
        let out = c.forward(inputs)
        var recorded: Set<Op> = []
        var stack = [out]
        var seen: Set<ObjectIdentifier> = []
        while let t = stack.popLast() {
            guard seen.insert(ObjectIdentifier(t)).inserted, let node = t.node else { continue }
            recorded.insert(node.op)
            stack += node.inputs
        }
        let claimed = Set(c.covers)
        #expect(
            claimed.isSubset(of: recorded), "\(c.name): covers \(claimed.subtracting(recorded)) but never records them")
    }
}
