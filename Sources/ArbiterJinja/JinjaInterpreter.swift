// JinjaInterpreter: walks the statement tree and renders text, with Jinja2's scoping (for loops
// and macros open a scope, if does not; namespace() objects are shared by reference), the `loop`
// variable, break/continue, and safety caps on steps, call depth and output size so that no
// template can hang or exhaust memory. Not here: expression operators (JinjaInterpreter+Expressions),
// filters/tests (JinjaFilters, JinjaTests), builtins and methods (JinjaInterpreter+Calls).
import Foundation

/// Caps that bound one render.
struct JinjaLimits: Sendable {
    var maxSteps = 2_000_000
    var maxCallDepth = 64
    /// Nested evaluation frames (expressions inside blocks inside macro calls), bounding stack use.
    var maxNestingDepth = 200
    /// Nesting of lists/tuples/dicts a template may build (deep values would make repr, ==, JSON
    /// and deallocation recurse deeply).
    var maxValueDepth = 64
    var maxOutputBytes = 16 << 20
    var maxSequenceLength = 1 << 20
}

final class JinjaInterpreter {
    enum Flow { case normal, breakLoop, continueLoop }

    var scopes: [[String: JinjaRuntimeValue]]
    let limits: JinjaLimits
    let now: Date
    private var steps = 0
    var callDepth = 0
    var nestingDepth = 0

    init(context: [String: JinjaRuntimeValue], limits: JinjaLimits, now: Date) {
        self.scopes = [context]
        self.limits = limits
        self.now = now
    }

    func step(_ position: JinjaPosition) throws(ChatTemplateError) {
        steps += 1
        if steps > limits.maxSteps {
            throw .limit("more than \(limits.maxSteps) evaluation steps", at: position)
        }
    }

    func checkSize(_ bytes: Int, at position: JinjaPosition) throws(ChatTemplateError) {
        if bytes > limits.maxOutputBytes {
            throw .limit("a string or output longer than \(limits.maxOutputBytes) bytes", at: position)
        }
    }

    func checkLength(_ count: Int, at position: JinjaPosition) throws(ChatTemplateError) {
        if count > limits.maxSequenceLength {
            throw .limit("a sequence longer than \(limits.maxSequenceLength) items", at: position)
        }
    }

    /// Refuses values nested deeper than `maxValueDepth` (lists, tuples, dicts and namespaces,
    /// each namespace visited once since they may form cycles); every visited container costs a
    /// step, so the check itself is bounded by `maxSteps`.
    func checkValueDepth(_ value: JinjaRuntimeValue, at position: JinjaPosition) throws(ChatTemplateError) {
        var stack: [(JinjaRuntimeValue, Int)] = [(value, 1)]
        var seen: Set<ObjectIdentifier> = []
        while let (current, depth) = stack.popLast() {
            let children: [JinjaRuntimeValue]
            switch current {
            case .array(let items), .tuple(let items): children = items
            case .dict(let d): children = d.values
            case .namespace(let ns):
                guard seen.insert(ObjectIdentifier(ns)).inserted else { continue }
                children = ns.values.values
            default: continue
            }
            try step(position)
            if depth > limits.maxValueDepth {
                throw .limit(
                    "a list, dict or namespace nested deeper than \(limits.maxValueDepth) levels", at: position)
            }
            for child in children {
                switch child {
                case .array, .tuple, .dict, .namespace: stack.append((child, depth + 1))
                default: break
                }
            }
        }
    }

    func lookup(_ name: String) -> JinjaRuntimeValue {
        for scope in scopes.reversed() {
            if let value = scope[name] { return value }
        }
        if JinjaInterpreter.builtinNames.contains(name) { return .builtin(name) }
        return .undefined("'\(name)' is undefined")
    }

    func assign(_ name: String, _ value: JinjaRuntimeValue) {
        scopes[scopes.count - 1][name] = value
    }

