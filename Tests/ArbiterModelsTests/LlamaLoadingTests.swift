import ArbiterCore
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

// LlamaLoadingTests: a tiny random Llama written with GGUFTestWriter (2 blocks, C = 8, 4 query and
// 2 kv heads, F32 weights): configuration from metadata, typed errors for a missing key, a missing
// tensor and a mis-shaped tensor (each naming it), 200 seeded byte mutations that must load or
// throw, and forward-pass invariants: KV-cache decoding and right-padded batches give the same
// logits as one full unpadded run.
@testable import ArbiterModels

@Suite struct LlamaLoadingTests {
    static let vocab = 11, hidden = 8, ffn = 12, heads = 4, kvHeads = 2, layers = 2

    static func metadata(dropping key: String? = nil, architecture: String = "llama") -> [(
        key: String, value: GGUFTestWriter.Value
    )] {
        let all: [(key: String, value: GGUFTestWriter.Value)] = [
            ("general.architecture", .string(architecture)), ("llama.block_count", .uint32(UInt32(layers))),
            ("llama.embedding_length", .uint32(UInt32(hidden))), ("llama.feed_forward_length", .uint32(UInt32(ffn))),
            ("llama.attention.head_count", .uint32(UInt32(heads))),
            ("llama.attention.head_count_kv", .uint32(UInt32(kvHeads))),
            ("llama.rope.freq_base", .float32(10_000)), ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5)),
            ("llama.context_length", .uint32(64)), ("llama.vocab_size", .uint32(UInt32(vocab))),
        ]
        return all.filter { $0.key != key }
    }

    /// (name, row-major shape) of every weight of the tiny model.
    static func shapes() -> [(String, [Int])] {
        let kv = kvHeads * hidden / heads
        var out: [(String, [Int])] = [("token_embd.weight", [vocab, hidden])]
        for l in 0..<layers {
            let p = "blk.\(l)."
            out += [
                (p + "attn_norm.weight", [hidden]), (p + "attn_q.weight", [hidden, hidden]),
                (p + "attn_k.weight", [kv, hidden]),
                (p + "attn_v.weight", [kv, hidden]), (p + "attn_output.weight", [hidden, hidden]),
                (p + "ffn_norm.weight", [hidden]),
                (p + "ffn_gate.weight", [ffn, hidden]), (p + "ffn_up.weight", [ffn, hidden]),
                (p + "ffn_down.weight", [hidden, ffn]),
            ]
        }
        return out + [("output_norm.weight", [hidden])]
    }

    /// A tiny model file; `shapeOverride` replaces one tensor's shape, `dropping` omits one tensor or key.
    static func file(
        dropping name: String? = nil, shapeOverride: (String, [Int])? = nil, architecture: String = "llama"
    ) throws -> URL {
        var rng = SeededRNG(seed: 42)
        let tensors = shapes().compactMap { name0, shape0 -> GGUFTestWriter.Tensor? in
            if name0 == name { return nil }
            let shape = shapeOverride?.0 == name0 ? shapeOverride!.1 : shape0
            let count = shape.reduce(1, *)
            let values = (0..<count).map { _ in
                name0.hasSuffix("norm.weight") ? 1 + 0.1 * rng.nextNormal() : 0.5 * rng.nextNormal()
            }
            let bytes = values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
            return GGUFTestWriter.Tensor(name: name0, dims: shape.reversed().map { UInt64($0) }, typeID: 0, data: bytes)
        }
        return try GGUFTestWriter(metadata: metadata(dropping: name, architecture: architecture), tensors: tensors)
            .write(named: "tiny-llama.gguf")
    }

    static func model() throws -> LlamaModel { try LlamaModel(contentsOf: file()) }

    @Test func loadsTinyModel() throws {
        let model = try Self.model()
        let c = model.configuration
        #expect(c.layerCount == 2 && c.hiddenSize == 8 && c.headDimension == 2 && c.keyValueHeadCount == 2)
        #expect(c.vocabularySize == 11 && c.rmsNormEpsilon == 1e-5 && c.ropeTheta == 10_000)
        #expect(model.tiedEmbeddings && model.parameters.count == Self.shapes().count)
        #expect(model.parameters.names.first == "token_embd.weight")
    }

    @Test func missingTensorIsNamed() throws {
        let url = try Self.file(dropping: "blk.1.ffn_up.weight")
        #expect(throws: LlamaError.missingTensor(path: url.path, tensor: "blk.1.ffn_up.weight")) {
            try LlamaModel(contentsOf: url)
        }
        let message = LlamaError.missingTensor(path: url.path, tensor: "blk.1.ffn_up.weight").localizedDescription
        #expect(message.contains("blk.1.ffn_up.weight") && message.contains(url.path))
    }

    @Test func wrongShapeNamesBothShapes() throws {
        let url = try Self.file(shapeOverride: ("blk.0.attn_k.weight", [8, 8]))
        let error = LlamaError.shapeMismatch(
            path: url.path, tensor: "blk.0.attn_k.weight", expected: [4, 8], found: [8, 8])
        #expect(throws: error) { try LlamaModel(contentsOf: url) }
        #expect(error.localizedDescription.contains("[4, 8]") && error.localizedDescription.contains("[8, 8]"))
    }

    @Test func missingOrBadMetadataIsNamed() throws {
        let key = "llama.attention.layer_norm_rms_epsilon"
        let url = try Self.file(dropping: key)
        #expect(throws: LlamaError.missingKey(path: url.path, key: key)) { try LlamaModel(contentsOf: url) }
        let gpt = try Self.file(architecture: "gpt2")
        #expect(throws: LlamaError.unsupportedArchitecture(path: gpt.path, architecture: "gpt2")) {
            try LlamaModel(contentsOf: gpt)
        }
        #expect(throws: LlamaError.self) {
            try LlamaConfiguration(
                layerCount: 1, hiddenSize: 8, feedForwardSize: 4, headCount: 3, keyValueHeadCount: 1,
                ropeTheta: 10_000, rmsNormEpsilon: 1e-5, contextLength: 8, vocabularySize: 4)
        }
    }

    /// 200 seeded mutations (random bytes overwritten, or truncation) load or throw; never trap.
    @Test func mutatedFilesLoadOrThrow() throws {
        let good = try Data(contentsOf: Self.file())
        var rng = SeededRNG(seed: 2024)
        var thrown = 0
        for i in 0..<200 {
            var bytes = [UInt8](good)
            if i % 10 == 0 {
                bytes.removeLast(Int(rng.next() % UInt64(bytes.count)))
            } else {
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            let url = try GGUFTestWriter.writeTemporary(bytes, named: "mutated-\(i).gguf")
            do { _ = try LlamaModel(contentsOf: url) } catch { thrown += 1 }
        }
        #expect(thrown > 0)
    }

    /// Prefill of 3 tokens then 3 cached single-token steps equals one 6-token run.
    @Test func cachedDecodingMatchesFullRun() throws {
        let model = try Self.model()
        let tokens = [3, 1, 4, 1, 5, 9]
        let full = Tensor.noGrad { model.logits(tokens: [tokens]) }.scalars  // (1, 6, V)
        let cache = KVCache(for: model)
        var steps = Tensor.noGrad { model.logits(tokens: [Array(tokens[0..<3])], cache: cache) }.scalars
        for t in 3..<6 { steps += Tensor.noGrad { model.logits(tokens: [[tokens[t]]], cache: cache) }.scalars }
        #expect(cache.positions == [6] && cache.columnCount == 6)
        #expect(maxAbsDifference(full, steps) <= 1e-5)
    }

    /// A right-padded batch (and its cached continuation) gives each row's unpadded logits.
    @Test func paddedBatchMatchesSingleRows() throws {
        let model = try Self.model()
        let v = Self.vocab
        let long = [2, 7, 1, 8, 2]
        let short = [6, 0, 3]
        // (2, 5, V)
        let batch = Tensor.noGrad { model.logits(tokens: [long, short + [0, 0]], lengths: [5, 3]) }.scalars
        let a = Tensor.noGrad { model.logits(tokens: [long]) }.scalars
        let b = Tensor.noGrad { model.logits(tokens: [short]) }.scalars
        #expect(maxAbsDifference(batch[0..<(5 * v)], a) <= 1e-5)
        #expect(maxAbsDifference(batch[(5 * v)..<(8 * v)], b) <= 1e-5)
        // Continue both rows by one token through a batched cache: row b's next position is 3, not 5.
        let cache = KVCache(for: model, batchSize: 2)
        _ = Tensor.noGrad { model.logits(tokens: [long, short + [0, 0]], lengths: [5, 3], cache: cache) }
        #expect(cache.positions == [5, 3])
        let next = Tensor.noGrad { model.logits(tokens: [[4], [10]], cache: cache) }.scalars  // (2, 1, V)
        let aNext = Tensor.noGrad { model.logits(tokens: [long + [4]]) }.scalars
        let bNext = Tensor.noGrad { model.logits(tokens: [short + [10]]) }.scalars
        #expect(maxAbsDifference(next[0..<v], aNext[(5 * v)...]) <= 1e-5)
        #expect(maxAbsDifference(next[v...], bNext[(3 * v)...]) <= 1e-5)
    }
}
