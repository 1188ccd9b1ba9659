// ServerExecutor: the task executor the server's tasks prefer (SE-0417): a private concurrent
// dispatch queue, outside Swift's cooperative thread pool. Routing, JSON work and waiting for the
// backend then keep going while other code in the process holds every cooperative thread with
// long synchronous work (a judge run, a training step, a test suite on two cores), so the server
// still answers /health and queues requests. It is not where the model computes (LocalChatBackend
// has its own queue).
import Foundation

@available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *)
final class ServerExecutor: TaskExecutor, @unchecked Sendable {
    /// One for the process; the queue is concurrent, so servers do not wait on each other.
    static let shared = ServerExecutor()

    // Immutable after init; DispatchQueue is thread-safe.
    private let queue = DispatchQueue(label: "arbiter.serve.executor", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// Runs `body` with ServerExecutor preferred by it and every child task it starts (where the OS
/// has task executors; elsewhere on the default executor).
func onServerExecutor<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    if #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *) {
        return try await withTaskExecutorPreference(ServerExecutor.shared, operation: body)
    }
    return try await body()
}
