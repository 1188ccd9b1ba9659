import Foundation
import Testing

// HeapReuseTests: after Arbiter's first matrix product, malloc serves buffers of tens of MB from its
// heap (where freed memory is kept for the next one) instead of mapping each fresh (Memory+Reuse.swift).
@testable import ArbiterTensor

#if canImport(Glibc)
    @Test func firstProductKeepsFreedBuffersInTheHeap() throws {
        try #require(HeapReuse.isRequested, "ARBITER_HEAP_REUSE=0 in the environment")
        let a = Tensor([Float](repeating: 1, count: 64 * 64), shape: [64, 64])
        _ = Tensor.noGrad { a.matmul(a) }  // a BLAS product: the settings are applied
        // 24 MiB: above glibc's default mmap threshold (128 KiB, raised dynamically only as mapped
        // buffers are freed) and below Arbiter's (32 MiB), so it must come from the heap, not a mapping.
        let size = 24 << 20
        let p = try #require(malloc(size))
        defer { free(p) }
        memset(p, 1, size)
        #expect(HeapReuse.isMapped(p) == false, "a 24 MiB buffer was mapped fresh from the kernel")
        #expect(HeapReuse.apply(), "malloc refused the thresholds")
    }
#endif
