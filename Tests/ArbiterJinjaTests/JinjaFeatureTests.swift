// JinjaFeatureTests: compares the interpreter with jinja2 3.1.6 (configured as transformers
// configures chat templates) on jinja_cases.json: the 10 real templates with tool calls, thinking,
// whitespace-heavy messages and extra variables, 60 one-feature templates, and 200 random
// whitespace-control templates. A case where Jinja2
// raised must throw too; raise_exception must throw `.raised` with the same message.
import ArbiterJinja
import ArbiterTestSupport
import Foundation
import Testing

struct JinjaReferenceCase: Sendable, CustomTestStringConvertible {
    var label: String
    var template: String
    /// Each message as the template sees it (tool calls, null content).
    var messages: [JinjaValue]
    var addGenerationPrompt: Bool
    var variables: [String: JinjaValue]
    var text: String?
    var errorType: String?
    var errorMessage: String?
    var testDescription: String { label }
}

struct JinjaReferenceLayoutError: Error {}

enum JinjaReference {
    static func load() throws -> (
        templates: [JinjaReferenceCase], snippets: [JinjaReferenceCase], whitespace: [JinjaReferenceCase]
    ) {
        let text = String(decoding: try Fixtures.data("chat_templates/jinja_cases.json"), as: UTF8.self)
        guard case .dictionary(let root) = try JinjaValue(parsingJSON: text),
            case .array(let templates)? = root["templates"], case .array(let snippets)? = root["snippets"],
            case .array(let whitespace)? = root["whitespace"]
        else { throw JinjaReferenceLayoutError() }
        return (
            try templates.map { try makeCase($0, isSnippet: false) },
            try snippets.enumerated().map { try makeCase($1, isSnippet: true, index: $0) },
            try whitespace.enumerated().map { try makeCase($1, isSnippet: true, index: $0) }
        )
    }

    static func makeCase(_ value: JinjaValue, isSnippet: Bool, index: Int = 0) throws -> JinjaReferenceCase {
        guard case .dictionary(let d) = value, case .string(let template)? = d["template"] ?? templateSource(d)
        else { throw JinjaReferenceLayoutError() }
        var messages: [JinjaValue] = []
        if case .array(let list)? = d["messages"] {
            for m in list {
                guard case .dictionary(let md) = m, case .string(let role)? = md["role"] else { continue }
                var fields: [String: JinjaValue] = [:]
                for (k, v) in md.pairs where k != "role" && k != "content" { fields[k] = v }
                messages.append(.message(role: role, content: md["content"] ?? .none, fields: fields))
            }
        }
        var variables: [String: JinjaValue] = [:]
        if case .dictionary(let vars)? = d["variables"] { for (k, v) in vars.pairs { variables[k] = v } }
        func string(_ key: String) -> String? { if case .string(let s)? = d[key] { return s } else { return nil } }
        let label =
            isSnippet
            ? "snippet \(index): \(template.prefix(50))"
            : "\(string("name") ?? "") \(string("conversation") ?? "") \(string("extra") ?? "") agp=\(d["add_generation_prompt"] == .bool(true))"
        return JinjaReferenceCase(
            label: label, template: template, messages: messages,
            addGenerationPrompt: d["add_generation_prompt"] == .bool(true),
            variables: variables, text: string("text"), errorType: string("error"), errorMessage: string("message"))
    }

    /// Template cases name their template; the source comes from renderings.json.
    static func templateSource(_ d: JinjaDictionary) -> JinjaValue? {
        guard case .string(let name)? = d["name"] else { return nil }
        return sources[name].map { .string($0) }
    }

    static let sources: [String: String] = {
        guard let cases = try? ChatTemplateReference.renderingCases() else { return [:] }
        var out: [String: String] = [:]
        for c in cases { out[c.name] = c.template }
        return out
    }()

    static func check(_ c: JinjaReferenceCase) throws {
        let template: ChatTemplate
        do {
            template = try ChatTemplate(c.template, bosToken: "<s>", eosToken: "</s>")
        } catch {
            #expect(c.errorType == "TemplateSyntaxError", "parse failed: \(error.localizedDescription)")
            return
        }
        let render = {
            try template.render(
                messageValues: c.messages, addGenerationPrompt: c.addGenerationPrompt, extra: c.variables,
                now: ChatTemplateReference.referenceDate)
        }
        if let expected = c.text {
            do {
                let text = try render()
                #expect(text == expected, "got \(text.debugDescription) expected \(expected.debugDescription)")
            } catch {
                Issue.record("threw \(error.localizedDescription); expected \(expected.debugDescription)")
            }
        } else if c.errorType == "TemplateError" {
            #expect(throws: ChatTemplateError.raised(c.errorMessage ?? "")) { try render() }
        } else {
            // Jinja2's UndefinedError, TypeError, SecurityError, ZeroDivisionError: a runtime error here.
            #expect(c.errorType != "TemplateSyntaxError", "Jinja2 rejected this template while parsing")
            #expect {
                try render()
            } throws: { error in
                if case .runtime = error as? ChatTemplateError { return true }
                return false
            }
        }
    }
}

@Suite struct JinjaFeatureTests {
    @Test func referenceFileHasAllCases() throws {
        let (templates, snippets, whitespace) = try JinjaReference.load()
        #expect(whitespace.count == 200)
        #expect(templates.count == 160)
        #expect(snippets.count == 60)
        #expect(templates.allSatisfy { !$0.template.isEmpty })
    }

    @Test(arguments: try JinjaReference.load().templates)
    func realTemplatesWithToolsMatchJinja2(_ c: JinjaReferenceCase) throws {
        try JinjaReference.check(c)
    }

    @Test(arguments: try JinjaReference.load().snippets)
    func featureSnippetsMatchJinja2(_ c: JinjaReferenceCase) throws {
        try JinjaReference.check(c)
    }

    /// trim_blocks, lstrip_blocks, `-` and `+` around every tag kind, \r\n, nested blocks.
    @Test func randomWhitespaceControlMatchesJinja2() throws {
        for c in try JinjaReference.load().whitespace { try JinjaReference.check(c) }
    }
}

extension JinjaValue {
    /// A message dictionary as transformers passes it: `role`, `content`, then the other fields
    /// sorted by key (the layout jinja_cases.json was made with).
    static func message(role: String, content: JinjaValue, fields: [String: JinjaValue] = [:]) -> JinjaValue {
        var dict: JinjaDictionary = ["role": .string(role), "content": content]
        for key in fields.keys.sorted() where key != "role" && key != "content" { dict[key] = fields[key] }
        return .dictionary(dict)
    }
}
