// JinjaInterpreter+Operators: binary arithmetic, concatenation, comparisons and membership with
// Python semantics (bool counts as int, int/int `/` gives a float, `//` and `%` floor toward
// negative infinity). Integer overflow and oversized repeats stop with a typed error instead of
// trapping. Not here: evaluation of sub-expressions.
import Foundation

extension JinjaInterpreter {
    func binary(_ op: String, _ a: JinjaRuntimeValue, _ b: JinjaRuntimeValue, at position: JinjaPosition)
        throws(ChatTemplateError) -> JinjaRuntimeValue
    {
        if op == "~" {
            let joined = a.pythonString + b.pythonString
            try checkSize(joined.utf8.count, at: position)
            return .string(joined)
        }
        let failure = "unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'"
        switch (a, b) {
        case (.string(let x), .string(let y)) where op == "+":
            try checkSize(x.utf8.count + y.utf8.count, at: position)
            return .string(x + y)
        case (.array(let x), .array(let y)) where op == "+":
            try checkLength(x.count + y.count, at: position)
            return .array(x + y)
        case (.tuple(let x), .tuple(let y)) where op == "+":
            try checkLength(x.count + y.count, at: position)
            return .tuple(x + y)
        case (.string(let s), _) where op == "*", (_, .string(let s)) where op == "*":
            guard let n = (a.integerIndex ?? b.integerIndex) else { throw typeError(failure, a, b, at: position) }
            let total = s.utf8.count.multipliedReportingOverflow(by: max(n, 0))
            guard !total.overflow else { throw .limit("string repeated \(n) times", at: position) }
            try checkSize(total.partialValue, at: position)
            return .string(String(repeating: s, count: max(n, 0)))
        case (.array(let items), _) where op == "*", (_, .array(let items)) where op == "*":
            guard let n = (a.integerIndex ?? b.integerIndex) else { throw typeError(failure, a, b, at: position) }
            let total = items.count.multipliedReportingOverflow(by: max(n, 0))
            guard !total.overflow else { throw .limit("list repeated \(n) times", at: position) }
            try checkLength(total.partialValue, at: position)
            return .array(Array([[JinjaRuntimeValue]](repeating: items, count: max(n, 0)).joined()))
        case (.string(let format), _) where op == "%":
            let formatted = try JinjaPercentFormat.format(format, b, at: position)
            try checkSize(formatted.utf8.count, at: position)
            return .string(formatted)
        default:
            break
        }
        if let x = a.integerIndex, let y = b.integerIndex, a.isIntLike, b.isIntLike {
            return try integerOp(op, x, y, at: position)
        }
        guard let x = a.numeric, let y = b.numeric else { throw typeError(failure, a, b, at: position) }
        switch op {
        case "+": return .double(x + y)
        case "-": return .double(x - y)
        case "*": return .double(x * y)
        case "/":
            guard y != 0 else { throw .runtime("division by zero", at: position) }
            return .double(x / y)
        case "//":
            guard y != 0 else { throw .runtime("float floor division by zero", at: position) }
            return .double((x / y).rounded(.down))
        case "%":
            guard y != 0 else { throw .runtime("float modulo by zero", at: position) }
            let r = fmod(x, y)
            return .double(r != 0 && (r < 0) != (y < 0) ? r + y : r)
        case "**": return .double(pow(x, y))
        default: throw .runtime("unknown operator '\(op)'", at: position)
        }
    }

    private func integerOp(_ op: String, _ x: Int, _ y: Int, at position: JinjaPosition) throws(ChatTemplateError)
        -> JinjaRuntimeValue
    {
        func checked(_ r: (partialValue: Int, overflow: Bool)) throws(ChatTemplateError) -> JinjaRuntimeValue {
            if r.overflow { throw .limit("integer overflow in '\(op)'", at: position) }
            return .int(r.partialValue)
        }
        switch op {
        case "+": return try checked(x.addingReportingOverflow(y))
        case "-": return try checked(x.subtractingReportingOverflow(y))
        case "*": return try checked(x.multipliedReportingOverflow(by: y))
        case "/":
            guard y != 0 else { throw .runtime("division by zero", at: position) }
            return .double(Double(x) / Double(y))
        case "//", "%":
            guard y != 0 else { throw .runtime("integer division or modulo by zero", at: position) }
            if x == Int.min && y == -1 { throw .limit("integer overflow in '\(op)'", at: position) }
            var q = x / y
            var r = x % y
            if r != 0 && (r < 0) != (y < 0) {
                q -= 1
                r += y
            }
            return .int(op == "//" ? q : r)
        case "**":
            if y < 0 { return .double(pow(Double(x), Double(y))) }
            var result = 1
            var base = x
            var e = y
            while e > 0 {
                if e & 1 == 1 { result = try checked(result.multipliedReportingOverflow(by: base)).integerIndex ?? 0 }
                e >>= 1
                if e > 0 { base = try checked(base.multipliedReportingOverflow(by: base)).integerIndex ?? 0 }
            }
            return .int(result)
        default:
            throw .runtime("unknown operator '\(op)'", at: position)
        }
    }

    func compare(_ op: String, _ a: JinjaRuntimeValue, _ b: JinjaRuntimeValue, at position: JinjaPosition)
        throws(ChatTemplateError) -> Bool
    {
        switch op {
        case "==": return a.pythonEquals(b)
        case "!=": return !a.pythonEquals(b)
        case "in": return try contains(b, a, at: position)
        case "not in": return !(try contains(b, a, at: position))
        default: break
        }
        let order: Int
        switch (a, b) {
        case (.string(let x), .string(let y)):
            order =
                x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars)
                ? -1 : (x.unicodeScalars.elementsEqual(y.unicodeScalars) ? 0 : 1)
        default:
            guard let x = a.numeric, let y = b.numeric, !a.isUndefined, !b.isUndefined else {
                throw typeError(
                    "'\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'", a, b, at: position
                )
            }
            if let i = a.integerIndex, let j = b.integerIndex, a.isIntLike, b.isIntLike {
                order = i < j ? -1 : (i == j ? 0 : 1)
            } else {
                order = x < y ? -1 : (x == y ? 0 : 1)
            }
        }
        switch op {
        case "<": return order < 0
        case "<=": return order <= 0
        case ">": return order > 0
        default: return order >= 0
        }
    }

    /// Python `needle in haystack`.
    func contains(_ haystack: JinjaRuntimeValue, _ needle: JinjaRuntimeValue, at position: JinjaPosition)
        throws(ChatTemplateError) -> Bool
    {
        switch haystack {
        case .undefined: return false
        case .string(let s):
            guard case .string(let sub) = needle else {
                throw typeError(
                    "'in <string>' requires string as left operand, not \(needle.typeName)", needle, at: position)
            }
            return sub.isEmpty || s.range(of: sub, options: .literal) != nil
        case .array(let items), .tuple(let items): return items.contains { $0.pythonEquals(needle) }
        case .dict(let dict):
            if case .string(let key) = needle { return dict[key] != nil }
            return false
        case .namespace(let ns):
            if case .string(let key) = needle { return ns.values[key] != nil }
            return false
        default:
            throw .runtime("argument of type '\(haystack.typeName)' is not iterable", at: position)
        }
    }
}

extension JinjaRuntimeValue {
    var isIntLike: Bool {
        switch self {
        case .int, .bool: return true
        default: return false
        }
    }
}
