// OpenAITestExecutor: a task executor on a private Dispatch queue for the HTTP client tests. The
// whole test suite shares one process, and CPU-bound tests can hold every thread of Swift's
// cooperative pool for minutes; tests that race real-time timeouts against a live server run
// their server and client here instead, so they get OS time slices rather than waiting for a pool
// slot. Not for product code.
import Dispatch

final class OpenAITestExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = OpenAITestExecutor()

    private let queue = DispatchQueue(label: "arbiter.openai-client-tests", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
