// BERTMiniLMTests: BERTModel + SentenceEncoder on the real all-MiniLM-L6-v2 against the
// transformers / sentence-transformers reference (Tests/Fixtures/minilm, made by 05_minilm.py).
// Tolerances (shared/reference/README.md): embeddings cosine ≥ 0.9999 and max abs ≤ 1e-5, cosine
// matrix ≤ 1e-5, hidden-state values ≤ 1e-4 (fp32 noise through 6 post-LN layers; the reference's
// own batch-1 vs batch-16 spread is 1.7e-7). The model is loaded once for the suite.
import ArbiterCore
import ArbiterModels
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

struct MiniLMReferenceCase {
    let text: String
    let ids: [Int]
    let tokenZero: [Float]  // first 8 values of the last hidden state at token 0
    let lastToken: [Float]  // the same at the last token
}

/// The encoder plus embeddings computed once: one sentence at a time, and all 13 in one batch.
struct MiniLMRun {
    let encoder: SentenceEncoder
    let cases: [MiniLMReferenceCase]
    let reference: [[Float]]  // (13, 384) from embeddings.f32
    let cosine: [[Double]]  // (13, 13) from embeddings.json
    let single: [[Float]]
    let batched: [[Float]]
}

@Suite(.serialized) struct BERTMiniLMTests {
    /// Not Sendable (it holds Tensors); the suite is serialised and only reads it.
    nonisolated(unsafe) static let loaded = Result { () throws -> MiniLMRun in
        let json = try #require(Fixtures.json("minilm/embeddings.json") as? [String: Any])
        let rawCases = try #require(json["cases"] as? [[String: Any]])
        let cases = try rawCases.map { c in
            MiniLMReferenceCase(
                text: try #require(c["text"] as? String), ids: try #require(c["input_ids"] as? [Int]),
                tokenZero: try #require(c["last_hidden_state_tok0_first8"] as? [Double]).map(Float.init),
                lastToken: try #require(c["last_hidden_state_last_tok_first8"] as? [Double]).map(Float.init))
        }
        let flat = try Fixtures.float32("minilm/embeddings.f32")
        try #require(flat.count == cases.count * 384)
        let reference = (0..<cases.count).map { Array(flat[($0 * 384)..<(($0 + 1) * 384)]) }
        let cosine = try #require(json["cosine_matrix"] as? [[Double]])
        // TestModels makes sure the model is in the cache; the encoder then resolves it by its
        // registry name, the way a user loads it.
        _ = try TestModels.miniLMDirectory()
        let encoder = try SentenceEncoder.load(named: "minilm-l6-v2")
        let texts = cases.map(\.text)
        let single = texts.map { encoder.encode($0) }
        let batched = encoder.encode(texts, batchSize: 16)
        return MiniLMRun(
            encoder: encoder, cases: cases, reference: reference, cosine: cosine, single: single, batched: batched)
    }

    static func run() throws -> MiniLMRun { try loaded.get() }

    @Test func loadsMiniLMSettings() throws {
        let run = try Self.run()
        let config = run.encoder.model.configuration
        #expect(config.hiddenSize == 384 && config.layerCount == 6 && config.attentionHeadCount == 12)
        #expect(config.intermediateSize == 1536 && config.activation == .geluErf && config.layerNormEpsilon == 1e-12)
        #expect(config.vocabularySize == 30522 && config.maxPositionEmbeddings == 512 && config.typeVocabularySize == 2)
        #expect(run.encoder.maxSequenceLength == 256)
        #expect(run.encoder.pooling == .mean && run.encoder.normalizes && !run.encoder.lowercasesInput)
        #expect(run.encoder.dimension == 384)
        #expect(run.encoder.model.parameters.count == 5 + 6 * 16)
        // minus position_ids, pooler
        #expect(run.encoder.model.parameters.scalarCount == 22_713_728 - 512 - 384 * 384 - 384)
        for c in run.cases { #expect(run.encoder.tokenize(c.text) == c.ids, "\(String(reflecting: c.text))") }
    }

    @Test func embeddingsMatchSentenceTransformers() throws {
        let run = try Self.run()
        #expect(run.single.count == 13)
        var worstAbs = 0.0
        var worstCosine = 1.0
        for (i, (ours, theirs)) in zip(run.single, run.reference).enumerated() {
            #expect(ours.count == 384)
            let deviation = maxAbsDifference(ours, theirs)
            let cosine = Double(SentenceEncoder.cosineSimilarity(ours, theirs))
            #expect(deviation <= 1e-5, "sentence \(i) \(String(reflecting: run.cases[i].text)): max abs \(deviation)")
            #expect(cosine >= 0.9999, "sentence \(i): cosine \(cosine)")
            let norm = ours.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) <= 1e-5, "sentence \(i): L2 norm \(norm)")
            worstAbs = max(worstAbs, deviation)
            worstCosine = min(worstCosine, cosine)
        }
        print("BERTMiniLMTests: embeddings max abs deviation \(worstAbs), min cosine \(worstCosine)")
    }

