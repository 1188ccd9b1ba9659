// ScheduleTests: LRSchedule at the steps that define each schedule (first step, end of warmup,
// midpoint, end, past the end) against values worked out by hand.
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct ScheduleTests {
    let base: Float = 0.5

    @Test func constant() {
        for step in [0, 1, 1000] { #expect(LRSchedule.constant.learningRate(at: step, base: base) == base) }
    }

    @Test func linearWarmupThenConstant() {
        let s = LRSchedule.linearWarmup(warmupSteps: 10, then: .constant)
        #expect(s.learningRate(at: 0, base: base) == 0.05)  // base·1/10
        #expect(s.learningRate(at: 4, base: base) == 0.25)  // base·5/10
        #expect(s.learningRate(at: 9, base: base) == base)
        #expect(s.learningRate(at: 10, base: base) == base)
        #expect(s.learningRate(at: 5000, base: base) == base)
        #expect(s.learningRate(at: -3, base: base) == 0.05)
    }

    @Test func linearWarmupThenDecayToZero() {
        let s = LRSchedule.linearWarmup(warmupSteps: 10, then: .linearDecayToZero(totalSteps: 110))
        #expect(s.learningRate(at: 9, base: base) == base)
        #expect(s.learningRate(at: 10, base: base) == base)
        #expect(s.learningRate(at: 60, base: base) == 0.25)  // halfway through the 100 decay steps
        #expect(s.learningRate(at: 85, base: base) == 0.125)
        #expect(s.learningRate(at: 110, base: base) == 0)
        #expect(s.learningRate(at: 500, base: base) == 0)
        let noWarmup = LRSchedule.linearWarmup(warmupSteps: 0, then: .linearDecayToZero(totalSteps: 4))
        #expect(noWarmup.learningRate(at: 0, base: 1) == 1)
        #expect(noWarmup.learningRate(at: 1, base: 1) == 0.75)
        let empty = LRSchedule.linearWarmup(warmupSteps: 5, then: .linearDecayToZero(totalSteps: 5))
        #expect(empty.learningRate(at: 5, base: 1) == 0)
    }

    @Test func cosineWithWarmupAndFloor() {
        let s = LRSchedule.cosine(warmupSteps: 10, totalSteps: 110, minLR: 0.05)
        #expect(s.learningRate(at: 0, base: base) == 0.05)
        #expect(s.learningRate(at: 10, base: base) == base)
        // Midpoint: cos(π/2) = 0, so (base + min)/2.
        #expect(isClose(Double(s.learningRate(at: 60, base: base)), 0.275, absolute: 1e-7))
        // A quarter in: min + ½(1 + cos(π/4))(base − min).
        let quarter = 0.05 + 0.5 * (1 + 2.0.squareRoot() / 2) * 0.45
        #expect(isClose(Double(s.learningRate(at: 35, base: base)), quarter, absolute: 1e-7))
        #expect(isClose(Double(s.learningRate(at: 110, base: base)), 0.05, absolute: 1e-9))
        #expect(s.learningRate(at: 10_000, base: base) == 0.05)
        // Monotone non-increasing after warmup.
        let rates = (10...110).map { s.learningRate(at: $0, base: base) }
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 >= $1 })
    }
}