    func render(_ nodes: [JinjaNode]) throws(ChatTemplateError) -> String {
        var out = ""
        _ = try execute(nodes, into: &out)
        return out
    }

    /// Runs `body` one nesting level deeper, refusing to go past `maxNestingDepth`.
    func nested<T>(at position: JinjaPosition, _ body: () throws(ChatTemplateError) -> T) throws(ChatTemplateError) -> T
    {
        nestingDepth += 1
        defer { nestingDepth -= 1 }
        if nestingDepth > limits.maxNestingDepth {
            throw .limit(
                "blocks, expressions and macro calls nested deeper than \(limits.maxNestingDepth)", at: position)
        }
        return try body()
    }

    func execute(_ nodes: [JinjaNode], into out: inout String) throws(ChatTemplateError) -> Flow {
        guard let first = nodes.first else { return .normal }
        return try nested(at: first.position) { () throws(ChatTemplateError) -> Flow in
            try executeNodes(nodes, into: &out)
        }
    }

    private func executeNodes(_ nodes: [JinjaNode], into out: inout String) throws(ChatTemplateError) -> Flow {
        for node in nodes {
            try step(node.position)
            switch node.kind {
            case .text(let text):
                out += text
            case .output(let expr):
                out += try evaluate(expr).pythonString
            case .ifBlock(let branches, let otherwise):
                var taken = false
                for (condition, body) in branches where try evaluate(condition).truthy {
                    taken = true
                    let flow = try execute(body, into: &out)
                    if flow != .normal { return flow }
                    break
                }
                if !taken {
                    let flow = try execute(otherwise, into: &out)
                    if flow != .normal { return flow }
                }
            case .forLoop(let targets, let iterable, let condition, let body, let otherwise):
                try runFor(
                    targets: targets, iterable: iterable, condition: condition, body: body,
                    otherwise: otherwise, at: node.position, into: &out)
            case .set(let target, let expr):
                try runSet(target, try evaluate(expr), at: node.position)
            case .setBlock(let name, let body):
                scopes.append([:])
                var captured = ""
                let flow = try execute(body, into: &captured)
                scopes.removeLast()
                if flow != .normal { throw .syntax("break/continue outside a loop", at: node.position) }
                assign(name, .string(captured))
            case .macro(let name, let parameters, let body):
                assign(name, .macro(JinjaMacro(name: name, parameters: parameters, body: body)))
            case .breakLoop:
                return .breakLoop
            case .continueLoop:
                return .continueLoop
            case .scope(let body):
                let flow = try execute(body, into: &out)
                if flow != .normal { return flow }
            }
            try checkSize(out.utf8.count, at: node.position)
        }
        return .normal
    }

    private func runSet(_ target: JinjaSetTarget, _ value: JinjaRuntimeValue, at position: JinjaPosition)
        throws(ChatTemplateError)
    {
        switch target {
        case .name(let name):
            assign(name, value)
        case .names(let names):
            let items = try iterate(value, at: position)
            guard items.count == names.count else {
                throw .runtime("cannot unpack \(items.count) values into \(names.count) names", at: position)
            }
            for (name, item) in zip(names, items) { assign(name, item) }
        case .attribute(let name, let attribute):
            guard case .namespace(let ns) = lookup(name) else {
                throw .runtime(
                    "cannot assign attribute '\(attribute)' on '\(name)': it is not a namespace() object", at: position)
            }
            try checkValueDepth(.array([value]), at: position)
            ns.values[attribute] = value
        }
    }

