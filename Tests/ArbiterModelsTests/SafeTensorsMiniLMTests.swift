// SafeTensorsMiniLMTests: SafeTensorsFile reads the real all-MiniLM-L6-v2 `model.safetensors`.
// Expected values were computed once with Python safetensors 0.8.0 + numpy 2 (`safe_open(p, "np")`,
// sums in float64) and are pinned here; the test never runs Python.
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct SafeTensorsMiniLMTests {
    @Test func readsMiniLMWeights() throws {
        let url = try TestModels.miniLMDirectory().appendingPathComponent("model.safetensors")
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.names.count == 104)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.dataSectionOffset == 8 + 11408)
        // The reference writer puts the I64 tensor first, then F32 tensors by name.
        #expect(
            Array(file.names.prefix(3)) == [
                "embeddings.position_ids", "embeddings.LayerNorm.bias", "embeddings.LayerNorm.weight",
            ])
        #expect(file.names.last == "pooler.dense.weight")
        #expect(file.tensors.reduce(0) { $0 + $1.elementCount } == 22_713_728)

        let positions = try #require(file.info("embeddings.position_ids"))
        #expect(positions.dtype == .int64 && positions.shape == [1, 512])
        #expect(try file.floats("embeddings.position_ids") == (0..<512).map(Float.init))

        let embeddings = try #require(file.info("embeddings.word_embeddings.weight"))
        #expect(embeddings.dtype == .float32)
        #expect(embeddings.shape == [30522, 384])
        let words = try file.floats("embeddings.word_embeddings.weight")  // (30522, 384)
        #expect(words[0] == -0.019989013671875)
        #expect(words[101 * 384] == -0.01761939749121666)
        #expect(words[2023 * 384 + 383] == 0.1891317218542099)
        #expect(words.last == 0.004570063669234514)
        #expect(words.max() == 1.049399971961975)
        #expect(words.min() == -0.50732421875)
        // Float64 sums of 11.7 M Float32 values: summation order differs from numpy's pairwise sum,
        // so allow 1e-9 relative (the sums agree to ~1e-12 in practice).
        var (sum, absSum, squares) = (0.0, 0.0, 0.0)
        words.withUnsafeBufferPointer { values in
            for v in values {
                let x = Double(v)
                sum += x
                absSum += abs(x)
                squares += x * x
            }
        }
        #expect(isClose(sum, 138.05072214923618, absolute: 0, relative: 1e-9), "sum \(sum)")
        #expect(isClose(absSum, 508883.5765956839, absolute: 0, relative: 1e-9), "abs sum \(absSum)")
        #expect(isClose(squares, 36262.55288038264, absolute: 0, relative: 1e-9), "sum of squares \(squares)")

        let query = try file.floats("encoder.layer.0.attention.self.query.weight")  // (384, 384)
        #expect(query.count == 384 * 384)
        #expect(query.first == -0.1486196219921112 && query.last == -0.08523893356323242)
        #expect(isClose(query.reduce(0.0) { $0 + Double($1) }, 13.52819408863644, absolute: 0, relative: 1e-9))

        let norm = try file.floats("embeddings.LayerNorm.weight")  // (384,)
        #expect(norm.first == 0.5989283323287964 && norm.last == 0.6554279327392578)
        #expect(isClose(norm.reduce(0.0) { $0 + Double($1) }, 236.85435231029987, absolute: 0, relative: 1e-12))
        #expect(try file.floats("pooler.dense.bias").allSatisfy { $0 == 0 })
    }
}
