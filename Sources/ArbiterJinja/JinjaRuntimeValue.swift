// JinjaRuntimeValue: the values the interpreter computes with, and their Python semantics as
// Jinja2 inherits them: truthiness, str() and repr(), ==, ordering, and json.dumps (transformers'
// `tojson`: ensure_ascii=False, optional indent/separators/sort_keys). Not here: operators,
// filters and tests (JinjaInterpreter+Operators.swift, JinjaFilters.swift).
import Foundation

/// A namespace() object: the only mutable value a template can change in place.
final class JinjaNamespace {
    var values: JinjaRuntimeDict
    init(_ values: JinjaRuntimeDict) { self.values = values }
}

/// A macro defined by `{% macro %}`.
struct JinjaMacro {
    var name: String
    var parameters: [(String, JinjaExpr?)]
    var body: [JinjaNode]
}

/// Ordered string-keyed dictionary of runtime values (a Python dict).
struct JinjaRuntimeDict {
    private(set) var keys: [String] = []
    private var storage: [String: JinjaRuntimeValue] = [:]

    init() {}

    subscript(key: String) -> JinjaRuntimeValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    var count: Int { keys.count }
    var pairs: [(String, JinjaRuntimeValue)] { keys.compactMap { k in storage[k].map { (k, $0) } } }
    var values: [JinjaRuntimeValue] { keys.compactMap { storage[$0] } }
}

indirect enum JinjaRuntimeValue {
    /// A missing variable, attribute or item; the string says what was missing, for error messages.
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JinjaRuntimeValue])
    /// A Python tuple: tuple literals and dict items; renders as `(a, b)`.
    case tuple([JinjaRuntimeValue])
    case dict(JinjaRuntimeDict)
    case namespace(JinjaNamespace)
    case builtin(String)
    case method(JinjaRuntimeValue, String)
    case macro(JinjaMacro)

    init(_ value: JinjaValue) {
        switch value {
        case .undefined: self = .undefined("value")
        case .none: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(JinjaRuntimeValue.init))
        case .dictionary(let d):
            var dict = JinjaRuntimeDict()
            for (k, v) in d.pairs { dict[k] = JinjaRuntimeValue(v) }
            self = .dict(dict)
        }
    }

    init(_ literal: JinjaRuntimeLiteral) {
        switch literal {
        case .none: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        }
    }

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// Python truthiness.
    var truthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a), .tuple(let a): return !a.isEmpty
        case .dict(let d): return d.count > 0
        case .namespace, .builtin, .method, .macro: return true
        }
    }

    /// The Python type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: return "undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .builtin, .method: return "function"
        case .macro: return "Macro"
        }
    }

    /// Python `str()`, as `{{ value }}` renders it (undefined renders as "").
    var pythonString: String {
        switch self {
        case .undefined: return ""
        case .string(let s): return s
        default: return pythonRepr
        }
    }

    /// Python `repr()`.
    var pythonRepr: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return Self.pythonFloat(d)
        case .string(let s): return Self.pythonQuote(s)
        case .array(let a): return "[" + a.map(\.shallowNamespaceRepr).joined(separator: ", ") + "]"
        case .tuple(let a):
            return "(" + a.map(\.shallowNamespaceRepr).joined(separator: ", ") + (a.count == 1 ? ",)" : ")")
        case .dict(let d):
            return "{"
                + d.pairs.map { Self.pythonQuote($0.0) + ": " + $0.1.shallowNamespaceRepr }.joined(separator: ", ")
                + "}"
        case .namespace(let ns):
            // Only the outermost namespace shows its contents: namespaces are the one reference
            // type, so every cycle passes through one and this keeps repr finite.
            return "<Namespace "
                + ns.values.pairs.map { "\($0.0)=\($0.1.shallowNamespaceRepr)" }.joined(separator: ", ") + ">"
        case .builtin(let name): return "<built-in function \(name)>"
        case .method(_, let name): return "<built-in method \(name)>"
        case .macro(let m): return "<Macro '\(m.name)'>"
        }
    }

    /// repr() in which nested namespaces do not show their contents.
    private var shallowNamespaceRepr: String {
        switch self {
        case .namespace: return "<Namespace>"
        case .array(let a): return "[" + a.map(\.shallowNamespaceRepr).joined(separator: ", ") + "]"
        case .tuple(let a):
            return "(" + a.map(\.shallowNamespaceRepr).joined(separator: ", ") + (a.count == 1 ? ",)" : ")")
        case .dict(let d):
            return "{"
                + d.pairs.map { Self.pythonQuote($0.0) + ": " + $0.1.shallowNamespaceRepr }.joined(separator: ", ")
                + "}"
        default: return pythonRepr
        }
    }

    static func pythonFloat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        if d == d.rounded(), abs(d) < 1e16 {
            return String(format: "%.1f", d)
        }
        return "\(d)"
    }

    static func pythonQuote(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote {
                    out += "\\" + String(quote)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append(quote)
        return out
    }

    /// The items of a list or tuple.
    var sequenceItems: [JinjaRuntimeValue]? {
        switch self {
        case .array(let a), .tuple(let a): return a
        default: return nil
        }
    }

    /// A number as Double, treating bools as 0/1 like Python.
    var numeric: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// Python `==`.
    func pythonEquals(_ other: JinjaRuntimeValue) -> Bool {
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)): return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.array(let a), .array(let b)), (.tuple(let a), .tuple(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1) }
        case (.dict(let a), .dict(let b)):
            return a.count == b.count && a.pairs.allSatisfy { k, v in b[k].map { v.pythonEquals($0) } ?? false }
        case (.namespace(let a), .namespace(let b)): return a === b
        case (.builtin(let a), .builtin(let b)): return a == b
        default:
            if case .int(let a) = self.asIntLike, case .int(let b) = other.asIntLike { return a == b }
            if let a = numeric, let b = other.numeric { return a == b }
            return false
        }
    }

    private var asIntLike: JinjaRuntimeValue? {
        switch self {
        case .int: return self
        case .bool(let b): return .int(b ? 1 : 0)
        default: return nil
        }
    }
}
