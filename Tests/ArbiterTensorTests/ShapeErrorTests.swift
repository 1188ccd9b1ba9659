// ShapeErrorTests: shape mismatches in public calls stop with a precondition whose message names
// both shapes (checked in a child process with Swift Testing exit tests).
import ArbiterTensor
import Foundation
import Testing

@Suite struct ShapeErrorTests {
    @Test func matmulInnerDimensionMismatchNamesBothShapes() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("matmul: (2, 3) × (4, 5): inner dimensions 3 and 4 differ"), "\(message)")
    }

    @Test func broadcastMismatchNamesBothShapes() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("(2, 3) and (4) do not broadcast"), "\(message)")
    }

    @Test func backwardFromNonScalarIsRejected() async {
        await #expect(processExitsWith: .failure) {
            Tensor.ones([3], requiresGrad: true).exp().backward()
        }
    }
}
