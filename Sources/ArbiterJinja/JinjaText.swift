// JinjaText: Python str methods over Unicode scalars (Python strings index code points):
// strip with optional character set, split/rsplit, whitespace split, splitlines, replace with
// count, title/capitalize, find/count, character classes, and a small str.format.
// Not here: dispatch from templates (JinjaInterpreter+Calls, JinjaFilters).

enum JinjaText {
    static func isSpace(_ c: Unicode.Scalar) -> Bool { JinjaLexer.isSpace(c) }

    static func strip(_ s: String, chars: String?, leading: Bool, trailing: Bool) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        let drop: (Unicode.Scalar) -> Bool = { c in set.map { $0.contains(c) } ?? isSpace(c) }
        var scalars = Substring(s).unicodeScalars[...]
        if leading { while let f = scalars.first, drop(f) { scalars.removeFirst() } }
        if trailing { while let l = scalars.last, drop(l) { scalars.removeLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    static func split(_ s: String, separator: String, maxSplit: Int) -> [String] {
        var parts: [String] = []
        var rest = Substring(s)
        while maxSplit < 0 || parts.count < maxSplit, let r = rest.range(of: separator, options: .literal) {
            parts.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }

    static func rsplit(_ s: String, separator: String, maxSplit: Int) -> [String] {
        var parts: [String] = []
        var rest = Substring(s)
        while maxSplit < 0 || parts.count < maxSplit,
            let r = rest.range(of: separator, options: [.literal, .backwards])
        {
            parts.insert(String(rest[r.upperBound...]), at: 0)
            rest = rest[..<r.lowerBound]
        }
        parts.insert(String(rest), at: 0)
        return parts
    }

    static func splitWhitespace(_ s: String, maxSplit: Int) -> [String] {
        var parts: [String] = []
        var current = String.UnicodeScalarView()
        var scalars = Array(s.unicodeScalars)[...]
        while let c = scalars.first {
            if isSpace(c) {
                if !current.isEmpty {
                    parts.append(String(current))
                    current = String.UnicodeScalarView()
                    if maxSplit >= 0 && parts.count == maxSplit {
                        while let f = scalars.first, isSpace(f) { scalars.removeFirst() }
                        if !scalars.isEmpty { parts.append(String(String.UnicodeScalarView(scalars))) }
                        return parts
                    }
                }
            } else {
                current.append(c)
            }
            scalars.removeFirst()
        }
        if !current.isEmpty { parts.append(String(current)) }
        return parts
    }

    static func splitLines(_ s: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousCR = false
        for c in s.unicodeScalars {
            if previousCR && c == "\n" {
                previousCR = false
                continue
            }
            previousCR = false
            if c == "\n" || c == "\r" || c == "\u{0B}" || c == "\u{0C}" || c == "\u{1C}" || c == "\u{1D}"
                || c == "\u{1E}"
                || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}"
            {
                lines.append(String(current))
                current = String.UnicodeScalarView()
                previousCR = c == "\r"
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    static func replace(_ s: String, _ old: String, _ new: String, count: Int) -> String {
        if old.isEmpty {
            var out = ""
            var n = 0
            for c in s.unicodeScalars {
                if count < 0 || n < count {
                    out += new
                    n += 1
                }
                out.unicodeScalars.append(c)
            }
            if count < 0 || n < count { out += new }
            return out
        }
        if count < 0 { return s.replacingOccurrences(of: old, with: new, options: .literal) }
        return split(s, separator: old, maxSplit: count).joined(separator: new)
    }

    /// Python str.title(): a cased character after an uncased one is uppercased, others lowercased.
    static func pythonTitle(_ s: String) -> String {
        var out = ""
        var previousCased = false
        for c in s.unicodeScalars {
            let cased = c.properties.isCased
            out += previousCased ? String(c).lowercased() : c.properties.titlecaseMapping
            previousCased = cased
        }
        return out
    }

    /// Jinja's `title` filter: splits before runs of `-`, whitespace and `({[<`, capitalises each piece.
    static func jinjaTitle(_ s: String) -> String {
        var out = ""
        var atWordStart = true
        for c in s.unicodeScalars {
            let isBreak = c == "-" || c == "(" || c == "{" || c == "[" || c == "<" || isSpace(c)
            if isBreak {
                out.unicodeScalars.append(c)
                atWordStart = true
            } else {
                out += atWordStart ? String(c).uppercased() : String(c).lowercased()
                atWordStart = false
            }
        }
        return out
    }

    static func capitalize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        return first.properties.titlecaseMapping
            + String(String.UnicodeScalarView(s.unicodeScalars.dropFirst())).lowercased()
    }

    /// `find`, `rfind` (code-point offsets, -1 when absent) or `count` (non-overlapping).
    static func find(_ s: String, _ sub: String, mode: String) -> Int {
        let hay = Array(s.unicodeScalars)
        let needle = Array(sub.unicodeScalars)
        if needle.isEmpty { return mode == "count" ? hay.count + 1 : (mode == "find" ? 0 : hay.count) }
        var hits: [Int] = []
        var i = 0
        while i + needle.count <= hay.count {
            if Array(hay[i..<(i + needle.count)]) == needle {
                hits.append(i)
                if mode == "find" { return i }
                i += mode == "count" ? needle.count : 1
            } else {
                i += 1
            }
        }
        if mode == "count" { return hits.count }
        return hits.last ?? -1
    }

    static func classify(_ s: String, _ name: String) -> Bool {
        let scalars = Array(s.unicodeScalars)
        guard !scalars.isEmpty else { return false }
        switch name {
        case "isdigit": return scalars.allSatisfy { $0.properties.numericType != nil }
        case "isalpha": return scalars.allSatisfy { $0.properties.isAlphabetic }
        case "isalnum": return scalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil }
        case "isspace": return scalars.allSatisfy(isSpace)
        case "islower":
            return scalars.contains { $0.properties.isCased } && !scalars.contains { $0.properties.isUppercase }
        default: return scalars.contains { $0.properties.isCased } && !scalars.contains { $0.properties.isLowercase }
        }
    }

    /// str.format with `{}`, `{0}`, `{name}` and `{{`/`}}`; format specs are rejected.
    static func format(
        _ s: String, args: [JinjaRuntimeValue], kwargs: [(String, JinjaRuntimeValue)], at position: JinjaPosition
    ) throws(ChatTemplateError) -> String {
        var out = ""
        var auto = 0
        var chars = Array(s.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if c == "{" {
                if chars.first == "{" {
                    chars.removeFirst()
                    out += "{"
                    continue
                }
                var field = ""
                while let f = chars.popFirst(), f != "}" { field.unicodeScalars.append(f) }
                if field.contains(":") || field.contains("!") || field.contains(".") || field.contains("[") {
                    throw .unsupported("str.format() field '{\(field)}' with a conversion or format spec", at: position)
                }
                let value: JinjaRuntimeValue?
                if field.isEmpty {
                    value = auto < args.count ? args[auto] : nil
                    auto += 1
                } else if let i = Int(field) {
                    value = i < args.count ? args[i] : nil
                } else {
                    value = kwargs.last(where: { $0.0 == field })?.1
                }
                guard let value else { throw .runtime("str.format(): no argument for '{\(field)}'", at: position) }
                out += value.pythonString
            } else if c == "}" {
                if chars.first == "}" { chars.removeFirst() }
                out += "}"
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
