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
