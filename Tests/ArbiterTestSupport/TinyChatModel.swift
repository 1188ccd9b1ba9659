// TinyChatModel: the lead's tiny Llama GGUF (`GGUFTestWriter.tinyLlama`) written to disk with the
// variations the hostile-input tests need: a short context, no BOS token, or a `block_count` the
// file's tensors cannot hold. Not a second model writer: the weights, tokenizer and template are
// tinyLlama's.
import Foundation

public enum TinyChatModel {
    /// tinyLlama's `<|im_start|>`, its BOS token.
    public static let bos = GGUFTestWriter.tinyLlamaTokens.count - 3

    /// Writes the model; `contextLength` is `llama.context_length`, `withBOS` whether the
    /// tokenizer names a BOS token, `blockCount` overrides `llama.block_count` (the file always
    /// holds one block's tensors).
    public static func file(contextLength: Int = 32, withBOS: Bool = true, blockCount: UInt32? = nil) throws -> URL {
        var writer = GGUFTestWriter.tinyLlama(contextLength: contextLength)
        if !withBOS { writer.metadata.removeAll { $0.key == "tokenizer.ggml.bos_token_id" } }
        if let blockCount, let at = writer.metadata.firstIndex(where: { $0.key == "llama.block_count" }) {
            writer.metadata[at] = ("llama.block_count", .uint32(blockCount))
        }
        return try writer.write(named: "tiny-chat.gguf")
    }
}
