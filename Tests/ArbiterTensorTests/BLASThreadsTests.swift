// BLASThreadsTests: the BLAS thread count is set explicitly and read back.
import ArbiterTensor
import Testing

@Test func blasThreadCountIsConfigurable() {
    BLASThreads.set(1)
    #expect(BLASThreads.current == 1)
    BLASThreads.set(2)
    #expect(BLASThreads.current == 2)
}
