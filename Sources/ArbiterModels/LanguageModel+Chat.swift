// LanguageModel+Chat: renders a conversation with the model's own chat template and tokenizes
// it (literal special tokens such as `<|im_start|>` map to their ids). Not generation itself.
import ArbiterCore
import ArbiterJinja
import Foundation

/// Why a conversation could not be turned into prompt ids.
public enum ChatPromptError: LocalizedError, Equatable {
    /// The model file carries no `tokenizer.chat_template`.
    case noChatTemplate(path: String)

    public var errorDescription: String? {
        switch self {
        case .noChatTemplate(let path):
            return
                "\(path): the model has no tokenizer.chat_template; pass a plain prompt (no --chat) or use a chat model"
        }
    }
}

extension LanguageModel {
    /// The model's chat template, parsed, with its BOS/EOS token strings bound.
    public func parsedChatTemplate() throws -> ChatTemplate {
        guard let source = chatTemplate else { throw ChatPromptError.noChatTemplate(path: url.path) }
        let bos = tokenizer.specialTokenIDs.bos.flatMap { tokenizer.token(of: $0) } ?? ""
        let eos = tokenizer.specialTokenIDs.eos.flatMap { tokenizer.token(of: $0) } ?? ""
        return try ChatTemplate(source, bosToken: bos, eosToken: eos)
    }

    /// The rendered chat text for `messages`.
    public func renderChat(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> String {
        try parsedChatTemplate().render(messages: messages, addGenerationPrompt: addGenerationPrompt)
    }

    /// Prompt ids for `messages`, rendered with the model's template and tokenized.
    public func chatPromptIDs(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> [Int] {
        tokenizer.encode(try renderChat(messages, addGenerationPrompt: addGenerationPrompt))
    }
}
