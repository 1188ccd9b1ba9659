import Foundation
import Testing

// WorkerPoolTests: every part of a job runs exactly once, on the caller and the workers, for
// jobs that let the workers spin afterwards and jobs that send them to sleep (`spinAfter: false`,
// the prefill products), including a job posted after the workers went to sleep, and a job
// posted from inside another (it runs alone on its caller).
@testable import ArbiterTensor

@Suite struct WorkerPoolTests {
    final class Counts: @unchecked Sendable {
        let values: UnsafeMutablePointer<Int>
        let count: Int
        init(_ count: Int) {
            self.count = count
            values = .allocate(capacity: count)
            values.initialize(repeating: 0, count: count)
        }
        deinit { values.deallocate() }
        var all: [Int] { Array(UnsafeBufferPointer(start: values, count: count)) }
    }

    @Test func everyPartRunsOnceWithAndWithoutSpinning() throws {
        let pool = WorkerPool.shared
        for (round, spin) in [true, false, false, true, false].enumerated() {
            let parts = 37 + round
            let counts = Counts(parts)
            pool.run(parts: parts, spinAfter: spin) { i in
                counts.values[i] += 1
                var x = 0.0
                for k in 0..<2_000 { x += Double(k).squareRoot() }  // long enough for a worker to join
                if x < 0 { counts.values[i] += 1 }
            }
            #expect(counts.all == [Int](repeating: 1, count: parts), "round \(round)")
            if !spin { Thread.sleep(forTimeInterval: 0.005) }  // workers are asleep: the next job must wake them
        }
    }

    @Test func nestedJobRunsOnItsCaller() {
        let outer = Counts(4)
        let inner = Counts(4 * 6)
        WorkerPool.shared.run(parts: 4, spinAfter: false) { i in
            outer.values[i] += 1
            WorkerPool.shared.run(parts: 6) { j in inner.values[i * 6 + j] += 1 }
        }
        #expect(outer.all == [1, 1, 1, 1])
        #expect(inner.all == [Int](repeating: 1, count: 24))
    }
}
