// LanguageModelChatTests: SmolLM2's own chat template, rendered from the GGUF file and tokenized,
// gives exactly the reference text and ids (smollm2/chat_template.json: 4 conversations ×
// add_generation_prompt, made by transformers' apply_chat_template).
import ArbiterCore
import ArbiterJinja
import ArbiterModels
import ArbiterTestSupport
import Foundation
import Testing

@Test func smolLM2ChatPromptsMatchReferenceIDs() throws {
    let file = try GGUFFile(contentsOf: try TestModels.smolLM2GGUF())
    let template = try #require(file.metadata["tokenizer.chat_template"]?.stringValue)
    let tokenizer = try BPETokenizer(gguf: file)
    let reference = try #require(try Fixtures.json("chat_templates/smollm2_chat_template.json") as? [String: Any])
    let conversations = try #require(reference["conversations"] as? [[String: Any]])
    #expect(conversations.count == 8)
    #expect(template == reference["template"] as? String)
    let parsed = try ChatTemplate(template)
    for conversation in conversations {
        let messages = try #require(conversation["messages"] as? [[String: String]]).map {
            ChatMessage(role: .init(rawValue: $0["role"] ?? ""), content: $0["content"] ?? "")
        }
        let flag = try #require(conversation["add_generation_prompt"] as? Bool)
        let text = try parsed.render(messages: messages, addGenerationPrompt: flag)
        #expect(text == conversation["text"] as? String)
        #expect(tokenizer.encode(text) == conversation["ids"] as? [Int], "\(conversation["name"] ?? "")")
    }
}
