// ChatTemplateRenderingTests: renders 10 real chat templates and SmolLM2's template for every
// reference conversation and add_generation_prompt flag, and compares with transformers' text
// byte for byte (fixtures: chat_templates/renderings.json, smollm2_chat_template.json).
import ArbiterCore
import ArbiterJinja
import ArbiterTestSupport
import Foundation
import Testing

struct ChatTemplateRenderingCase: Sendable, CustomTestStringConvertible {
    var template: String
    var name: String
    var conversation: String
    var messages: [ChatMessage]
    var addGenerationPrompt: Bool
    var text: String?
    var error: String?

    var testDescription: String { "\(name) \(conversation) agp=\(addGenerationPrompt)" }
}

enum ChatTemplateReference {
    static func messages(_ json: Any?) -> [ChatMessage] {
        ((json as? [[String: Any]]) ?? []).map { m in
            ChatMessage(role: .init(rawValue: m["role"] as? String ?? ""), content: m["content"] as? String ?? "")
        }
    }

    /// The 60 cases of renderings.json (10 templates × 3 conversations × 2 flags).
    static func renderingCases() throws -> [ChatTemplateRenderingCase] {
        let root = try #require(try Fixtures.json("chat_templates/renderings.json") as? [String: Any])
        let templates = try #require(root["templates"] as? [[String: Any]])
        var cases: [ChatTemplateRenderingCase] = []
        for t in templates {
            let source = try #require(t["template"] as? String)
            let name = try #require(t["name"] as? String)
            for c in try #require(t["cases"] as? [[String: Any]]) {
                cases.append(
                    ChatTemplateRenderingCase(
                        template: source, name: name, conversation: c["conversation"] as? String ?? "",
                        messages: messages(c["messages"]),
                        addGenerationPrompt: c["add_generation_prompt"] as? Bool ?? false,
                        text: c["text"] as? String, error: c["error"] as? String))
            }
        }
        return cases
    }

    /// The 8 SmolLM2 cases (4 conversations × 2 flags).
    static func smolLM2Cases() throws -> [ChatTemplateRenderingCase] {
        let root = try #require(try Fixtures.json("chat_templates/smollm2_chat_template.json") as? [String: Any])
        let source = try #require(root["template"] as? String)
        return try #require(root["conversations"] as? [[String: Any]]).map { c in
            ChatTemplateRenderingCase(
                template: source, name: "SmolLM2", conversation: c["name"] as? String ?? "",
                messages: messages(c["messages"]), addGenerationPrompt: c["add_generation_prompt"] as? Bool ?? false,
                text: c["text"] as? String, error: nil)
        }
    }

    /// 26 Jul 2024, the date the reference script fixed strftime_now to.
    static let referenceDate = Date(timeIntervalSince1970: 1_721_952_000)
}

@Suite struct ChatTemplateRenderingTests {
    @Test func referenceHasSixtyCases() throws {
        let cases = try ChatTemplateReference.renderingCases()
        #expect(cases.count == 60)
        #expect(cases.filter { $0.error != nil }.count == 2)
    }

    @Test(arguments: try ChatTemplateReference.renderingCases())
    func rendersLikeTransformers(_ c: ChatTemplateRenderingCase) throws {
        let template = try ChatTemplate(c.template, bosToken: "<s>", eosToken: "</s>")
        let render = {
            try template.render(
                messages: c.messages, addGenerationPrompt: c.addGenerationPrompt,
                extra: ["date_string": "26 Jul 2024"], now: ChatTemplateReference.referenceDate)
        }
        if let expected = c.text {
            let text = try render()
            #expect(text == expected)
            if text != expected {
                Issue.record("got: \(text.debugDescription)\nexpected: \(expected.debugDescription)")
            }
        } else {
            let error = try #require(c.error)
            let message = String(error.drop(while: { $0 != ":" }).dropFirst(2))
            #expect(throws: ChatTemplateError.raised(message)) { try render() }
        }
    }

    @Test(arguments: try ChatTemplateReference.smolLM2Cases())
    func rendersSmolLM2LikeTransformers(_ c: ChatTemplateRenderingCase) throws {
        let template = try ChatTemplate(c.template, bosToken: "<|im_start|>", eosToken: "<|im_end|>")
        let text = try template.render(messages: c.messages, addGenerationPrompt: c.addGenerationPrompt)
        #expect(text == c.text)
    }

    @Test func strftimeNowUsesTheGivenDate() throws {
        let template = try ChatTemplate("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%B %d, %Y') }}")
        let text = try template.render(
            messages: [], addGenerationPrompt: false, now: ChatTemplateReference.referenceDate)
        #expect(text == "26 Jul 2024|July 26, 2024")
    }
}
