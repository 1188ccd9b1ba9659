// BLAS+Threads: how many threads OpenBLAS may use. Set explicitly, never left to the library's
// default (which follows OPENBLAS_NUM_THREADS or the core count and fights our own threads).
import COpenBLAS

/// The BLAS thread count used by `cblas_sgemm` calls.
public enum BLASThreads {
    /// Sets the number of threads OpenBLAS uses for subsequent calls (clamped to at least 1).
    public static func set(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// The number of threads OpenBLAS currently uses.
    public static var current: Int { Int(openblas_get_num_threads()) }
}
