import ArbiterCore
import ArbiterTestSupport
import Testing

// JinjaFuzzTests: 300 seeded random mutations of the 11 real chat templates (deleted, duplicated,
// swapped and inserted fragments, Jinja-significant tokens spliced in) must each parse and render,
// or throw a ChatTemplateError; never trap, hang or recurse without end. Limits are lowered so
// a mutation that loops forever stops quickly with `.limitExceeded`.
@testable import ArbiterJinja

@Suite struct JinjaFuzzTests {
    static let fragments = [
        "{%", "%}", "{{", "}}", "{#", "#}", "-", "+", "(", ")", "[", "]", "{", "}", "'", "\"", "\\", "|", "~", ".", ",",
        ":",
        " if ", " else ", " endif ", " for ", " endfor ", " in ", " not ", " and ", " or ", " is ", " defined ",
        "{% for x in messages %}", "{% endfor %}", "{% if true %}", "{% endif %}", "{% set ns = namespace(a=1) %}",
        "{% set ns.a = ns.a + 1 %}", "{{ loop.index }}", "{% break %}", "{% continue %}",
        "{{ raise_exception('boom') }}",
        "| tojson(indent=2)", "| trim", "| length", "| items", "[::-1]", "[1:]", "** 99", "// 0", "% 0", "* 99999",
        "range(99999999)", "messages", "loop", "9999999999999999999", "1e308", "\u{0}", "é", "\n", "\r\n", " ",
        "{% macro m(x) %}{{ m(x) }}{% endmacro %}{{ m(1) }}", "{% for i in range(100) %}{% for j in range(100) %}",
        "{% endfor %}{% endfor %}", "{% set x %}", "{% endset %}", "{% generation %}", "{% endgeneration %}",
    ]

    static func mutate(_ source: String, rng: inout SplitMix64) -> String {
        var scalars = Array(source.unicodeScalars)
        let edits = Int.random(in: 1...4, using: &rng)
        for _ in 0..<edits {
            let count = scalars.count
            let a = count == 0 ? 0 : Int.random(in: 0...count, using: &rng)
            let b = min(count, a + Int.random(in: 0...12, using: &rng))
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: scalars.removeSubrange(a..<b)
            case 1: scalars.insert(contentsOf: scalars[a..<b], at: min(count, b + Int.random(in: 0...20, using: &rng)))
            case 2:
                if let f = fragments.randomElement(using: &rng) { scalars.insert(contentsOf: f.unicodeScalars, at: a) }
            case 3:
                if a < count { scalars[a] = Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &rng)) }
            case 4:
                if b < count, a < b { scalars.swapAt(a, b) }
            default:
                if let f = fragments.randomElement(using: &rng) {
                    scalars.replaceSubrange(a..<b, with: f.unicodeScalars)
                }
            }
        }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return String(out)
    }

    static let conversations: [[JinjaValue]] = [
        [.message(role: "user", content: "Rate this.")],
        [.message(role: "system", content: "Judge."), .message(role: "user", content: "Is 2+2=4?")],
        [
            .message(role: "user", content: "Hi"), .message(role: "assistant", content: "<think>x</think>Hello"),
            .message(role: "user", content: "Weather?"),
            .message(
                role: "assistant", content: .none,
                fields: [
                    "tool_calls": [
                        [
                            "type": "function", "id": "call12345",
                            "function": ["name": "get_weather", "arguments": ["city": "Paris"]],
                        ]
                    ]
                ]),
            .message(role: "tool", content: "22", fields: ["tool_call_id": "call12345"]),
        ],
    ]

    @Test func mutatedRealTemplatesRenderOrThrow() throws {
        var sources = Array(Set(try ChatTemplateReference.renderingCases().map(\.template))).sorted()
        sources += Array(Set(try ChatTemplateReference.smolLM2Cases().map(\.template)))
        #expect(sources.count == 11)
        var rng = SplitMix64(seed: 20_240_726)
        var rendered = 0
        var parseErrors = 0
        var renderErrors = 0
        let tools: JinjaValue = [
            ["type": "function", "function": ["name": "get_weather", "parameters": ["type": "object"]]]
        ]
        for i in 0..<300 {
            let source = Self.mutate(sources[i % sources.count], rng: &rng)
            var template: ChatTemplate
            do {
                template = try ChatTemplate(source, bosToken: "<s>", eosToken: "</s>")
            } catch {
                parseErrors += 1
                #expect(error.localizedDescription.isEmpty == false)
                continue
            }
            template.limits = JinjaLimits(
                maxSteps: 50_000, maxCallDepth: 32, maxOutputBytes: 1 << 20, maxSequenceLength: 10_000)
            let extra: [String: JinjaValue] = i % 2 == 0 ? ["tools": tools] : [:]
            do {
                _ = try template.render(
                    messageValues: Self.conversations[i % 3], addGenerationPrompt: i % 4 < 2, extra: extra,
                    now: ChatTemplateReference.referenceDate)
                rendered += 1
            } catch {
                renderErrors += 1
                #expect(error.localizedDescription.isEmpty == false)
            }
        }
        #expect(rendered + parseErrors + renderErrors == 300)
        // The mutations must exercise both outcomes, or the test proves nothing.
        #expect(
            rendered > 30 && parseErrors > 30 && renderErrors > 5,
            "rendered \(rendered), parse errors \(parseErrors), render errors \(renderErrors)")
    }

    @Test func truncatedTemplatesNeverTrap() throws {
        let sources = Array(Set(try ChatTemplateReference.renderingCases().map(\.template))).sorted()
        for source in sources {
            let scalars = Array(source.unicodeScalars)
            for cut in stride(from: 0, to: scalars.count, by: max(1, scalars.count / 40)) {
                var prefix = String.UnicodeScalarView()
                prefix.append(contentsOf: scalars[..<cut])
                if let template = try? ChatTemplate(String(prefix)) {
                    _ = try? template.render(messageValues: Self.conversations[1], addGenerationPrompt: true)
                }
            }
        }
    }
}
