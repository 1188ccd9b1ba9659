// JinjaParser+Operators: expression levels from the conditional expression down to unary
// operators, with Jinja2's precedence (or < and < not < comparisons < + - < ~ < * / // % < ** <
// unary), and the depth cap that keeps expression trees shallow. Not here: primaries, postfix
// operators and filters (JinjaParser+Primary.swift).

extension JinjaParser {
    /// Builds an expression node, refusing trees taller than `maxExpressionDepth`.
    func make(_ kind: JinjaExpr.Kind, position: JinjaPosition) throws(ChatTemplateError) -> JinjaExpr {
        let expr = JinjaExpr(kind: kind, position: position)
        if expr.depth > Self.maxExpressionDepth {
            throw .limit("expression nested deeper than \(Self.maxExpressionDepth) levels", at: position)
        }
        return expr
    }

    /// `a, b` (a tuple) or a single expression, as on the right of `set`.
    mutating func parseTupleOrExpression() throws(ChatTemplateError) -> JinjaExpr {
        let first = try parseExpression()
        guard isOp(",") else { return first }
        var items = [first]
        while isOp(",") {
            index += 1
            if case .blockEnd = current?.kind { break }
            items.append(try parseExpression())
        }
        return try make(.tuple(items), position: first.position)
    }

    mutating func parseExpression() throws(ChatTemplateError) -> JinjaExpr {
        try parseOr(allowConditional: true)
    }

    mutating func enter() throws(ChatTemplateError) {
        depth += 1
        if depth > Self.maxDepth { throw .limit("expression nested deeper than \(Self.maxDepth)", at: currentPosition) }
    }

    mutating func parseOr(allowConditional: Bool) throws(ChatTemplateError) -> JinjaExpr {
        try enter()
        defer { depth -= 1 }
        var left = try parseAnd()
        while isName("or") {
            index += 1
            left = try make(.or(left, try parseAnd()), position: left.position)
        }
        if allowConditional && isName("if") {
            index += 1
            let condition = try parseOr(allowConditional: false)
            var otherwise: JinjaExpr? = nil
            if isName("else") {
                index += 1
                otherwise = try parseOr(allowConditional: true)
            }
            left = try make(
                .conditional(then: left, condition: condition, otherwise: otherwise), position: left.position)
        }
        return left
    }

    mutating func parseAnd() throws(ChatTemplateError) -> JinjaExpr {
        var left = try parseNot()
        while isName("and") {
            index += 1
            left = try make(.and(left, try parseNot()), position: left.position)
        }
        return left
    }

    mutating func parseNot() throws(ChatTemplateError) -> JinjaExpr {
        if isName("not") {
            let position = currentPosition
            index += 1
            try enter()
            defer { depth -= 1 }
            return try make(.not(try parseNot()), position: position)
        }
        return try parseCompare()
    }

    mutating func parseCompare() throws(ChatTemplateError) -> JinjaExpr {
        let left = try parseMath1()
        var comparisons: [(String, JinjaExpr)] = []
        while true {
            if case .op(let op) = current?.kind, ["==", "!=", "<", "<=", ">", ">="].contains(op) {
                index += 1
                comparisons.append((op, try parseMath1()))
            } else if isName("in") {
                index += 1
                comparisons.append(("in", try parseMath1()))
            } else if isName("not"), index + 1 < tokens.count, case .name("in") = tokens[index + 1].kind {
                index += 2
                comparisons.append(("not in", try parseMath1()))
            } else {
                break
            }
        }
        return comparisons.isEmpty ? left : try make(.compare(left, comparisons), position: left.position)
    }

    mutating func parseBinaryLevel(
        _ ops: Set<String>, next: (inout JinjaParser) throws(ChatTemplateError) -> JinjaExpr
    ) throws(ChatTemplateError) -> JinjaExpr {
        var left = try next(&self)
        while case .op(let op) = current?.kind, ops.contains(op) {
            index += 1
            left = try make(.binary(op, left, try next(&self)), position: left.position)
        }
        return left
    }

    mutating func parseMath1() throws(ChatTemplateError) -> JinjaExpr {
        try parseBinaryLevel(["+", "-"]) { (p: inout JinjaParser) throws(ChatTemplateError) in try p.parseConcat() }
    }

    mutating func parseConcat() throws(ChatTemplateError) -> JinjaExpr {
        try parseBinaryLevel(["~"]) { (p: inout JinjaParser) throws(ChatTemplateError) in try p.parseMath2() }
    }

    mutating func parseMath2() throws(ChatTemplateError) -> JinjaExpr {
        try parseBinaryLevel(["*", "/", "//", "%"]) { (p: inout JinjaParser) throws(ChatTemplateError) in
            try p.parsePow()
        }
    }

    mutating func parsePow() throws(ChatTemplateError) -> JinjaExpr {
        try parseBinaryLevel(["**"]) { (p: inout JinjaParser) throws(ChatTemplateError) in
            try p.parseUnary(withFilter: true)
        }
    }

    mutating func parseUnary(withFilter: Bool) throws(ChatTemplateError) -> JinjaExpr {
        try enter()
        defer { depth -= 1 }
        let position = currentPosition
        var node: JinjaExpr
        if isOp("-") || isOp("+") {
            let op = isOp("-") ? "-" : "+"
            index += 1
            node = try make(.unary(op, try parseUnary(withFilter: false)), position: position)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilter { node = try parseFilterExpression(node) }
        return node
    }
}
