import ArbiterCore
import ArbiterJinja
// ChatTemplateValueTests: the public value model: JinjaValue from Foundation JSON objects and from
// JSON text (key order kept, malformed text throws with an offset, mutated JSON never traps),
// ChatMessage's dictionary layout, dictionary messages, and extra variables reaching the template.
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct ChatTemplateValueTests {
    @Test func foundationJSONKeepsTypes() throws {
        let object = try JSONSerialization.jsonObject(
            with: Data(#"{"b": true, "i": 3, "d": 2.5, "n": null, "s": "x", "a": [1]}"#.utf8))
        let value = JinjaValue(json: object)
        #expect(value == ["a": [1], "b": true, "d": 2.5, "i": 3, "n": nil, "s": "x"])
    }

    @Test func jsonTextKeepsKeyOrder() throws {
        let value = try JinjaValue(
            parsingJSON: #" {"z": 1, "a": [true, null, -2.5e1, "\u00e9\n\ud83d\ude00"], "m": {}} "#)
        guard case .dictionary(let d) = value else {
            Issue.record("not a dictionary")
            return
        }
        #expect(d.keys == ["z", "a", "m"])
        #expect(d["a"] == [true, nil, -25.0, "é\n😀"])
        let template = try ChatTemplate("{{ v | tojson }}")
        #expect(
            try template.render(messages: [], addGenerationPrompt: false, extra: ["v": value])
                == #"{"z": 1, "a": [true, null, -25.0, "é\n😀"], "m": {}}"#)
    }

    @Test func malformedJSONThrowsWithOffset() {
        let cases: [(String, Int)] = [
            ("", 0), ("{", 1), ("[1,]", 3), (#"{"a" 1}"#, 5), ("tru", 0), (#""abc"#, 4), ("1 2", 2),
        ]
        for (text, offset) in cases {
            #expect(throws: ChatTemplateJSONError.self) { _ = try JinjaValue(parsingJSON: text) }
            do {
                _ = try JinjaValue(parsingJSON: text)
            } catch {
                #expect(error.offset == offset, "\(text.debugDescription): \(error)")
            }
        }
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: ChatTemplateJSONError.self) { _ = try JinjaValue(parsingJSON: deep) }
    }

    @Test func mutatedJSONNeverTraps() {
        let good = Array(
            #"{"type": "function", "function": {"name": "f", "arguments": {"x": [1, 2.5, "\u00e9"], "y": null}}}"#.utf8)
        var rng = SplitMix64(seed: 7)
        var parsed = 0
        for _ in 0..<200 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
                case 1: bytes.removeSubrange(i..<min(bytes.count, i + Int.random(in: 1...5, using: &rng)))
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: i)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            if (try? JinjaValue(parsingJSON: String(decoding: bytes, as: UTF8.self))) != nil { parsed += 1 }
        }
        #expect(parsed < 200)
    }

    @Test func messageDictionaryLayout() throws {
        // A ChatMessage reaches the template as {"role", "content"}, in that order.
        let plain = try ChatTemplate("{% for m in messages %}{{ m | tojson }}|{% endfor %}")
        #expect(
            try plain.render(
                messages: [.system("be nice"), ChatMessage(role: "tool", content: "22")], addGenerationPrompt: false)
                == #"{"role": "system", "content": "be nice"}|{"role": "tool", "content": "22"}|"#)
        // Messages a ChatMessage cannot hold (tool calls, null content) go in as dictionaries.
        let message = JinjaValue.message(
            role: "assistant", content: .none, fields: ["tool_calls": [["id": "1"]], "name": "x"])
        let template = try ChatTemplate(
            "{% for m in messages %}{{ m.role }}:{{ m.content is none }}:{{ m.tool_calls[0].id }}:{{ 'name' in m }}{% endfor %}"
                + "|{{ bos_token }}{{ eos_token }}|{{ add_generation_prompt }}|{{ flag }}", bosToken: "<b>",
            eosToken: "<e>")
        #expect(
            try template.render(messageValues: [message], addGenerationPrompt: true, extra: ["flag": 1.5])
                == "assistant:True:1:True|<b><e>|True|1.5")
        #expect(
            try template.render(messageValues: [message], addGenerationPrompt: false, extra: ["bos_token": "override"])
                .contains("|override<e>|False|"))
    }

    @Test func tokenizerConfigTemplates() throws {
        let cases = try ChatTemplateReference.smolLM2Cases()
        let source = try #require(cases.first?.template)
        let config: JinjaValue = [
            "bos_token": ["content": "<|im_start|>", "lstrip": false], "eos_token": "<|im_end|>",
            "chat_template": .string(source),
        ]
        let data = Data(
            try ChatTemplate("{{ c | tojson }}").render(messages: [], addGenerationPrompt: false, extra: ["c": config])
                .utf8)
        let template = try ChatTemplate(tokenizerConfigJSON: data)
        #expect(template.bosToken == "<|im_start|>" && template.eosToken == "<|im_end|>")
        for c in cases {
            #expect(try template.render(messages: c.messages, addGenerationPrompt: c.addGenerationPrompt) == c.text)
        }
        let named = Data(
            #"{"chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T{{ eos_token }}"}], "eos_token": "</s>"}"#
                .utf8)
        #expect(
            try ChatTemplate(tokenizerConfigJSON: named, name: "tool_use").render(
                messages: [], addGenerationPrompt: false) == "T</s>")
        #expect(try ChatTemplate(tokenizerConfigJSON: named).render(messages: [], addGenerationPrompt: false) == "D")
        #expect(throws: ChatTemplateError.self) { _ = try ChatTemplate(tokenizerConfigJSON: named, name: "rag") }
        #expect(throws: ChatTemplateError.self) { _ = try ChatTemplate(tokenizerConfigJSON: Data("{}".utf8)) }
        #expect(throws: ChatTemplateError.self) { _ = try ChatTemplate(tokenizerConfigJSON: Data("{".utf8)) }
    }

    @Test func tojsonEnsureASCIIAndGenerationBlocks() throws {
        let template = try ChatTemplate(
            #"{{ 'é😀\u007f~' | tojson(ensure_ascii=true) }}|{% generation %}kept{% endgeneration %}"#)
        #expect(try template.render(messages: [], addGenerationPrompt: false) == #""\u00e9\ud83d\ude00\u007f~"|kept"#)
    }
}
