// JinjaParser+Primary: the tightest-binding expression levels: literals, names, lists, dicts,
// tuples, parentheses, then postfix `.attr`, `[index]`, `[a:b:c]`, calls, and the filter/test
// chain (`| name(args)`, `is [not] name args`). Not here: operators (JinjaParser.swift).

extension JinjaParser {
    mutating func parsePrimary() throws(ChatTemplateError) -> JinjaExpr {
        guard let token = current else {
            throw .syntax("expected an expression, found end of template", at: currentPosition)
        }
        let position = token.position
        switch token.kind {
        case .name(let name):
            index += 1
            switch name {
            case "true", "True": return try make(.literal(.bool(true)), position: position)
            case "false", "False": return try make(.literal(.bool(false)), position: position)
            case "none", "None": return try make(.literal(.none), position: position)
            default: return try make(.name(name), position: position)
            }
        case .string(var value):
            index += 1
            while case .string(let more) = current?.kind {
                value += more
                index += 1
            }
            return try make(.literal(.string(value)), position: position)
        case .integer(let v):
            index += 1
            return try make(.literal(.int(v)), position: position)
        case .float(let v):
            index += 1
            return try make(.literal(.double(v)), position: position)
        case .op("("):
            index += 1
            if isOp(")") {
                index += 1
                return try make(.tuple([]), position: position)
            }
            let first = try parseExpression()
            if isOp(")") {
                index += 1
                return first
            }
            var items = [first]
            while isOp(",") {
                index += 1
                if isOp(")") { break }
                items.append(try parseExpression())
            }
            try expectOp(")")
            return try make(.tuple(items), position: position)
        case .op("["):
            index += 1
            var items: [JinjaExpr] = []
            while !isOp("]") {
                items.append(try parseExpression())
                if !isOp("]") { try expectOp(",") }
            }
            index += 1
            return try make(.list(items), position: position)
        case .op("{"):
            index += 1
            var pairs: [(JinjaExpr, JinjaExpr)] = []
            while !isOp("}") {
                let key = try parseExpression()
                try expectOp(":")
                pairs.append((key, try parseExpression()))
                if !isOp("}") { try expectOp(",") }
            }
            index += 1
            return try make(.dict(pairs), position: position)
        default:
            throw .syntax("expected an expression, found \(describe(token))", at: position)
        }
    }

    mutating func parsePostfix(_ start: JinjaExpr) throws(ChatTemplateError) -> JinjaExpr {
        var node = start
        while true {
            let position = currentPosition
            if isOp(".") {
                index += 1
                switch current?.kind {
                case .name(let name):
                    index += 1
                    node = try make(.attribute(node, name), position: position)
                case .integer(let i):
                    index += 1
                    node = try make(
                        .subscriptAccess(node, try make(.literal(.int(i)), position: position)), position: position)
                default:
                    throw .syntax(
                        "expected an attribute name after '.', found \(describe(current))", at: currentPosition)
                }
            } else if isOp("[") {
                index += 1
                node = try parseSubscript(node, at: position)
            } else if isOp("(") {
                node = try parseCall(node, at: position)
            } else {
                return node
            }
        }
    }

    private mutating func parseSubscript(_ target: JinjaExpr, at position: JinjaPosition) throws(ChatTemplateError)
        -> JinjaExpr
    {
        var parts: [JinjaExpr?] = [nil]
        var sawColon = false
        while !isOp("]") {
            if isOp(":") {
                sawColon = true
                index += 1
                parts.append(nil)
                if parts.count > 3 { throw .syntax("too many ':' in slice", at: currentPosition) }
                continue
            }
            if parts[parts.count - 1] != nil {
                throw .syntax("expected ']' or ':', found \(describe(current))", at: currentPosition)
            }
            parts[parts.count - 1] = try parseExpression()
        }
        index += 1
        if !sawColon {
            guard let key = parts[0] else { throw .syntax("empty subscript '[]'", at: position) }
            return try make(.subscriptAccess(target, key), position: position)
        }
        while parts.count < 3 { parts.append(nil) }
        return try make(.slice(target, start: parts[0], stop: parts[1], step: parts[2]), position: position)
    }

    mutating func parseArguments() throws(ChatTemplateError) -> ([JinjaExpr], [(String, JinjaExpr)]) {
        try expectOp("(")
        var args: [JinjaExpr] = []
        var kwargs: [(String, JinjaExpr)] = []
        while !isOp(")") {
            if isOp("*") || isOp("**") { throw .unsupported("*args/**kwargs in calls", at: currentPosition) }
            if case .name(let name) = current?.kind, index + 1 < tokens.count, case .op("=") = tokens[index + 1].kind {
                index += 2
                kwargs.append((name, try parseExpression()))
            } else {
                if !kwargs.isEmpty { throw .syntax("positional argument after keyword argument", at: currentPosition) }
                args.append(try parseExpression())
            }
            if !isOp(")") { try expectOp(",") }
        }
        index += 1
        return (args, kwargs)
    }

    private mutating func parseCall(_ callee: JinjaExpr, at position: JinjaPosition) throws(ChatTemplateError)
        -> JinjaExpr
    {
        let (args, kwargs) = try parseArguments()
        return try make(.call(callee, args: args, kwargs: kwargs), position: position)
    }

    mutating func parseFilterExpression(_ start: JinjaExpr) throws(ChatTemplateError) -> JinjaExpr {
        var node = start
        while true {
            let position = currentPosition
            if isOp("|") {
                index += 1
                var name = try expectName()
                while isOp(".") {
                    index += 1
                    name += "." + (try expectName())
                }
                guard JinjaInterpreter.knownFilters.contains(name) else {
                    throw .unsupported("the '\(name)' filter", at: position)
                }
                var args: [JinjaExpr] = []
                var kwargs: [(String, JinjaExpr)] = []
                if isOp("(") { (args, kwargs) = try parseArguments() }
                node = try make(.filter(node, name: name, args: args, kwargs: kwargs), position: position)
                node = try parsePostfix(node)
            } else if isName("is") {
                index += 1
                var negated = false
                if isName("not") {
                    negated = true
                    index += 1
                }
                let name = try expectName()
                guard JinjaInterpreter.knownTests.contains(name) else {
                    throw .unsupported("the '\(name)' test", at: position)
                }
                var args: [JinjaExpr] = []
                if isOp("(") {
                    let (positional, kwargs) = try parseArguments()
                    args = positional + kwargs.map { $0.1 }
                } else if startsTestArgument() {
                    args = [try parsePostfix(try parsePrimary())]
                }
                node = try make(.test(node, name: name, args: args, negated: negated), position: position)
            } else if isOp("(") {
                node = try parseCall(node, at: position)
            } else {
                return node
            }
        }
    }

    private func startsTestArgument() -> Bool {
        switch current?.kind {
        case .name(let n): return !["else", "or", "and", "if", "in", "not", "is"].contains(n)
        case .string, .integer, .float: return true
        case .op("["), .op("{"): return true
        default: return false
        }
    }
}
