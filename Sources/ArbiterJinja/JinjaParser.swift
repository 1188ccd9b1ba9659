// JinjaParser: recursive-descent parser from lexer tokens to the statement tree. Statements:
// if/elif/else, for (tuple targets, `if` filter, else), set (name, tuple, namespace attribute,
// block), macro, break/continue, generation. Anything else is rejected with `.unsupported` naming
// the tag. Not here: expressions (JinjaParser+Operators.swift, JinjaParser+Primary.swift), evaluation.

struct JinjaParser {
    var tokens: [JinjaToken]
    var index = 0
    var depth = 0
    static let maxDepth = 200
    static let maxExpressionDepth = 100
    static let closingNames: Set<String> = ["elif", "else", "endif", "endfor", "endset", "endmacro", "endgeneration"]

    init(tokens: [JinjaToken]) {
        self.tokens = tokens
    }

    // MARK: token helpers

    var current: JinjaToken? { index < tokens.count ? tokens[index] : nil }
    var currentPosition: JinjaPosition {
        current?.position ?? tokens.last?.position ?? .start
    }

    func isOp(_ op: String) -> Bool {
        if case .op(op) = current?.kind { return true }
        return false
    }

    func isName(_ name: String) -> Bool {
        if case .name(name) = current?.kind { return true }
        return false
    }

    mutating func expectOp(_ op: String) throws(ChatTemplateError) {
        guard isOp(op) else { throw .syntax("expected '\(op)', found \(describe(current))", at: currentPosition) }
        index += 1
    }

    mutating func expectName() throws(ChatTemplateError) -> String {
        guard case .name(let name) = current?.kind else {
            throw .syntax("expected a name, found \(describe(current))", at: currentPosition)
        }
        index += 1
        return name
    }

    mutating func expectBlockEnd() throws(ChatTemplateError) {
        guard case .blockEnd = current?.kind else {
            throw .syntax("expected '%}', found \(describe(current))", at: currentPosition)
        }
        index += 1
    }

    func describe(_ token: JinjaToken?) -> String {
        guard let token else { return "end of template" }
        switch token.kind {
        case .text: return "text"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "'}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "'%}'"
        case .name(let n): return "'\(n)'"
        case .string: return "a string"
        case .integer(let v): return "'\(v)'"
        case .float(let v): return "'\(v)'"
        case .op(let o): return "'\(o)'"
        }
    }

    // MARK: statements

    mutating func parseTemplate() throws(ChatTemplateError) -> [JinjaNode] {
        let (body, end) = try parseBody(until: [])
        if let end { throw .syntax("unexpected '{% \(end.name) %}' with no open block", at: end.position) }
        return body
    }

