import ArbiterCore
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

// LlamaGradientTests: the whole Llama forward and its gradient against a naive Double model built
// from the ops' references (Reference.*): a tiny random decoder with every feature SmolLM2 uses
// (interleaved RoPE on GGUF-ordered Q/K rows, GQA with 2 query heads sharing 1 key/value head, head dimension 4 so interleaved and half-split RoPE differ, SwiGLU,
// RMSNorm, an embedding tied to the head) on a right-padded batch, whose valid positions must
// equal each row run alone; and `completionLogProbs` with a temperature over pairs of different
// lengths. Gradients of L = Σ out·w with respect to every weight by central differences of the
// Double model (GradientCheck). Float32 against Double: tolerances in each test.
@testable import ArbiterModels

@Suite struct LlamaGradientTests {
    static let vocab = 7, hidden = 8, ffn = 6, heads = 2, kvHeads = 1, layers = 2
    static let theta = 10_000.0, eps = 1e-5

    static func configuration() throws -> LlamaConfiguration {
        try LlamaConfiguration(
            layerCount: layers, hiddenSize: hidden, feedForwardSize: ffn, headCount: heads, keyValueHeadCount: kvHeads,
            ropeTheta: Float(theta), rmsNormEpsilon: Float(eps), contextLength: 16, vocabularySize: vocab)
    }

    /// (name, shape, values) of every weight, in GGUF names; no `output.weight` (tied head).
    static func weights() -> [(name: String, shape: [Int], values: [Float])] {
        var rng = SeededRNG(seed: 0x11A_A)
        let d = hidden / heads
        var shapes: [(String, [Int])] = [("token_embd.weight", [vocab, hidden])]
        for l in 0..<layers {
            let p = "blk.\(l)."
            shapes += [
                (p + "attn_norm.weight", [hidden]), (p + "attn_q.weight", [hidden, hidden]),
                (p + "attn_k.weight", [kvHeads * d, hidden]), (p + "attn_v.weight", [kvHeads * d, hidden]),
                (p + "attn_output.weight", [hidden, hidden]), (p + "ffn_norm.weight", [hidden]),
                (p + "ffn_gate.weight", [ffn, hidden]), (p + "ffn_up.weight", [ffn, hidden]),
                (p + "ffn_down.weight", [hidden, ffn]),
            ]
        }
        shapes.append(("output_norm.weight", [hidden]))
        return shapes.map { name, shape in
            let count = shape.reduce(1, *)
            let values = (0..<count).map { _ in
                name.hasSuffix("norm.weight") ? 1 + 0.2 * rng.nextNormal() : 0.6 * rng.nextNormal()
            }
            return (name, shape, values)
        }
    }

    static func model(_ tensors: [Tensor]) throws -> LlamaModel {
        let names = weights().map(\.name)
        return try LlamaModel(configuration: configuration(), parameters: Parameters(Array(zip(names, tensors))))
    }

