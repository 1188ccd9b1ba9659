// JinjaSyntaxErrorTests: malformed templates give typed errors at the right line and column;
// unsupported constructs are named; runtime errors carry the position of the failing expression;
// runaway templates stop at the safety caps with `.limitExceeded`.
import ArbiterCore
import ArbiterJinja
import Testing

@Suite struct JinjaSyntaxErrorTests {
    static let syntaxCases: [(source: String, line: Int, column: Int, fragment: String)] = [
        ("Hello {% if x %}abc", 1, 7, "never closed"),
        ("{{ x ", 1, 1, "unclosed tag"),
        ("ab\n  {{ 1 + }}", 2, 10, "expected an expression"),
        ("{% endif %}", 1, 1, "no matching open block"),
        ("{% for x y %}{% endfor %}", 1, 10, "expected 'in'"),
        ("{{ 'abc }}", 1, 4, "unterminated string"),
        ("x{# abc", 1, 2, "unclosed comment"),
        ("{{ x | }}", 1, 8, "expected a name"),
        ("{{ (1, 2 }}", 1, 10, "expected ')'"),
        ("{% if x %}a{% else %}b{% else %}c{% endif %}", 1, 23, "innermost open block"),
        ("{{ 1 + 2", 1, 1, "unclosed tag"),
        (
            "{% for x in y %}\n  {% if x %}\n{% endfor %}", 3, 1,
            "innermost open block is '{% if %}' at line 2, column 3"
        ),
        ("{% set %}", 1, 8, "expected a name"),
        ("{{ [1, 2 }}", 1, 10, "expected ']'"),
        ("{{ x[] }}", 1, 5, "empty subscript"),
        ("{{ 1 $ 2 }}", 1, 6, "unexpected character"),
    ]

    @Test(arguments: 0..<syntaxCases.count)
    func syntaxErrorHasPosition(_ index: Int) {
        let c = Self.syntaxCases[index]
        do {
            _ = try ChatTemplate(c.source)
            Issue.record("no error for \(c.source.debugDescription)")
        } catch {
            guard case .syntax(let message, let line, let column) = error else {
                Issue.record("expected .syntax, got \(error)")
                return
            }
            #expect(line == c.line && column == c.column, "\(c.source.debugDescription): \(message)")
            #expect(message.contains(c.fragment), "\(message)")
            #expect(error.localizedDescription.contains("line \(c.line), column \(c.column)"))
        }
    }

