// JinjaInterpreter+Expressions: evaluation of expressions with Python/Jinja2 semantics: attribute
// and item lookup (missing → undefined; using undefined where a value is needed → error),
// slicing, arithmetic with Python's floor division and modulo, `~` concatenation, chained
// comparisons, `in`, short-circuit `and`/`or` returning an operand. Not here: filters, tests, calls.
import Foundation

extension JinjaInterpreter {
    func evaluate(_ expr: JinjaExpr) throws(ChatTemplateError) -> JinjaRuntimeValue {
        try nested(at: expr.position) { () throws(ChatTemplateError) -> JinjaRuntimeValue in try evaluateNode(expr) }
    }

    private func evaluateNode(_ expr: JinjaExpr) throws(ChatTemplateError) -> JinjaRuntimeValue {
        try step(expr.position)
        let position = expr.position
        switch expr.kind {
        case .literal(let literal):
            return JinjaRuntimeValue(literal)
        case .name(let name):
            return lookup(name)
        case .list(let items):
            var values: [JinjaRuntimeValue] = []
            for item in items { values.append(try evaluate(item)) }
            try checkValueDepth(.array(values), at: position)
            return .array(values)
        case .tuple(let items):
            var values: [JinjaRuntimeValue] = []
            for item in items { values.append(try evaluate(item)) }
            try checkValueDepth(.tuple(values), at: position)
            return .tuple(values)
        case .dict(let pairs):
            var dict = JinjaRuntimeDict()
            for (keyExpr, valueExpr) in pairs {
                guard case .string(let key) = try evaluate(keyExpr) else {
                    throw .unsupported("dictionary literal keys that are not strings", at: keyExpr.position)
                }
                dict[key] = try evaluate(valueExpr)
            }
            try checkValueDepth(.dict(dict), at: position)
            return .dict(dict)
        case .attribute(let target, let name):
            return try attribute(of: try evaluate(target), name, at: position)
        case .subscriptAccess(let target, let keyExpr):
            return try item(of: try evaluate(target), try evaluate(keyExpr), at: position)
        case .slice(let target, let start, let stop, let stepExpr):
            let value = try evaluate(target)
            return try slice(
                value, start: try start.map(evaluate), stop: try stop.map(evaluate),
                step: try stepExpr.map(evaluate), at: position)
        case .call(let callee, let argExprs, let kwargExprs):
            let function = try evaluate(callee)
            var args: [JinjaRuntimeValue] = []
            for a in argExprs { args.append(try evaluate(a)) }
            var kwargs: [(String, JinjaRuntimeValue)] = []
            for (k, v) in kwargExprs { kwargs.append((k, try evaluate(v))) }
            return try call(function, args: args, kwargs: kwargs, at: position)
        case .filter(let target, let name, let argExprs, let kwargExprs):
            let value = try evaluate(target)
            var args: [JinjaRuntimeValue] = []
            for a in argExprs { args.append(try evaluate(a)) }
            var kwargs: [(String, JinjaRuntimeValue)] = []
            for (k, v) in kwargExprs { kwargs.append((k, try evaluate(v))) }
            return try applyFilter(name, value, args: args, kwargs: kwargs, at: position)
        case .test(let target, let name, let argExprs, let negated):
            let value = try evaluate(target)
            var args: [JinjaRuntimeValue] = []
            for a in argExprs { args.append(try evaluate(a)) }
            let result = try applyTest(name, value, args: args, at: position)
            return .bool(result != negated)
        case .unary(let op, let operand):
            let value = try evaluate(operand)
            switch value {
            case .int(let i):
                if op == "+" { return value }
                guard i != Int.min else { throw .limit("integer overflow in negation", at: position) }
                return .int(-i)
            case .bool(let b): return .int(op == "-" ? (b ? -1 : 0) : (b ? 1 : 0))
            case .double(let d): return .double(op == "-" ? -d : d)
            default: throw typeError("bad operand type for unary \(op): '\(value.typeName)'", value, at: position)
            }
        case .binary(let op, let lhs, let rhs):
            return try binary(op, try evaluate(lhs), try evaluate(rhs), at: position)
        case .compare(let first, let rest):
            var left = try evaluate(first)
            for (op, rightExpr) in rest {
                let right = try evaluate(rightExpr)
                if !(try compare(op, left, right, at: rightExpr.position)) { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .and(let lhs, let rhs):
            let left = try evaluate(lhs)
            return left.truthy ? try evaluate(rhs) : left
        case .or(let lhs, let rhs):
            let left = try evaluate(lhs)
            return left.truthy ? left : try evaluate(rhs)
        case .not(let operand):
            return .bool(!(try evaluate(operand).truthy))
        case .conditional(let then, let condition, let otherwise):
            if try evaluate(condition).truthy { return try evaluate(then) }
            return try otherwise.map(evaluate) ?? .undefined("the conditional expression had no else branch")
        }
    }

    /// The error for using `value` in an operation; names the undefined thing when it is undefined.
    func typeError(_ message: String, _ values: JinjaRuntimeValue..., at position: JinjaPosition) -> ChatTemplateError {
        for value in values {
            if case .undefined(let what) = value { return .runtime(what, at: position) }
        }
        return .runtime(message, at: position)
    }

    func attribute(of value: JinjaRuntimeValue, _ name: String, at position: JinjaPosition) throws(ChatTemplateError)
        -> JinjaRuntimeValue
    {
        switch value {
        case .undefined(let what):
            throw .runtime("\(what) (while reading its attribute '\(name)')", at: position)
        case .dict(let dict):
            if Self.dictMethods.contains(name) { return .method(value, name) }
            return dict[name] ?? .undefined("'dict object' has no attribute '\(name)'")
        case .namespace(let ns):
            return ns.values[name] ?? .undefined("'Namespace' has no attribute '\(name)'")
        case .string:
            if Self.stringMethods.contains(name) { return .method(value, name) }
        case .array:
            if Self.listMethods.contains(name) { return .method(value, name) }
        default:
            break
        }
        return .undefined("'\(value.typeName) object' has no attribute '\(name)'")
    }

    func item(of value: JinjaRuntimeValue, _ key: JinjaRuntimeValue, at position: JinjaPosition)
        throws(ChatTemplateError) -> JinjaRuntimeValue
    {
        switch (value, key) {
        case (.undefined(let what), _):
            throw .runtime("\(what) (while reading an item of it)", at: position)
        case (.array(let items), _), (.tuple(let items), _):
            guard let i = key.integerIndex else { break }
            let index = i < 0 ? i + items.count : i
            return index >= 0 && index < items.count ? items[index] : .undefined("list index \(i) out of range")
        case (.string(let s), _):
            guard let i = key.integerIndex else { break }
            let scalars = Array(s.unicodeScalars)
            let index = i < 0 ? i + scalars.count : i
            return index >= 0 && index < scalars.count
                ? .string(String(scalars[index])) : .undefined("string index \(i) out of range")
        case (.dict(let dict), .string(let k)):
            if let found = dict[k] { return found }
        default:
            break
        }
        if case .string(let name) = key { return try attribute(of: value, name, at: position) }
        return .undefined("'\(value.typeName) object' has no item \(key.pythonRepr)")
    }

    func slice(
        _ value: JinjaRuntimeValue, start: JinjaRuntimeValue?, stop: JinjaRuntimeValue?, step: JinjaRuntimeValue?,
        at position: JinjaPosition
    ) throws(ChatTemplateError) -> JinjaRuntimeValue {
        func bound(_ v: JinjaRuntimeValue?) throws(ChatTemplateError) -> Int? {
            guard let v else { return nil }
            if case .none = v { return nil }
            guard let i = v.integerIndex else {
                throw .runtime("slice indices must be integers or None, not '\(v.typeName)'", at: position)
            }
            return i
        }
        let stepValue = try bound(step) ?? 1
        guard stepValue != 0 else { throw .runtime("slice step cannot be zero", at: position) }
        let startIndex = try bound(start)
        let stopIndex = try bound(stop)
        let indices: (Int) -> [Int] = { count in
            Self.sliceIndices(count: count, start: startIndex, stop: stopIndex, step: stepValue)
        }
        switch value {
        case .undefined(let what):
            throw .runtime("\(what) (while slicing it)", at: position)
        case .array(let items):
            return .array(indices(items.count).map { items[$0] })
        case .tuple(let items):
            return .tuple(indices(items.count).map { items[$0] })
        case .string(let s):
            let scalars = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            for i in indices(scalars.count) { out.append(scalars[i]) }
            return .string(String(out))
        default:
            return .undefined("'\(value.typeName) object' cannot be sliced")
        }
    }

    /// Python's slice.indices followed by range().
    static func sliceIndices(count: Int, start: Int?, stop: Int?, step: Int) -> [Int] {
        func clamp(_ v: Int?, _ defaultValue: Int, low: Int, high: Int) -> Int {
            guard var v else { return defaultValue }
            if v < 0 { v += count }
            return min(max(v, low), high)
        }
        var result: [Int] = []
        if step > 0 {
            var i = clamp(start, 0, low: 0, high: count)
            let end = clamp(stop, count, low: 0, high: count)
            while i < end {
                result.append(i)
                let next = i.addingReportingOverflow(step)
                if next.overflow { break }
                i = next.partialValue
            }
        } else {
            var i = clamp(start, count - 1, low: -1, high: count - 1)
            let end = clamp(stop, -1, low: -1, high: count - 1)
            while i > end {
                result.append(i)
                let next = i.addingReportingOverflow(step)
                if next.overflow { break }
                i = next.partialValue
            }
        }
        return result
    }
}

extension JinjaRuntimeValue {
    /// An int (or bool) usable as an index.
    var integerIndex: Int? {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }
}
