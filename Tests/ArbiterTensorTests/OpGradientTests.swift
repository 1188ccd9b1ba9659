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

    @Test func gradientTableHasARuleForEveryOp() {
        #expect(Set(GradientTable.table.keys) == Set(Op.allCases))
    }
}
