// BLAS+Threads: how many threads OpenBLAS may use. Set explicitly, never left to the library's
// default (which follows OPENBLAS_NUM_THREADS or the core count and fights our own threads):
// the first matrix product configures it from ARBITER_BLAS_THREADS, else the active core count.
import COpenBLAS
import Foundation

/// The BLAS thread count used by `cblas_sgemm` / `cblas_sgemv` calls.
public enum BLASThreads {
    /// Sets the number of threads OpenBLAS uses for subsequent calls (clamped to at least 1).
    public static func set(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// The number of threads OpenBLAS currently uses.
    public static var current: Int { Int(openblas_get_num_threads()) }

    /// The count Arbiter configures on first use: `ARBITER_BLAS_THREADS` when it is a positive
    /// integer, otherwise the number of active processors.
    public static var defaultCount: Int {
        if let text = ProcessInfo.processInfo.environment["ARBITER_BLAS_THREADS"], let n = Int(text), n > 0 {
            return n
        }
        return ProcessInfo.processInfo.activeProcessorCount
    }

    /// Runs once, before the first BLAS call (a later `set` still wins).
    static let configureOnce: Void = { set(defaultCount) }()
}

extension BLASThreads {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var singleThreadDepth = 0
    nonisolated(unsafe) private static var savedCount = 1

    /// Runs `body` with OpenBLAS limited to one thread, for code that calls BLAS from several
    /// threads of its own at once (each call then stays on its caller's core instead of
    /// waking OpenBLAS's pool). Regions on different threads may overlap: the first to enter
    /// sets one thread and the last to leave restores the count it found.
    static func withSingleThread<R>(_ body: () throws -> R) rethrows -> R {
        _ = configureOnce
        lock.lock()
        if singleThreadDepth == 0 {
            savedCount = current
            if savedCount != 1 { set(1) }
        }
        singleThreadDepth += 1
        lock.unlock()
        defer {
            lock.lock()
            singleThreadDepth -= 1
            if singleThreadDepth == 0 && savedCount != 1 { set(savedCount) }
            lock.unlock()
        }
        return try body()
    }
}