    /// Parses nodes until a block tag whose name is in `endNames` (consumed up to the name) or the end.
    private mutating func parseBody(until endNames: Set<String>, opener: String = "", openedAt: JinjaPosition = .start)
        throws(ChatTemplateError) -> ([JinjaNode], (name: String, position: JinjaPosition)?)
    {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw .limit("blocks nested deeper than \(Self.maxDepth)", at: currentPosition) }
        var nodes: [JinjaNode] = []
        while let token = current {
            switch token.kind {
            case .text(let text):
                nodes.append(JinjaNode(kind: .text(text), position: token.position))
                index += 1
            case .variableBegin:
                index += 1
                let expr = try parseExpression()
                guard case .variableEnd = current?.kind else {
                    throw .syntax("expected '}}', found \(describe(current))", at: currentPosition)
                }
                index += 1
                nodes.append(JinjaNode(kind: .output(expr), position: token.position))
            case .blockBegin:
                index += 1
                let namePosition = currentPosition
                let name = try expectName()
                if endNames.contains(name) { return (nodes, (name, namePosition)) }
                if !opener.isEmpty, Self.closingNames.contains(name) {
                    let closer = endNames.first { $0.hasPrefix("end") } ?? "end\(opener)"
                    throw .syntax(
                        "unexpected '{% \(name) %}': the innermost open block is '{% \(opener) %}' at line \(openedAt.line), "
                            + "column \(openedAt.column), which needs '{% \(closer) %}' first", at: token.position)
                }
                if let node = try parseStatement(name, at: token.position) { nodes.append(node) }
            default:
                throw .syntax("unexpected \(describe(token)) outside a tag", at: token.position)
            }
        }
        if !endNames.isEmpty {
            let closer = endNames.first { $0.hasPrefix("end") } ?? endNames.sorted()[0]
            throw .syntax("'{% \(opener) %}' is never closed: the template ends before '{% \(closer) %}'", at: openedAt)
        }
        return (nodes, nil)
    }

    private mutating func parseStatement(_ name: String, at position: JinjaPosition) throws(ChatTemplateError)
        -> JinjaNode?
    {
        switch name {
        case "if": return try parseIf(at: position)
        case "for": return try parseFor(at: position)
        case "set": return try parseSet(at: position)
        case "macro": return try parseMacro(at: position)
        case "break", "continue":
            try expectBlockEnd()
            return JinjaNode(kind: name == "break" ? .breakLoop : .continueLoop, position: position)
        case "generation":
            // transformers' AssistantTracker tag: renders its body unchanged.
            try expectBlockEnd()
            let (body, _) = try parseBody(until: ["endgeneration"], opener: "generation", openedAt: position)
            try expectBlockEnd()
            return JinjaNode(kind: .scope(body), position: position)
        case "elif", "else", "endif", "endfor", "endset", "endmacro", "endgeneration":
            throw .syntax("unexpected '{% \(name) %}' with no matching open block", at: position)
        default:
            throw .unsupported("the '{% \(name) %}' statement", at: position)
        }
    }

    private mutating func parseIf(at position: JinjaPosition) throws(ChatTemplateError) -> JinjaNode {
        var branches: [(JinjaExpr, [JinjaNode])] = []
        var condition = try parseExpression()
        while true {
            try expectBlockEnd()
            let (body, end) = try parseBody(until: ["elif", "else", "endif"], opener: "if", openedAt: position)
            branches.append((condition, body))
            guard let end else { throw .syntax("'{% if %}' is not closed", at: position) }
            switch end.name {
            case "elif":
                condition = try parseExpression()
            case "else":
                try expectBlockEnd()
                let (otherwise, _) = try parseBody(until: ["endif"], opener: "if", openedAt: position)
                try expectBlockEnd()
                return JinjaNode(kind: .ifBlock(branches: branches, otherwise: otherwise), position: position)
            default:
                try expectBlockEnd()
                return JinjaNode(kind: .ifBlock(branches: branches, otherwise: []), position: position)
            }
        }
    }

    private mutating func parseFor(at position: JinjaPosition) throws(ChatTemplateError) -> JinjaNode {
        var targets = [try expectName()]
        while isOp(",") {
            index += 1
            targets.append(try expectName())
        }
        guard isName("in") else {
            throw .syntax("expected 'in' in '{% for %}', found \(describe(current))", at: currentPosition)
        }
        index += 1
        let iterable = try parseOr(allowConditional: false)
        var condition: JinjaExpr? = nil
        if isName("if") {
            index += 1
            condition = try parseOr(allowConditional: false)
        }
        if isName("recursive") { throw .unsupported("recursive for loops", at: currentPosition) }
        try expectBlockEnd()
        let (body, end) = try parseBody(until: ["else", "endfor"], opener: "for", openedAt: position)
        var otherwise: [JinjaNode] = []
        if end?.name == "else" {
            try expectBlockEnd()
            (otherwise, _) = try parseBody(until: ["endfor"], opener: "for", openedAt: position)
        }
        try expectBlockEnd()
        return JinjaNode(
            kind: .forLoop(
                targets: targets, iterable: iterable, condition: condition, body: body, otherwise: otherwise),
            position: position)
    }

    private mutating func parseSet(at position: JinjaPosition) throws(ChatTemplateError) -> JinjaNode {
        let first = try expectName()
        var target = JinjaSetTarget.name(first)
        if isOp(".") {
            index += 1
            target = .attribute(first, try expectName())
        } else if isOp(",") {
            var names = [first]
            while isOp(",") {
                index += 1
                names.append(try expectName())
            }
            target = .names(names)
        }
        if case .blockEnd = current?.kind, case .name(let name) = target {
            index += 1
            let (body, _) = try parseBody(until: ["endset"], opener: "set", openedAt: position)
            try expectBlockEnd()
            return JinjaNode(kind: .setBlock(name, body), position: position)
        }
        try expectOp("=")
        let value = try parseTupleOrExpression()
        try expectBlockEnd()
        return JinjaNode(kind: .set(target, value), position: position)
    }

    private mutating func parseMacro(at position: JinjaPosition) throws(ChatTemplateError) -> JinjaNode {
        let name = try expectName()
        try expectOp("(")
        var parameters: [(String, JinjaExpr?)] = []
        while !isOp(")") {
            let parameter = try expectName()
            var defaultValue: JinjaExpr? = nil
            if isOp("=") {
                index += 1
                defaultValue = try parseExpression()
            }
            parameters.append((parameter, defaultValue))
            if !isOp(")") { try expectOp(",") }
        }
        index += 1
        try expectBlockEnd()
        let (body, _) = try parseBody(until: ["endmacro"], opener: "macro", openedAt: position)
        if isName(name) { index += 1 }
        try expectBlockEnd()
        return JinjaNode(kind: .macro(name: name, parameters: parameters, body: body), position: position)
    }
}
