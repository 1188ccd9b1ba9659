// RequestGate: admits at most `maxConcurrent` requests to the backend at once and lets at most
// `maxQueued` more wait, in arrival order; the next one is refused (the server answers 503). A
// waiter may give up after a time limit (its place is freed, the slot goes to the next one), so no
// request waits behind a long one forever. A FIFO counting semaphore as an actor.
import Foundation

actor RequestGate {
    /// How a request's wait ended.
    enum Admission: Equatable {
        case admitted
        /// The queue was full.
        case full
        /// It waited `limit` without getting a slot.
        case timedOut
    }

    let maxConcurrent: Int
    let maxQueued: Int
    private(set) var running = 0
    /// Waiters in arrival order; nil where one gave up.
    private var waiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)?] = []
    private var head = 0
    private var nextID = 0
    private(set) var queued = 0

    init(maxConcurrent: Int, maxQueued: Int) {
        precondition(maxConcurrent >= 1 && maxQueued >= 0, "RequestGate: maxConcurrent ≥ 1 and maxQueued ≥ 0")
        self.maxConcurrent = maxConcurrent
        self.maxQueued = maxQueued
    }

    /// Waits for a slot; false (at once) when the queue is full. A true answer must be paired
    /// with one `leave()`.
    func enter() async -> Bool { await enter(waitingAtMost: nil) == .admitted }

    /// Waits for a slot at most `limit` (nil: as long as it takes). `.admitted` must be paired
    /// with one `leave()`.
    func enter(waitingAtMost limit: Duration?) async -> Admission {
        if running < maxConcurrent {
            running += 1
            return .admitted
        }
        guard queued < maxQueued else { return .full }
        let id = nextID
        nextID += 1
        queued += 1
        let timer = limit.map { limit in
            Task { [weak self] in
                try? await Task.sleep(for: limit)
                if !Task.isCancelled { await self?.expire(id) }
            }
        }
        // The continuation is stored before the actor can run anything else, so no leave() is lost.
        let admitted = await withCheckedContinuation { waiters.append((id, $0)) }
        timer?.cancel()
        return admitted ? .admitted : .timedOut
    }

    /// Frees a slot: hands it to the oldest waiter still waiting, if any.
    func leave() {
        while head < waiters.count {
            let next = waiters[head]
            waiters[head] = nil
            head += 1
            compact()
            if let next {
                queued -= 1
                // `running` is unchanged: the slot passes straight to the waiter.
                next.continuation.resume(returning: true)
                return
            }
        }
        running -= 1
    }

    /// Ends waiter `id`'s wait without a slot (its time limit passed).
    private func expire(_ id: Int) {
        guard let index = waiters[head...].firstIndex(where: { $0?.id == id }), let waiter = waiters[index] else {
            return
        }
        waiters[index] = nil
        queued -= 1
        waiter.continuation.resume(returning: false)
    }

    private func compact() {
        if head > 64, head * 2 > waiters.count {
            waiters.removeFirst(head)
            head = 0
        }
    }
}