    private func runFor(
        targets: [String], iterable: JinjaExpr, condition: JinjaExpr?, body: [JinjaNode], otherwise: [JinjaNode],
        at position: JinjaPosition, into out: inout String
    ) throws(ChatTemplateError) {
        var items = try iterate(try evaluate(iterable), at: iterable.position)
        if let condition {
            var kept: [JinjaRuntimeValue] = []
            for item in items {
                scopes.append([:])
                defer { scopes.removeLast() }
                try bind(targets, item, at: position)
                if try evaluate(condition).truthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty {
            scopes.append([:])
            defer { scopes.removeLast() }
            _ = try execute(otherwise, into: &out)
            return
        }
        let count = items.count
        for (i, item) in items.enumerated() {
            // Each iteration has its own scope: a `set` in one iteration is gone in the next (Jinja2).
            scopes.append([:])
            defer { scopes.removeLast() }
            try step(position)
            try bind(targets, item, at: position)
            var loop = JinjaRuntimeDict()
            loop["index"] = .int(i + 1)
            loop["index0"] = .int(i)
            loop["revindex"] = .int(count - i)
            loop["revindex0"] = .int(count - i - 1)
            loop["first"] = .bool(i == 0)
            loop["last"] = .bool(i == count - 1)
            loop["length"] = .int(count)
            loop["depth"] = .int(1)
            loop["depth0"] = .int(0)
            loop["previtem"] = i > 0 ? items[i - 1] : .undefined("there is no previous item")
            loop["nextitem"] = i + 1 < count ? items[i + 1] : .undefined("there is no next item")
            loop["cycle"] = .method(.int(i), "cycle")
            assign("loop", .dict(loop))
            if try execute(body, into: &out) == .breakLoop { break }
        }
    }

    private func bind(_ targets: [String], _ item: JinjaRuntimeValue, at position: JinjaPosition)
        throws(ChatTemplateError)
    {
        if targets.count == 1 {
            assign(targets[0], item)
            return
        }
        let parts = try iterate(item, at: position)
        guard parts.count == targets.count else {
            throw .runtime("cannot unpack \(parts.count) values into \(targets.count) loop variables", at: position)
        }
        for (name, part) in zip(targets, parts) { assign(name, part) }
    }

    /// The items a `for` loop visits: list items, dict keys, string characters; undefined is empty.
    func iterate(_ value: JinjaRuntimeValue, at position: JinjaPosition) throws(ChatTemplateError)
        -> [JinjaRuntimeValue]
    {
        switch value {
        case .undefined: return []
        case .array(let items), .tuple(let items): return items
        case .dict(let dict): return dict.keys.map { .string($0) }
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        default: throw .runtime("'\(value.typeName)' object is not iterable", at: position)
        }
    }

    /// Calls a macro with evaluated arguments; the body sees the template's top-level variables
    /// and its parameters, and its rendered text is the result.
    func callMacro(
        _ macro: JinjaMacro, args: [JinjaRuntimeValue], kwargs: [(String, JinjaRuntimeValue)],
        at position: JinjaPosition
    ) throws(ChatTemplateError) -> JinjaRuntimeValue {
        callDepth += 1
        defer { callDepth -= 1 }
        if callDepth > limits.maxCallDepth {
            throw .limit(
                "macro calls nested deeper than \(limits.maxCallDepth) (runaway recursion in '\(macro.name)')",
                at: position)
        }
        if args.count > macro.parameters.count {
            throw .runtime(
                "macro '\(macro.name)' takes \(macro.parameters.count) arguments, got \(args.count)", at: position)
        }
        let saved = scopes
        scopes = [scopes[0], [:]]
        defer { scopes = saved }
        for (i, (name, defaultExpr)) in macro.parameters.enumerated() {
            if i < args.count {
                assign(name, args[i])
            } else if let pair = kwargs.last(where: { $0.0 == name }) {
                assign(name, pair.1)
            } else if let defaultExpr {
                assign(name, try evaluate(defaultExpr))
            } else {
                assign(name, .undefined("parameter '\(name)' of macro '\(macro.name)' was not given"))
            }
        }
        for (name, _) in kwargs where !macro.parameters.contains(where: { $0.0 == name }) {
            throw .runtime("macro '\(macro.name)' has no parameter '\(name)'", at: position)
        }
        var out = ""
        if try execute(macro.body, into: &out) != .normal {
            throw .syntax("break/continue outside a loop in macro '\(macro.name)'", at: position)
        }
        return .string(out)
    }
}
