// JinjaFilters: the Jinja2 filters chat templates use, with Jinja2 3.1 semantics (and
// transformers' `tojson`: json.dumps with ensure_ascii=False, indent, separators, sort_keys).
// An unknown filter is an `.unsupported` error naming it. Not here: tests (`is ...`), JinjaTests.swift.
import Foundation

extension JinjaInterpreter {
    func applyFilter(
        _ name: String, _ value: JinjaRuntimeValue, args: [JinjaRuntimeValue], kwargs: [(String, JinjaRuntimeValue)],
        at position: JinjaPosition
    ) throws(ChatTemplateError) -> JinjaRuntimeValue {
        func arg(_ i: Int, _ label: String) -> JinjaRuntimeValue? {
            if let kw = kwargs.last(where: { $0.0 == label }) { return kw.1 }
            return i >= 0 && i < args.count ? args[i] : nil
        }
        func text(_ v: JinjaRuntimeValue) -> String { v.pythonString }
        switch name {
        case "safe", "e", "escape", "forceescape":
            if name == "safe" { return value }
            return .string(
                text(value).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&#34;")
                    .replacingOccurrences(of: "'", with: "&#39;"))
        case "string":
            return .string(text(value))
        case "trim":
            var chars: String? = nil
            if case .string(let c)? = arg(0, "chars") { chars = c }
            return .string(JinjaText.strip(text(value), chars: chars, leading: true, trailing: true))
        case "upper": return .string(text(value).uppercased())
        case "lower": return .string(text(value).lowercased())
        case "title": return .string(JinjaText.jinjaTitle(text(value)))
        case "capitalize": return .string(JinjaText.capitalize(text(value)))
        case "replace":
            guard let old = arg(0, "old"), let new = arg(1, "new") else {
                throw .runtime("replace filter needs two arguments", at: position)
            }
            let result = JinjaText.replace(
                text(value), text(old), text(new), count: arg(2, "count")?.integerIndex ?? -1)
            try checkSize(result.utf8.count, at: position)
            return .string(result)
        case "length", "count":
            switch value {
            case .undefined: return .int(0)
            case .string(let s): return .int(s.unicodeScalars.count)
            case .array(let a), .tuple(let a): return .int(a.count)
            case .dict(let d): return .int(d.count)
            default: throw .runtime("object of type '\(value.typeName)' has no len()", at: position)
            }
        case "default", "d":
            let useBoolean = arg(1, "boolean")?.truthy ?? false
            if value.isUndefined || (useBoolean && !value.truthy) { return arg(0, "default_value") ?? .string("") }
            return value
        case "list":
            return .array(try iterate(value, at: position))
        case "first", "last":
            let items = try iterate(value, at: position)
            return (name == "first" ? items.first : items.last) ?? .undefined("\(name) of an empty sequence")
        case "reverse":
            if case .string(let s) = value {
                return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed())))
            }
            return .array(try iterate(value, at: position).reversed())
        case "join":
            var items = try iterate(value, at: position)
            if let attribute = arg(1, "attribute") {
                items = try items.map { (v) throws(ChatTemplateError) in try self.item(of: v, attribute, at: position) }
            }
            let joined = items.map(text).joined(separator: text(arg(0, "d") ?? .string("")))
            try checkSize(joined.utf8.count, at: position)
            return .string(joined)
        case "tojson":
            return try toJSON(value, args: args, kwargs: kwargs, at: position)
        case "items":
            switch value {
            case .undefined: return .array([])
            case .dict(let d): return .array(d.pairs.map { .tuple([.string($0.0), $0.1]) })
            default: throw .runtime("items filter needs a mapping, got '\(value.typeName)'", at: position)
            }
        case "dictsort":
            guard case .dict(let d) = value else {
                throw typeError("dictsort needs a mapping, got '\(value.typeName)'", value, at: position)
            }
            let caseSensitive = arg(0, "case_sensitive")?.truthy ?? false
            let byValue = arg(1, "by").map(text) == "value"
            var pairs = d.pairs
            try sortValues(&pairs, key: { byValue ? $0.1 : .string($0.0) }, caseSensitive: caseSensitive, at: position)
            if arg(2, "reverse")?.truthy ?? false { pairs.reverse() }
            return .array(pairs.map { .tuple([.string($0.0), $0.1]) })
        case "int":
            let fallback = arg(0, "default") ?? .int(0)
            switch value {
            case .int: return value
            case .bool(let b): return .int(b ? 1 : 0)
            case .double(let x): return x.isFinite && abs(x) < 9e18 ? .int(Int(x)) : fallback
            case .string(let s):
                let t = JinjaText.strip(s, chars: nil, leading: true, trailing: true).replacingOccurrences(
                    of: "_", with: "")
                if let i = Int(t) { return .int(i) }
                if let x = Double(t), x.isFinite, abs(x) < 9e18 { return .int(Int(x)) }
                return fallback
            default: return fallback
            }
        case "float":
            let fallback = arg(0, "default") ?? .double(0)
            if case .string(let s) = value {
                return Double(JinjaText.strip(s, chars: nil, leading: true, trailing: true)).map { .double($0) }
                    ?? fallback
            }
            return value.isUndefined ? fallback : (value.numeric.map { .double($0) } ?? fallback)
        case "abs":
            switch value {
            case .int(let i) where i != Int.min: return .int(abs(i))
            case .double(let x): return .double(abs(x))
            case .bool(let b): return .int(b ? 1 : 0)
            default: throw typeError("bad operand type for abs(): '\(value.typeName)'", value, at: position)
            }
        case "round":
            guard let x = value.numeric else {
                throw typeError("round filter needs a number, got '\(value.typeName)'", value, at: position)
            }
            let precision = arg(0, "precision")?.integerIndex ?? 0
            let method = arg(1, "method").map(text) ?? "common"
            let scale = pow(10.0, Double(max(-300, min(300, precision))))
            let rule: FloatingPointRoundingRule =
                method == "ceil" ? .up : (method == "floor" ? .down : .toNearestOrEven)
            return .double((x * scale).rounded(rule) / scale)
        case "sum":
            var total: JinjaRuntimeValue = arg(1, "start") ?? .int(0)
            for var item in try iterate(value, at: position) {
                if let attribute = arg(0, "attribute") { item = try self.item(of: item, attribute, at: position) }
                total = try binary("+", total, item, at: position)
            }
            return total
        case "min", "max":
            var items = try iterate(value, at: position)
            guard !items.isEmpty else { return .undefined("\(name) of an empty sequence") }
            try sortValues(&items, key: { $0 }, caseSensitive: arg(0, "case_sensitive")?.truthy ?? false, at: position)
            return (name == "min" ? items.first : items.last) ?? .none
        case "unique":
            let caseSensitive = arg(0, "case_sensitive")?.truthy ?? false
            var seen: [JinjaRuntimeValue] = []
            var out: [JinjaRuntimeValue] = []
            for item in try iterate(value, at: position) {
                var key = item
                if let attribute = arg(1, "attribute") { key = try self.item(of: item, attribute, at: position) }
                if !caseSensitive, case .string(let s) = key { key = .string(s.lowercased()) }
                if !seen.contains(where: { $0.pythonEquals(key) }) {
                    seen.append(key)
                    out.append(item)
                }
            }
            return .array(out)
        case "sort":
            var items = try iterate(value, at: position)
            let attribute = arg(2, "attribute")
            try sortValues(
                &items,
                key: { (v) throws(ChatTemplateError) in
                    try attribute.map { (a) throws(ChatTemplateError) in try self.item(of: v, a, at: position) } ?? v
                }, caseSensitive: arg(1, "case_sensitive")?.truthy ?? false, at: position)
            if arg(0, "reverse")?.truthy ?? false { items.reverse() }
            return .array(items)
        case "select", "reject", "selectattr", "rejectattr":
            return try selectFilter(name, value, args: args, at: position)
        case "map":
            var out: [JinjaRuntimeValue] = []
            for item in try iterate(value, at: position) {
                if let attribute = arg(-1, "attribute") {
                    let found = try self.item(of: item, attribute, at: position)
                    out.append(found.isUndefined ? (arg(-1, "default") ?? found) : found)
                } else if case .string(let filterName)? = args.first {
                    out.append(
                        try applyFilter(filterName, item, args: Array(args.dropFirst()), kwargs: kwargs, at: position))
                } else {
                    throw .runtime("map filter needs a filter name or attribute=", at: position)
                }
            }
            return .array(out)
        case "indent":
            let width = arg(0, "width") ?? .int(4)
            let pad: String
            if case .string(let s) = width {
                pad = s
            } else {
                pad = String(repeating: " ", count: max(0, min(width.integerIndex ?? 4, 1000)))
            }
            let indentFirst = arg(1, "first")?.truthy ?? false
            let indentBlank = arg(2, "blank")?.truthy ?? false
            let lines = text(value).components(separatedBy: "\n")
            let body = lines.enumerated().map { i, line -> String in
                if i == 0 && !indentFirst { return line }
                return line.isEmpty && !indentBlank ? line : pad + line
            }
            return .string(body.joined(separator: "\n"))
        case "wordcount":
            // Jinja2 counts runs of \w characters.
            var count = 0
            var inWord = false
            for c in text(value).unicodeScalars {
                let isWord = c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
                if isWord && !inWord { count += 1 }
                inWord = isWord
            }
            return .int(count)
        default:
            throw .unsupported("the '\(name)' filter", at: position)
        }
    }

    private func toJSON(
        _ value: JinjaRuntimeValue, args: [JinjaRuntimeValue], kwargs: [(String, JinjaRuntimeValue)],
        at position: JinjaPosition
    ) throws(ChatTemplateError) -> JinjaRuntimeValue {
        // transformers: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
        func arg(_ i: Int, _ label: String) -> JinjaRuntimeValue? {
            if let kw = kwargs.last(where: { $0.0 == label }) { return kw.1 }
            return i >= 0 && i < args.count ? args[i] : nil
        }
        var options = JinjaJSONOptions()
        options.ensureASCII = arg(0, "ensure_ascii")?.truthy ?? false
        switch arg(1, "indent") {
        case .int(let n)?: options.indent = String(repeating: " ", count: max(0, min(n, 64)))
        case .string(let s)?: options.indent = s
        default: break
        }
        if let seps = arg(2, "separators")?.sequenceItems, seps.count == 2, case .string(let item) = seps[0],
            case .string(let key) = seps[1]
        {
            options.itemSeparator = item
            options.keySeparator = key
        }
        options.sortKeys = arg(3, "sort_keys")?.truthy ?? false
        switch value.json(options) {
        case .success(let s):
            try checkSize(s.utf8.count, at: position)
            return .string(s)
        case .failure(let failure):
            if case .undefined(let what) = value { throw .runtime("\(what) (passed to tojson)", at: position) }
            throw .runtime("Object of type \(failure.typeName) is not JSON serializable", at: position)
        }
    }

    private func selectFilter(
        _ name: String, _ value: JinjaRuntimeValue, args: [JinjaRuntimeValue], at position: JinjaPosition
    ) throws(ChatTemplateError) -> JinjaRuntimeValue {
        let byAttribute = name.hasSuffix("attr")
        let keep = name.hasPrefix("select")
        var rest = args[...]
        var attribute: JinjaRuntimeValue? = nil
        if byAttribute {
            guard let a = rest.popFirst() else { throw .runtime("\(name) needs an attribute name", at: position) }
            attribute = a
        }
        let testName = rest.popFirst().map { $0.pythonString }
        var out: [JinjaRuntimeValue] = []
        for item in try iterate(value, at: position) {
            let subject =
                try attribute.map { (a) throws(ChatTemplateError) in try self.item(of: item, a, at: position) } ?? item
            let passed =
                try testName.map { (t) throws(ChatTemplateError) in
                    try applyTest(t, subject, args: Array(rest), at: position)
                } ?? subject.truthy
            if passed == keep { out.append(item) }
        }
        return .array(out)
    }

    /// Stable sort with Python ordering; strings compare case-insensitively unless `caseSensitive`.
    func sortValues<T>(
        _ items: inout [T], key: (T) throws(ChatTemplateError) -> JinjaRuntimeValue, caseSensitive: Bool,
        at position: JinjaPosition
    ) throws(ChatTemplateError) {
        var keyed: [(Int, JinjaRuntimeValue, T)] = []
        for (i, item) in items.enumerated() {
            var k = try key(item)
            if !caseSensitive, case .string(let s) = k { k = .string(s.lowercased()) }
            keyed.append((i, k, item))
        }
        var failure: ChatTemplateError? = nil
        keyed.sort { a, b in
            if failure != nil { return a.0 < b.0 }
            do throws(ChatTemplateError) {
                if try compare("<", a.1, b.1, at: position) { return true }
                if try compare("<", b.1, a.1, at: position) { return false }
                return a.0 < b.0
            } catch {
                failure = error
                return a.0 < b.0
            }
        }
        if let failure { throw failure }
        items = keyed.map { $0.2 }
    }
}
