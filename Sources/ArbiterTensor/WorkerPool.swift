// WorkerPool: a small pool of persistent threads for the many short parallel loops of a decode
// step (each quantised product or one-token attention takes tens of microseconds; a decode token
// runs about 200 of them). Waking threads through the kernel for every product (Dispatch's concurrentPerform)
// costs as much as the product, so, as llama.cpp's thread pool does, idle workers poll an atomic
// generation counter for a short while (`spinNanoseconds`, 1 ms) before sleeping on a condition.
// A caller whose job is long and is followed by work on other threads (a prefill's products, then
// BLAS and Dispatch) passes `spinAfter: false`, and the workers sleep at once instead of taking a
// core from those threads. The caller thread takes part in the work. One job at a time: a caller that finds the pool busy
// (another thread's job) runs its loop alone. Inference only; not a general scheduler.
import CArbiterKernels
import Foundation
import Synchronization

package final class WorkerPool: @unchecked Sendable {
    /// One pool for the process: the active processor count minus the caller, at most 7.
    package static let shared = WorkerPool(workers: min(max(ProcessInfo.processInfo.activeProcessorCount - 1, 0), 7))

    /// Threads besides the caller.
    package let workerCount: Int
    /// How long an idle worker polls before it sleeps.
    private let spinNanoseconds: UInt64 = 1_000_000

    private let generation = Atomic<Int>(0)  // bumped once per job
    private let nextPart = Atomic<Int>(0)  // parts claimed so far in the current job
    private let unfinished = Atomic<Int>(0)  // workers still inside the current job
    private let sleepers = Atomic<Int>(0)
    private let condition = NSCondition()
    private let busy = NSLock()  // held by the thread whose job is running
    // Written by the caller before `generation` is bumped (release), read by workers after they
    // see the new generation (acquire); valid until `unfinished` returns to 0.
    nonisolated(unsafe) private var job: ((Int) -> Void)?
    nonisolated(unsafe) private var partCount = 0
    nonisolated(unsafe) private var spinAfterJob = true

    init(workers: Int) {
        workerCount = workers
        for index in 0..<workers {
            let thread = Thread { [unowned self] in self.workerLoop() }
            thread.name = "arbiter-worker-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Calls `body(i)` for every i in 0..<parts, spread over the workers and the caller; returns
    /// when all have finished. `body` must only write memory that part i owns. With `spinAfter`
    /// false the workers sleep right after this job rather than polling for the next one.
    package func run(parts: Int, spinAfter: Bool = true, _ body: (Int) -> Void) {
        guard parts > 1, workerCount > 0, busy.try() else {
            for i in 0..<parts { body(i) }
            return
        }
        defer { busy.unlock() }
        withoutActuallyEscaping(body) { body in
            job = body
            partCount = parts
            spinAfterJob = spinAfter
            nextPart.store(0, ordering: .relaxed)
            unfinished.store(workerCount, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
            work(body, parts: parts)
            while unfinished.load(ordering: .acquiring) > 0 { arbiter_cpu_relax() }
            job = nil
        }
    }

    /// Claims and runs parts until none are left.
    private func work(_ body: (Int) -> Void, parts: Int) {
        while true {
            let i = nextPart.add(1, ordering: .relaxed).newValue - 1
            if i >= parts { return }
            body(i)
        }
    }

    @inline(never)
    private func runPostedJob() {
        guard let body = job else { return }
        work(body, parts: partCount)
    }

    private func workerLoop() {
        var seen = 0  // the generation at creation: a job posted before this thread ran is still seen
        var spin = true
        while true {
            var spins = 0
            var deadline: UInt64 = 0
            while generation.load(ordering: .acquiring) == seen {
                spins &+= 1
                if spins & 1023 != 0 {
                    arbiter_cpu_relax()
                    continue
                }
                let now = DispatchTime.now().uptimeNanoseconds
                if deadline == 0 { deadline = now + (spin ? spinNanoseconds : 0) }
                if now < deadline { continue }
                condition.lock()
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen { condition.wait() }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                condition.unlock()
            }
            seen = generation.load(ordering: .acquiring)
            spin = spinAfterJob
            runPostedJob()  // returns only after releasing its reference to the caller's closure
            unfinished.subtract(1, ordering: .releasing)
        }
    }
}