    @Test func hiddenStatesMatchTransformers() throws {
        let run = try Self.run()
        // All 13 in one padded batch, so the padding mask is exercised too.
        let batch = BERTBatch(sequences: run.cases.map(\.ids))
        let hidden = Tensor.noGrad { run.encoder.model(batch) }  // (13, T, 384)
        #expect(hidden.shape == [13, batch.sequenceLength, 384])
        let values = hidden.scalars
        let t = batch.sequenceLength
        var worst = 0.0
        for (b, c) in run.cases.enumerated() {
            let first = b * t * 384
            let last = (b * t + c.ids.count - 1) * 384
            let d0 = maxAbsDifference(values[first..<(first + 8)], c.tokenZero)
            let d1 = maxAbsDifference(values[last..<(last + 8)], c.lastToken)
            #expect(d0 <= 1e-4, "sentence \(b) token 0: max abs \(d0)")
            #expect(d1 <= 1e-4, "sentence \(b) last token: max abs \(d1)")
            worst = max(worst, d0, d1)
        }
        print("BERTMiniLMTests: hidden-state max abs deviation \(worst)")
    }

    @Test func cosineMatrixMatchesReference() throws {
        let run = try Self.run()
        let ours = SentenceEncoder.cosineSimilarityMatrix(run.single)
        #expect(ours.count == 13)
        var worst = 0.0
        for i in 0..<13 {
            let d = maxAbsDifference(ours[i], run.cosine[i])
            #expect(d <= 1e-5, "row \(i): max abs \(d)")
            worst = max(worst, d)
        }
        // Related sentences score high, unrelated ones low (the reference's 0.755 vs −0.105).
        #expect(ours[0][1] > 0.7 && ours[0][2] < 0)
        print("BERTMiniLMTests: cosine matrix max abs deviation \(worst)")
    }

    @Test func batchedEqualsOneAtATime() throws {
        let run = try Self.run()
        var worst = 0.0
        for (i, (a, b)) in zip(run.batched, run.single).enumerated() {
            let d = maxAbsDifference(a, b)
            #expect(d <= 1e-5, "sentence \(i): batched vs single max abs \(d)")
            worst = max(worst, d)
        }
        // A batch of 5 mixing short and long sentences, in a different order, also agrees.
        let picks = [10, 11, 0, 8, 12]
        let mixed = run.encoder.encode(picks.map { run.cases[$0].text }, batchSize: 5)
        for (row, index) in picks.enumerated() {
            #expect(maxAbsDifference(mixed[row], run.single[index]) <= 1e-5, "sentence \(index) in a mixed batch")
        }
        print("BERTMiniLMTests: batch-of-13 vs one-at-a-time max abs \(worst)")
    }

    @Test func truncatesLongInputToMaxSequenceLength() throws {
        let run = try Self.run()
        let long = Array(repeating: "word", count: 600).joined(separator: " ")
        let ids = run.encoder.tokenize(long)
        #expect(ids.count == 256 && ids.first == 101 && ids.last == 102)
    }

    @Test func gradientReachesWordEmbeddings() throws {
        let run = try Self.run()
        let model = run.encoder.model
        let ids = run.cases[0].ids
        defer { model.parameters.zeroGrad() }
        model.parameters.zeroGrad()
        let pooled = run.encoder.embeddings(BERTBatch(sequences: [ids]))  // (1, 384)
        #expect(maxAbsDifference(pooled.scalars, run.single[0]) <= 1e-6)
        // L = Σ pooled · w for a fixed random w: a scalar of the output.
        var rng = SeededRNG(seed: 7)
        (pooled * Tensor.randomNormal([1, 384], using: &rng)).sum().backward()
        let words = try #require(model.parameters["embeddings.word"])
        let grad = try #require(words.grad).scalars  // (30522, 384)
        func rowNorm(_ row: Int) -> Double {
            grad[(row * 384)..<((row + 1) * 384)].reduce(0.0) { $0 + Double($1) * Double($1) }
        }
        for id in Set(ids) { #expect(rowNorm(id) > 0, "no gradient for used token \(id)") }
        #expect(rowNorm(2000) == 0 && rowNorm(0) == 0, "unused rows must get no gradient")
        for name in ["layers.5.feedForward.norm.weight", "layers.0.attention.query.weight", "embeddings.position"] {
            let g = try #require(model.parameters[name]?.grad, "\(name) has no gradient")
            #expect(g.scalars.contains { $0 != 0 }, "\(name) gradient is all zero")
        }
    }
}
