// Memory+Reuse: keep freed tensor memory in the process for the next tensor. A forward pass
// allocates and frees the same few sizes of buffer (1–4 MB for a 512-token SmolLM2 prefill)
// hundreds of times; glibc's malloc maps buffers above its mmap threshold fresh from the kernel
// and returns the top of its heap to the kernel above its trim threshold, so each new tensor paid
// page faults and the kernel's zeroing again (about a sixth of a SmolLM2 prefill; Benchmarks/
// RESULTS.md). Arbiter raises both thresholds once, at its first BLAS product, as llama.cpp keeps
// its compute buffers and PyTorch its caching allocator: freed memory up to `trimThreshold`
// stays in the process. `ARBITER_HEAP_REUSE=0` leaves malloc as it was. glibc only (through
// CArbiterKernels' heap.c); elsewhere nothing changes.
import CArbiterKernels
import Foundation

/// Process-wide malloc settings that let freed tensor memory be reused without page faults.
enum HeapReuse {
    /// Buffers below this size come from malloc's heap instead of a fresh mapping (glibc's
    /// largest dynamic threshold on 64-bit).
    static let mmapThreshold = 32 << 20
    /// Free memory at the top of the heap kept by the process instead of being returned.
    static let trimThreshold = 256 << 20

    /// Whether Arbiter changes malloc's thresholds: not when `ARBITER_HEAP_REUSE` is `0`.
    static var isRequested: Bool {
        ProcessInfo.processInfo.environment["ARBITER_HEAP_REUSE"] != "0"
    }

    /// Applies the thresholds (when requested) and reports whether malloc accepted them.
    @discardableResult
    static func apply() -> Bool {
        guard isRequested else { return false }
        return arbiter_heap_set_thresholds(mmapThreshold, trimThreshold) == 1
    }

    /// Whether glibc malloc served `pointer` (a live `malloc` result) with a mapping of its own
    /// rather than from its heap (nil: not glibc).
    static func isMapped(_ pointer: UnsafeRawPointer) -> Bool? {
        let answer = arbiter_heap_is_mapped(pointer)
        return answer < 0 ? nil : answer == 1
    }

    /// Runs once, with BLASThreads.configureOnce (the first matrix product).
    static let configureOnce: Bool = apply()
}
