// LanguageModel: one loaded local chat model: the GGUF file's tokenizer, its fp32 Llama decoder
// and its chat template string (`tokenizer.chat_template`, rendered elsewhere by the Jinja chat
// template type). The entry point a judge or trainer holds. Not a chat-template renderer and
// not an HTTP backend. Generation and scoring live in Generation.swift and LogProbScoring.swift.
import ArbiterTensor
import Foundation

/// A tokenizer, decoder and chat template loaded together from one GGUF file.
public final class LanguageModel {
    /// Byte-level BPE tokenizer from the file's metadata.
    public let tokenizer: BPETokenizer
    /// The decoder with fp32 weights.
    public let model: LlamaModel
    /// The Jinja chat template (`tokenizer.chat_template`), when the file has one.
    public let chatTemplate: String?
    /// Token ids that end a generated turn (EOS, and EOT when the file names one).
    public let stopTokenIDs: Set<Int>
    /// The file the model came from.
    public let url: URL

    /// Assembles a facade from parts already loaded.
    public init(tokenizer: BPETokenizer, model: LlamaModel, chatTemplate: String?, stopTokenIDs: Set<Int>, url: URL) {
        self.tokenizer = tokenizer
        self.model = model
        self.chatTemplate = chatTemplate
        self.stopTokenIDs = stopTokenIDs
        self.url = url
    }

    /// Loads the GGUF file at `resolved` (e.g. `ModelStore().resolve("smollm2-135m").url`):
    /// tokenizer, weights (dequantised to fp32) and chat template. Throws `GGUFError`,
    /// `TokenizerError` or `LlamaError` naming the file and the fix. `options` choose which
    /// products read the file's quantised blocks (`LlamaLoadOptions`).
    public static func load(_ resolved: URL, options: LlamaLoadOptions = LlamaLoadOptions()) throws -> LanguageModel {
        let file = try GGUFFile(contentsOf: resolved)
        let tokenizer = try BPETokenizer(gguf: file)
        let model = try LlamaModel(gguf: file, options: options)
        guard tokenizer.vocabularySize <= model.configuration.vocabularySize else {
            throw LlamaError.invalidKey(
                path: resolved.path, key: "tokenizer.ggml.tokens", value: "\(tokenizer.vocabularySize) tokens",
                reason: "more tokens than the \(model.configuration.vocabularySize) rows of token_embd.weight")
        }
        var stops: Set<Int> = []
        for key in ["tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"] {
            if let id = file.metadata[key]?.intValue, id >= 0, id < tokenizer.vocabularySize { stops.insert(id) }
        }
        return LanguageModel(
            tokenizer: tokenizer, model: model, chatTemplate: file.metadata["tokenizer.chat_template"]?.stringValue,
            stopTokenIDs: stops, url: resolved)
    }
}