    /// Naive Double forward of one unpadded sequence: logits (T, V).
    static func referenceLogits(_ values: [[Double]], tokens: [Int]) -> [Double] {
        let w = Dictionary(uniqueKeysWithValues: zip(weights().map(\.name), values))
        let (c, f, t, d) = (hidden, ffn, tokens.count, hidden / heads)
        func norm(_ x: [Double], _ name: String) -> [Double] {
            Reference.norm(x, channels: c, weight: w[name]!, bias: nil, eps: eps, center: false)
        }
        func project(_ x: [Double], _ name: String, in columns: Int, out rows: Int) -> [Double] {
            Reference.matmul(x, [t, columns], w[name]!, [rows, columns], transposeA: false, transposeB: true)
        }
        func headsFirst(_ x: [Double], _ n: Int) -> [Double] {  // (T, n·D) → (n, T, D)
            Reference.permute(x, [t, n, d], axes: [1, 0, 2])
        }
        func rope(_ x: [Double]) -> [Double] {  // rows of D; row r is position r % T
            Reference.rope(x, t: t, d: d, layout: .interleaved, theta: theta, offset: 0)
        }
        var x = Reference.embedding(w["token_embd.weight"]!, columns: c, indices: tokens)  // (T, C)
        for l in 0..<layers {
            let p = "blk.\(l)."
            let h = norm(x, p + "attn_norm.weight")  // (T, C)
            let q = rope(headsFirst(project(h, p + "attn_q.weight", in: c, out: heads * d), heads))  // (Hq, T, D)
            let k = rope(headsFirst(project(h, p + "attn_k.weight", in: c, out: kvHeads * d), kvHeads))  // (Hkv, T, D)
            let v = headsFirst(project(h, p + "attn_v.weight", in: c, out: kvHeads * d), kvHeads)  // (Hkv, T, D)
            let o = Reference.attention(
                q: q, k: k, v: v, b: 1, hq: heads, hkv: kvHeads, tq: t, tk: t, d: d, dv: d, causal: true,
                padding: .none, scale: 1 / Double(d).squareRoot())  // (Hq, T, D)
            let merged = Reference.permute(o, [heads, t, d], axes: [1, 0, 2])  // (T, Hq·D)
            x = zip(x, project(merged, p + "attn_output.weight", in: heads * d, out: c)).map { $0 + $1 }
            let h2 = norm(x, p + "ffn_norm.weight")
            let gate = project(h2, p + "ffn_gate.weight", in: c, out: f)  // (T, F)
            let up = project(h2, p + "ffn_up.weight", in: c, out: f)  // (T, F)
            let gated = zip(gate, up).map { g, u in g / (1 + Foundation.exp(-g)) * u }
            x = zip(x, project(gated, p + "ffn_down.weight", in: f, out: c)).map { $0 + $1 }
        }
        let out = norm(x, "output_norm.weight")  // (T, C)
        return Reference.matmul(
            out, [t, c], w["token_embd.weight"]!, [vocab, c], transposeA: false, transposeB: true)  // (T, V)
    }

    /// A right-padded batch: the logits of every valid position equal those of its row run alone,
    /// and their gradient with respect to every weight matches central differences.
    @Test func paddedBatchLogitsAndGradientsMatchDoubleModel() throws {
        let rows = [[1, 4, 2, 6, 3], [5, 0, 2, 0, 0], [3, 3, 0, 0, 0]]
        let lengths = [5, 2, 3]
        let valid = lengths.enumerated().flatMap { b, n in (0..<n).map { b * 5 + $0 } }
        let report = GradientCheck.check(
            inputs: Self.weights().map { ($0.values, $0.shape) },
            forward: { tensors in
                let model = try! Self.model(tensors)
                let logits = model.logits(tokens: rows, lengths: lengths)  // (B, T, V)
                return logits.reshaped([rows.count * 5, Self.vocab]).embedding(valid)  // (N, V)
            },
            reference: { values in
                zip(rows, lengths).flatMap { row, n in Self.referenceLogits(values, tokens: Array(row.prefix(n))) }
            })
        #expect(report.forwardMaxAbs < 2e-4, "\(report)")
        #expect(report.gradientErrorRatio(absolute: 2e-3, relative: 2e-3) <= 1, "\(report)")
        #expect(report.analytic.allSatisfy { $0.contains { $0 != 0 } }, "every weight gets a gradient")
    }

    /// log p(completion | prompt) at temperature 0.7 for pairs of different lengths (one padded).
    @Test func completionLogProbsGradientMatchesDoubleModel() throws {
        let pairs: [(prompt: [Int], completion: [Int])] = [([1, 2], [3, 4, 5]), ([6], [2]), ([0, 5, 1], [1, 6])]
        let temperature = 0.7
        let report = GradientCheck.check(
            inputs: Self.weights().map { ($0.values, $0.shape) },
            forward: { tensors in
                try! Self.model(tensors).completionLogProbs(pairs: pairs, temperature: Float(temperature))  // (N)
            },
            reference: { values in
                pairs.flatMap { pair -> [Double] in
                    let tokens = Array((pair.prompt + pair.completion).dropLast())
                    let logits = Self.referenceLogits(values, tokens: tokens)  // (T, V)
                    let rows = pair.completion.indices.flatMap { i in
                        let r = pair.prompt.count - 1 + i
                        return logits[(r * Self.vocab)..<((r + 1) * Self.vocab)].map { $0 / temperature }
                    }
                    return Reference.tokenLogProbs(rows, columns: Self.vocab, targets: pair.completion)
                }
            })
        #expect(report.forwardMaxAbs < 2e-4, "\(report)")
        #expect(report.gradientErrorRatio(absolute: 2e-3, relative: 2e-3) <= 1, "\(report)")
    }
}
