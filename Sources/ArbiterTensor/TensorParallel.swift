// TensorParallel: splits large elementwise / row work over the available cores with
// DispatchQueue.concurrentPerform; small work runs serially on the caller's thread.
// Not a scheduler: no work stealing, no nesting (inner calls run serially).
import Foundation

enum TensorParallel {
    /// Work (in elements, or row-length × rows) below which splitting costs more than it saves.
    static let minimumWork = 1 << 16
    static let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body` on disjoint subranges covering `0..<count`, in parallel when
    /// `count * costPerItem` exceeds `minimumWork`. `body` must only write its own subrange.
    static func forEachChunk(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = min(workers, count)
        if chunks <= 1 || count * costPerItem < minimumWork {
            if count > 0 { body(0..<count) }
            return
        }
        // concurrentPerform wants a @Sendable closure; `body` is not one because it captures raw
        // buffer pointers. That is sound here: each call touches only its own subrange, and
        // concurrentPerform returns only after every call has finished (so nothing escapes).
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendableBox(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = count * c / chunks
                let hi = count * (c + 1) / chunks
                if lo < hi { box.value(lo..<hi) }
            }
        }
    }
}

/// Carries a value into a `@Sendable` closure whose concurrent use the caller has proven safe.
struct UncheckedSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
