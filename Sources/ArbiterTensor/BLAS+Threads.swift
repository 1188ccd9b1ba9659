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
    /// Also the moment Arbiter starts allocating large tensors, so malloc's reuse settings are
    /// applied here too (Memory+Reuse.swift).
    static let configureOnce: Void = {
        set(defaultCount)
        _ = HeapReuse.configureOnce
    }()
}

extension BLASThreads {
    /// Readers: BLAS calls at the configured thread count. Writer: a region that runs BLAS at
    /// one thread from several threads of its own. Results of a product can depend on the thread
    /// count (OpenBLAS splits gemv rows differently), so a product never runs while another
    /// thread has the count lowered: the same inputs give the same bits, whatever else runs.
    /// Writer-preferring, and never nested on one thread (GEMM.run is not called inside a region).
    // used only through pthread calls
    nonisolated(unsafe) private static let gate: UnsafeMutablePointer<pthread_rwlock_t> = {
        let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        pthread_rwlock_init(lock, &attributes)
        pthread_rwlockattr_destroy(&attributes)
        return lock
    }()

    /// Runs `body` (BLAS calls) at the configured thread count.
    static func withConfiguredThreads<R>(_ body: () throws -> R) rethrows -> R {
        _ = configureOnce
        pthread_rwlock_rdlock(gate)
        defer { pthread_rwlock_unlock(gate) }
        return try body()
    }

    /// Runs `body` with OpenBLAS limited to one thread, for code that calls BLAS from several
    /// threads of its own at once (each call then stays on its caller's core instead of waking
    /// OpenBLAS's pool). Other threads' products wait until the count is restored.
    static func withSingleThread<R>(_ body: () throws -> R) rethrows -> R {
        _ = configureOnce
        pthread_rwlock_wrlock(gate)
        defer { pthread_rwlock_unlock(gate) }
        let saved = current
        if saved != 1 { set(1) }
        defer { if saved != 1 { set(saved) } }
        return try body()
    }
}
