// BLASThreadsTests: the BLAS thread count is set explicitly and read back.
import ArbiterTensor
import Foundation
import Testing

@Test func blasThreadCountIsConfigurable() {
    BLASThreads.set(1)
    #expect(BLASThreads.current == 1)
    BLASThreads.set(2)
    #expect(BLASThreads.current == 2)
}

@Test func defaultBLASThreadCountIsExplicit() {
    // Without ARBITER_BLAS_THREADS the default is the active core count (never OpenBLAS's own pick).
    if ProcessInfo.processInfo.environment["ARBITER_BLAS_THREADS"] == nil {
        #expect(BLASThreads.defaultCount == ProcessInfo.processInfo.activeProcessorCount)
    }
    #expect(BLASThreads.defaultCount >= 1)
}