    @Test func unsupportedConstructsAreNamed() {
        let cases: [(String, String, Int, Int)] = [
            ("{% include 'x.jinja' %}", "include", 1, 1),
            ("{% raw %}{{ x }}{% endraw %}", "raw", 1, 4),
            ("{{ x | nosuchfilter }}", "nosuchfilter", 1, 6),
            ("{{ x is nosuchtest }}", "nosuchtest", 1, 6),
            ("{% for x in y recursive %}{% endfor %}", "recursive", 1, 15),
        ]
        for (source, name, line, column) in cases {
            #expect {
                _ = try ChatTemplate(source)
            } throws: { error in
                guard case .unsupported(let construct, let l, let c) = error as? ChatTemplateError else { return false }
                return construct.contains(name) && l == line && c == column
            }
        }
    }

    @Test func runtimeErrorsCarryPositionAndMessage() throws {
        let template = try ChatTemplate("line\n{{ missing.attr }}")
        #expect(
            throws: ChatTemplateError.runtime(
                message: "'missing' is undefined (while reading its attribute 'attr')", line: 2, column: 11)
        ) {
            try template.render(messages: [], addGenerationPrompt: false)
        }
        let unknownMethod = try ChatTemplate("{{ 'a'.zfill(3) }}")
        #expect(throws: ChatTemplateError.self) { try unknownMethod.render(messages: [], addGenerationPrompt: false) }
        let division = try ChatTemplate("{{ 1 // 0 }}")
        #expect(throws: ChatTemplateError.self) { try division.render(messages: [], addGenerationPrompt: false) }
    }

    @Test func raiseExceptionKeepsTheMessageVerbatim() throws {
        let template = try ChatTemplate(
            "{% if messages[0].role == 'system' %}{{ raise_exception('No system: ' + messages[0].content) }}{% endif %}ok"
        )
        #expect(throws: ChatTemplateError.raised("No system: be nice")) {
            try template.render(messages: [ChatMessage(role: "system", content: "be nice")], addGenerationPrompt: false)
        }
        #expect(
            try template.render(messages: [ChatMessage(role: "user", content: "hi")], addGenerationPrompt: false)
                == "ok")
        #expect(ChatTemplateError.raised("exact text").localizedDescription == "exact text")
    }

    @Test func runawayTemplatesStopWithLimitErrors() throws {
        let sources = [
            "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
            "{% for i in range(1000000000) %}{% endfor %}",
            "{{ 'abc' * 1000000000 }}",
            "{{ [1, 2] * 1000000000 }}",
            "{{ 2 ** 200 }}",
            "{{ 9223372036854775807 + 1 }}",
            "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "{% set ns = namespace(x=1) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}",
            "{% set ns = namespace(x=1) %}{% for i in range(100000) %}{% set ns.x = {'k': ns.x} %}{% endfor %}",
            "{% set ns = namespace(x=1) %}{% for i in range(100000) %}{% set ns.x = namespace(y=ns.x) %}{% endfor %}{{ ns.x }}",
        ]
        for source in sources {
            let template = try ChatTemplate(source)
            #expect(source.debugDescription.isEmpty == false)
            #expect {
                try template.render(messages: [], addGenerationPrompt: false)
            } throws: { error in
                if case .limitExceeded = error as? ChatTemplateError { return true }
                return false
            }
        }
    }

    @Test func deepNestingIsRefusedWhileParsing() {
        let sources = [
            String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000),
            "x" + String(repeating: ".a", count: 20_000),
            String(repeating: "not ", count: 10_000) + "x",
            "1" + String(repeating: " + 1", count: 10_000),
            String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000),
            "x" + String(repeating: " | trim", count: 10_000),
            String(repeating: "-", count: 10_000) + "1",
        ]
        for body in sources {
            #expect {
                _ = try ChatTemplate("{{ " + body + " }}")
            } throws: { error in
                if case .limitExceeded = error as? ChatTemplateError { return true }
                return false
            }
        }
        let blocks = String(repeating: "{% if x %}", count: 5000) + String(repeating: "{% endif %}", count: 5000)
        #expect(throws: ChatTemplateError.self) { _ = try ChatTemplate(blocks) }
    }

    @Test func loopCycleRoundRobins() throws {
        let template = try ChatTemplate("{% for m in messages %}{{ loop.cycle('odd', 'even') }} {% endfor %}")
        let messages = (0..<3).map { ChatMessage(role: "user", content: "\($0)") }
        #expect(try template.render(messages: messages, addGenerationPrompt: false) == "odd even odd ")
    }

    @Test func extremeIndicesAndStepsDoNotTrap() throws {
        let template = try ChatTemplate(
            "{{ [1, 2, 3][1::9223372036854775807] }}|{{ [1, 2, 3][::-9223372036854775807 - 1] }}|"
                + "{{ range(0, 10, -9223372036854775807 - 1) | list }}|{{ range(5, -9223372036854775807, -9223372036854775807 - 1) | list }}|"
                + "{{ 'abc'[-9223372036854775807 - 1] is defined }}|{{ -9223372036854775807 - 1 }}")
        #expect(
            try template.render(messages: [], addGenerationPrompt: false)
                == "[2]|[3]|[]|[5, -9223372036854775803]|False|-9223372036854775808")  // as Jinja2 renders it
        let traps = [
            "{{ (-9223372036854775807 - 1) // -1 }}", "{{ (-9223372036854775807 - 1) % -1 }}",
            "{{ -(-9223372036854775807 - 1) }}",
        ]
        for source in traps {
            let t = try ChatTemplate(source)
            #expect(throws: ChatTemplateError.self) { try t.render(messages: [], addGenerationPrompt: false) }
        }
    }

    @Test func deepRecursionThroughMacrosAndBlocksStops() throws {
        let ifs = String(repeating: "{% if true %}", count: 30)
        let endifs = String(repeating: "{% endif %}", count: 30)
        let parens = String(repeating: "(", count: 30) + "f()" + String(repeating: ")", count: 30)
        let template = try ChatTemplate(
            "{% macro f() %}" + ifs + "{{ " + parens + " }}" + endifs + "{% endmacro %}{{ f() }}")
        #expect {
            try template.render(messages: [], addGenerationPrompt: false)
        } throws: { error in
            if case .limitExceeded = error as? ChatTemplateError { return true }
            return false
        }
    }

    @Test func cyclicNamespacesRenderFinitely() throws {
        let template = try ChatTemplate(
            "{% set ns = namespace(a=1) %}{% set ns.self = [ns] %}{{ ns }}|{{ ns.self[0].a }}")
        #expect(
            try template.render(messages: [], addGenerationPrompt: false) == "<Namespace a=1, self=[<Namespace>]>|1")
    }
}
