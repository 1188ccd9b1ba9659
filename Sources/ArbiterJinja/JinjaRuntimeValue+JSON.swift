// JinjaRuntimeValue+JSON: Python's json.dumps as transformers' `tojson` filter calls it
// (ensure_ascii=False; indent, separators and sort_keys honoured). Not here: JSON parsing.

struct JinjaJSONOptions {
    var indent: String? = nil
    var itemSeparator: String? = nil
    var keySeparator: String = ": "
    var sortKeys = false
    var ensureASCII = false
}

extension JinjaRuntimeValue {
    /// `json.dumps(self, ensure_ascii=False, ...)`; `nil` when a value is not JSON serialisable
    /// (the returned string names its type).
    func json(_ options: JinjaJSONOptions, depth: Int = 0) -> Result<String, JinjaJSONFailure> {
        if depth > 512 { return .failure(JinjaJSONFailure(typeName: "deeply nested value")) }
        let itemSeparator = options.itemSeparator ?? (options.indent == nil ? ", " : ",")
        switch self {
        case .none: return .success("null")
        case .bool(let b): return .success(b ? "true" : "false")
        case .int(let i): return .success(String(i))
        case .double(let d):
            if d.isNaN { return .success("NaN") }
            if d.isInfinite { return .success(d < 0 ? "-Infinity" : "Infinity") }
            return .success(Self.pythonFloat(d))
        case .string(let s): return .success(Self.jsonQuote(s, ensureASCII: options.ensureASCII))
        case .array(let items), .tuple(let items):
            if items.isEmpty { return .success("[]") }
            var parts: [String] = []
            for item in items {
                switch item.json(options, depth: depth + 1) {
                case .success(let s): parts.append(s)
                case .failure(let f): return .failure(f)
                }
            }
            return .success(
                Self.wrap(parts, open: "[", close: "]", separator: itemSeparator, options: options, depth: depth))
        case .dict(let dict):
            if dict.count == 0 { return .success("{}") }
            var pairs = dict.pairs
            if options.sortKeys { pairs.sort { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) } }
            var parts: [String] = []
            for (key, value) in pairs {
                switch value.json(options, depth: depth + 1) {
                case .success(let s):
                    parts.append(Self.jsonQuote(key, ensureASCII: options.ensureASCII) + options.keySeparator + s)
                case .failure(let f): return .failure(f)
                }
            }
            return .success(
                Self.wrap(parts, open: "{", close: "}", separator: itemSeparator, options: options, depth: depth))
        case .undefined, .namespace, .builtin, .method, .macro:
            return .failure(JinjaJSONFailure(typeName: typeName))
        }
    }

    private static func wrap(
        _ parts: [String], open: String, close: String, separator: String, options: JinjaJSONOptions, depth: Int
    ) -> String {
        guard let indent = options.indent else { return open + parts.joined(separator: separator) + close }
        let inner = "\n" + String(repeating: indent, count: depth + 1)
        let outer = "\n" + String(repeating: indent, count: depth)
        return open + inner + parts.joined(separator: separator + inner) + outer + close
    }

    static func jsonQuote(_ s: String, ensureASCII: Bool = false) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || (ensureASCII && scalar.value > 0x7E) {
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// A value `tojson` cannot serialise.
struct JinjaJSONFailure: Error {
    var typeName: String
}
