// RequestGate: admits at most `maxConcurrent` requests to the backend at once and lets at most
// `maxQueued` more wait, in arrival order; the next one is refused (the server answers 503).
// It is a plain FIFO counting semaphore as an actor; it does not time requests out.
import Foundation

actor RequestGate {
    let maxConcurrent: Int
    let maxQueued: Int
    private(set) var running = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var head = 0

    init(maxConcurrent: Int, maxQueued: Int) {
        precondition(maxConcurrent >= 1 && maxQueued >= 0, "RequestGate: maxConcurrent ≥ 1 and maxQueued ≥ 0")
        self.maxConcurrent = maxConcurrent
        self.maxQueued = maxQueued
    }

    /// Requests waiting for a slot.
    var queued: Int { waiters.count - head }

    /// Waits for a slot; false (at once) when the queue is full. A true answer must be paired
    /// with one `leave()`.
    func enter() async -> Bool {
        if running < maxConcurrent {
            running += 1
            return true
        }
        guard queued < maxQueued else { return false }
        // The continuation is stored before the actor can run anything else, so no leave() is lost.
        await withCheckedContinuation { waiters.append($0) }
        return true
    }

    /// Frees a slot: hands it to the oldest waiter, if any.
    func leave() {
        guard head < waiters.count else {
            running -= 1
            return
        }
        let next = waiters[head]
        head += 1
        if head > 64, head * 2 > waiters.count {
            waiters.removeFirst(head)
            head = 0
        }
        // `running` is unchanged: the slot passes straight to the waiter.
        next.resume()
    }
}
