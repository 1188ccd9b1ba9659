// GGUFTestWriter+TinyLlama: a complete, loadable Llama GGUF of a few kilobytes: seeded random F32
// weights, a byte-level BPE tokenizer (the 256 byte tokens, one merge, three control tokens) and a
// ChatML template, so commands that load a model (generate, score, judge, serve) can be driven in
// tests without SmolLM2. Not a model that says anything sensible.
import ArbiterCore
import Foundation

extension GGUFTestWriter {
    /// GPT-2's byte alphabet in byte order (test-side copy of the published table).
    public static let byteAlphabet: [String] = {
        var out: [String] = []
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                out.append(String(Unicode.Scalar(UInt8(byte))))
            } else {
                out.append(String(Unicode.Scalar(next)!))
                next += 1
            }
        }
        return out
    }()

    /// The tiny model's vocabulary: 256 byte tokens, `ab`, then `<|im_start|>`, `<|im_end|>`, `<|endoftext|>`.
    public static let tinyLlamaTokens = byteAlphabet + ["ab", "<|im_start|>", "<|im_end|>", "<|endoftext|>"]

    /// A Llama with `layers` blocks, hidden size 16 (2 heads of 8, 1 KV head), FFN 32, the
    /// vocabulary above and `contextLength` positions; weights N(0, 0.3²)-ish from `seed`.
    public static func tinyLlama(contextLength: Int = 64, layers: Int = 1, seed: UInt64 = 7) -> GGUFTestWriter {
        let vocab = tinyLlamaTokens.count
        let hidden = 16
        let ffn = 32
        let heads = 2
        let kvHeads = 1
        let kv = kvHeads * hidden / heads
        var rng = SplitMix64(seed: seed)
        let shapes = llamaTensorShapes(vocab: vocab, hidden: hidden, ffn: ffn, kvWidth: kv, layers: layers)
        let tensors = shapes.map { name, shape -> Tensor in
            let count = shape.reduce(1, *)
            let values: [Float] = (0..<count).map { _ in
                let u = Float(rng.next() >> 40) / Float(1 << 24)  // [0, 1)
                return shape.count == 1 ? 1 + 0.1 * (2 * u - 1) : 0.6 * (2 * u - 1)
            }
            let bytes = values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
            return Tensor(name: name, dims: shape.reversed().map { UInt64($0) }, typeID: 0, data: bytes)
        }
        let template =
            "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
            + "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
        let types = [Int32](repeating: 1, count: vocab - 3) + [3, 3, 3]
        let metadata: [(key: String, value: Value)] =
            [("general.name", .string("tiny-llama"))]
            + llamaMetadata(
                vocab: vocab, hidden: hidden, ffn: ffn, heads: heads, kvHeads: kvHeads, layers: layers,
                contextLength: contextLength) + [
                ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("smollm")),
                ("tokenizer.ggml.tokens", .strings(tinyLlamaTokens)), ("tokenizer.ggml.merges", .strings(["a b"])),
                ("tokenizer.ggml.token_type", .int32s(types)),
                ("tokenizer.ggml.bos_token_id", .uint32(UInt32(vocab - 3))),
                ("tokenizer.ggml.eos_token_id", .uint32(UInt32(vocab - 2))),
                ("tokenizer.chat_template", .string(template)),
            ]
        return GGUFTestWriter(metadata: metadata, tensors: tensors)
    }

    /// (GGUF name, row-major shape) of every tensor a Llama of these sizes reads (untied head
    /// absent), in file order; `kvWidth` is KV heads × head dimension.
    public static func llamaTensorShapes(vocab: Int, hidden: Int, ffn: Int, kvWidth: Int, layers: Int) -> [(
        String, [Int]
    )] {
        var shapes: [(String, [Int])] = [("token_embd.weight", [vocab, hidden])]
        for l in 0..<layers {
            let p = "blk.\(l)."
            shapes += [
                (p + "attn_norm.weight", [hidden]), (p + "attn_q.weight", [hidden, hidden]),
                (p + "attn_k.weight", [kvWidth, hidden]), (p + "attn_v.weight", [kvWidth, hidden]),
                (p + "attn_output.weight", [hidden, hidden]), (p + "ffn_norm.weight", [hidden]),
                (p + "ffn_gate.weight", [ffn, hidden]), (p + "ffn_up.weight", [ffn, hidden]),
                (p + "ffn_down.weight", [hidden, ffn]),
            ]
        }
        shapes.append(("output_norm.weight", [hidden]))
        return shapes
    }

    /// The `general.architecture` and `llama.*` metadata of a Llama of these sizes (RoPE base
    /// 10,000, RMS-norm ε 1e-5).
    public static func llamaMetadata(
        vocab: Int, hidden: Int, ffn: Int, heads: Int, kvHeads: Int, layers: Int, contextLength: Int
    ) -> [(key: String, value: Value)] {
        [
            ("general.architecture", .string("llama")), ("llama.block_count", .uint32(UInt32(layers))),
            ("llama.embedding_length", .uint32(UInt32(hidden))), ("llama.feed_forward_length", .uint32(UInt32(ffn))),
            ("llama.attention.head_count", .uint32(UInt32(heads))),
            ("llama.attention.head_count_kv", .uint32(UInt32(kvHeads))),
            ("llama.rope.freq_base", .float32(10_000)), ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5)),
            ("llama.context_length", .uint32(UInt32(contextLength))), ("llama.vocab_size", .uint32(UInt32(vocab))),
        ]
    }
}
