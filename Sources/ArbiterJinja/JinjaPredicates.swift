// JinjaPredicates: the `is` tests of Jinja2 3.1 (defined, none, string, mapping, iterable, number,
// equalto, odd, divisibleby, ...), also used by select/reject. An unknown test is an
// `.unsupported` error naming it. Not here: filters.

extension JinjaInterpreter {
    func applyTest(_ name: String, _ value: JinjaRuntimeValue, args: [JinjaRuntimeValue], at position: JinjaPosition)
        throws(ChatTemplateError) -> Bool
    {
        func other() throws(ChatTemplateError) -> JinjaRuntimeValue {
            guard let first = args.first else { throw .runtime("the '\(name)' test needs an argument", at: position) }
            return first
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": if case .none = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "number": return value.numeric != nil
        case "string": if case .string = value { return true } else { return false }
        case "mapping": if case .dict = value { return true } else { return false }
        case "iterable", "sequence":
            switch value {
            case .undefined, .string, .array, .tuple, .dict: return true
            default: return false
            }
        case "callable":
            switch value {
            case .builtin, .method, .macro: return true
            default: return false
            }
        case "odd", "even":
            guard let i = value.integerIndex else {
                throw typeError("the '\(name)' test needs an integer", value, at: position)
            }
            return (i & 1 == 1) == (name == "odd")
        case "divisibleby":
            guard let i = value.integerIndex, let d = try other().integerIndex else {
                throw .runtime("divisibleby needs integers", at: position)
            }
            guard d != 0 else { throw .runtime("integer division or modulo by zero", at: position) }
            return i % d == 0
        case "eq", "equalto", "==": return value.pythonEquals(try other())
        case "ne", "!=": return !value.pythonEquals(try other())
        case "lt", "lessthan", "<": return try compare("<", value, try other(), at: position)
        case "le", "<=": return try compare("<=", value, try other(), at: position)
        case "gt", "greaterthan", ">": return try compare(">", value, try other(), at: position)
        case "ge", ">=": return try compare(">=", value, try other(), at: position)
        case "in": return try contains(try other(), value, at: position)
        case "sameas":
            let rhs = try other()
            switch (value, rhs) {
            case (.none, .none), (.undefined, .undefined): return true
            case (.bool(let a), .bool(let b)): return a == b
            case (.int(let a), .int(let b)): return a == b && a >= -5 && a <= 256  // CPython's cached small ints
            case (.namespace(let a), .namespace(let b)): return a === b
            default: return false
            }
        case "lower", "upper":
            guard case .string(let s) = value else { return false }
            return s == (name == "lower" ? s.lowercased() : s.uppercased())
        case "filter":
            guard case .string(let f) = try other() else { return false }
            return Self.knownFilters.contains(f)
        case "test":
            guard case .string(let t) = try other() else { return false }
            return Self.knownTests.contains(t)
        default:
            throw .unsupported("the '\(name)' test", at: position)
        }
    }

    static let knownFilters: Set<String> = [
        "safe", "e", "escape", "forceescape", "string", "trim", "upper", "lower", "title", "capitalize", "replace",
        "length",
        "count", "default", "d", "list", "first", "last", "reverse", "join", "tojson", "items", "dictsort", "int",
        "float",
        "abs", "round", "sum", "min", "max", "unique", "sort", "select", "reject", "selectattr", "rejectattr", "map",
        "indent", "wordcount",
    ]

    static let knownTests: Set<String> = [
        "defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number", "string", "mapping",
        "iterable", "sequence", "callable", "odd", "even", "divisibleby", "eq", "equalto", "ne", "lt", "lessthan", "le",
        "gt", "greaterthan", "ge", "in", "sameas", "lower", "upper", "filter", "test",
    ]
}
