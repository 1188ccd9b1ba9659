// JinjaLexer: splits template source into text and tag tokens, applying Jinja2's whitespace rules
// as transformers configures them: `-` strips on either side of a tag, trim_blocks (drop the first
// newline after a block or comment tag), lstrip_blocks (drop spaces/tabs before a block or comment
// tag that starts its line), `+` opts out, one trailing newline of the source is dropped, and
// \r\n / \r become \n. Not here: parsing the expression tokens (JinjaParser).

/// One lexical token of a template.
struct JinjaToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case text(String)
        case variableBegin, variableEnd, blockBegin, blockEnd
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case op(String)
    }

    var kind: Kind
    var position: JinjaPosition
}

struct JinjaLexer {
    private let chars: [Unicode.Scalar]
    private var lineStarts: [Int] = [0]

    init(_ source: String) {
        // Newline normalisation and keep_trailing_newline=False, as Jinja2's lexer does.
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.unicodeScalars.count)
        var previousWasCR = false
        for s in source.unicodeScalars {
            if s == "\r" {
                scalars.append("\n")
                previousWasCR = true
                continue
            }
            if s == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = false
            scalars.append(s)
        }
        if scalars.last == "\n" { scalars.removeLast() }
        chars = scalars
        for (i, c) in chars.enumerated() where c == "\n" { lineStarts.append(i + 1) }
    }

    func position(_ offset: Int) -> JinjaPosition {
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return JinjaPosition(line: lo + 1, column: offset - lineStarts[lo] + 1)
    }

    private func at(_ i: Int) -> Unicode.Scalar? { i >= 0 && i < chars.count ? chars[i] : nil }

    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0B}" || c == "\u{0C}"
            || (c.value >= 0x1C && c.value <= 0x1F) || c.properties.isWhitespace
    }

    func tokenize() throws(ChatTemplateError) -> [JinjaToken] {
        var tokens: [JinjaToken] = []
        var pos = 0
        var lineStarting = true
        let n = chars.count
        while pos < n {
            // Find the next tag opener.
            var open = pos
            while open + 1 < n
                && !(chars[open] == "{" && (chars[open + 1] == "{" || chars[open + 1] == "%" || chars[open + 1] == "#"))
            {
                open += 1
            }
            if open + 1 >= n {
                tokens.append(
                    JinjaToken(kind: .text(String(String.UnicodeScalarView(chars[pos..<n]))), position: position(pos)))
                break
            }
            let kind = chars[open + 1]
            var j = open + 2
            var sign: Unicode.Scalar? = nil
            if let c = at(j), c == "-" || c == "+" {
                sign = c
                j += 1
            }
            var textEnd = open
            if sign == "-" {
                while textEnd > pos && Self.isSpace(chars[textEnd - 1]) { textEnd -= 1 }
            } else if sign != "+" && kind != "{" {
                var lineStart = textEnd
                while lineStart > pos && chars[lineStart - 1] != "\n" { lineStart -= 1 }
                let atNewline = lineStart > pos
                if (atNewline || lineStarting) && lineStart < textEnd
                    && chars[lineStart..<textEnd].allSatisfy({ Self.isSpace($0) })
                {
                    textEnd = lineStart
                }
            }
            if textEnd > pos {
                tokens.append(
                    JinjaToken(
                        kind: .text(String(String.UnicodeScalarView(chars[pos..<textEnd]))), position: position(pos)))
            }
            if kind == "#" {
                var k = j
                while k + 1 < n && !(chars[k] == "#" && chars[k + 1] == "}") { k += 1 }
                if k + 1 >= n { throw .syntax("unclosed comment: '{#' has no matching '#}'", at: position(open)) }
                var end = k + 2
                if k > j, chars[k - 1] == "-" {
                    while end < n && Self.isSpace(chars[end]) { end += 1 }
                } else if !(k > j && chars[k - 1] == "+"), at(end) == "\n" {
                    end += 1
                }
                lineStarting = end > 0 && chars[end - 1] == "\n"
                pos = end
                continue
            }
            let isBlock = kind == "%"
            tokens.append(JinjaToken(kind: isBlock ? .blockBegin : .variableBegin, position: position(open)))
            if isBlock, let rawPos = rawBlockStart(from: j) {
                throw .unsupported("{% raw %} blocks", at: position(rawPos))
            }
            let end = try lexTag(from: j, isBlock: isBlock, open: open, into: &tokens)
            lineStarting = end > 0 && chars[end - 1] == "\n"
            pos = end
        }
        return tokens
    }

    private func rawBlockStart(from start: Int) -> Int? {
        var k = start
        while let c = at(k), Self.isSpace(c) { k += 1 }
        guard k + 3 <= chars.count, String(String.UnicodeScalarView(chars[k..<(k + 3)])) == "raw" else { return nil }
        if let c = at(k + 3), Self.isNameChar(c) { return nil }
        return k
    }

    static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
    }

    static func isNameChar(_ c: Unicode.Scalar) -> Bool {
        isNameStart(c) || isDigit(c)
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    /// Lexes the inside of `{{ }}` or `{% %}` starting at `start`; returns the offset after the tag
    /// (and after any whitespace its closer strips).
    private func lexTag(from start: Int, isBlock: Bool, open: Int, into tokens: inout [JinjaToken])
        throws(ChatTemplateError) -> Int
    {
        let closer: Unicode.Scalar = isBlock ? "%" : "}"
        var k = start
        var brackets: [Unicode.Scalar] = []
        let n = chars.count
        while true {
            while let c = at(k), Self.isSpace(c) { k += 1 }
            guard let c = at(k) else {
                throw .syntax(
                    "unclosed tag: '\(isBlock ? "{%" : "{{")' has no matching '\(isBlock ? "%}" : "}}")'",
                    at: position(open))
            }
            if brackets.isEmpty {
                var endSign: Unicode.Scalar? = nil
                var m = k
                if c == "-" || c == "+", at(k + 1) == closer, at(k + 2) == "}" {
                    endSign = c
                    m = k + 1
                }
                if at(m) == closer, at(m + 1) == "}" {
                    tokens.append(JinjaToken(kind: isBlock ? .blockEnd : .variableEnd, position: position(k)))
                    var end = m + 2
                    if endSign == "-" {
                        while end < n && Self.isSpace(chars[end]) { end += 1 }
                    } else if isBlock && endSign == nil && at(end) == "\n" {
                        end += 1
                    }
                    return end
                }
            }
            let here = position(k)
            if c == "'" || c == "\"" {
                let (value, next) = try lexString(from: k)
                tokens.append(JinjaToken(kind: .string(value), position: here))
                k = next
            } else if Self.isDigit(c) {
                var m = k
                while let d = at(m), Self.isDigit(d) || d == "_" { m += 1 }
                var isFloat = false
                if at(m) == ".", let d = at(m + 1), Self.isDigit(d) {
                    isFloat = true
                    m += 1
                    while let d = at(m), Self.isDigit(d) || d == "_" { m += 1 }
                }
                if at(m) == "e" || at(m) == "E" {
                    var e = m + 1
                    if at(e) == "+" || at(e) == "-" { e += 1 }
                    if let d = at(e), Self.isDigit(d) {
                        isFloat = true
                        m = e
                        while let d = at(m), Self.isDigit(d) { m += 1 }
                    }
                }
                let text = String(String.UnicodeScalarView(chars[k..<m])).replacingOccurrences(of: "_", with: "")
                if isFloat {
                    guard let v = Double(text) else { throw .syntax("bad number '\(text)'", at: here) }
                    tokens.append(JinjaToken(kind: .float(v), position: here))
                } else {
                    guard let v = Int(text) else { throw .syntax("integer literal '\(text)' is too large", at: here) }
                    tokens.append(JinjaToken(kind: .integer(v), position: here))
                }
                k = m
            } else if Self.isNameStart(c) {
                var m = k
                while let d = at(m), Self.isNameChar(d) { m += 1 }
                tokens.append(JinjaToken(kind: .name(String(String.UnicodeScalarView(chars[k..<m]))), position: here))
                k = m
            } else {
                let two = at(k + 1).map { String(c) + String($0) } ?? ""
                if ["//", "**", "==", "!=", "<=", ">="].contains(two) {
                    tokens.append(JinjaToken(kind: .op(two), position: here))
                    k += 2
                } else if "+-*/%~<>=.,:|()[]{}".unicodeScalars.contains(c) {
                    if c == "(" || c == "[" || c == "{" { brackets.append(c == "(" ? ")" : (c == "[" ? "]" : "}")) }
                    if c == ")" || c == "]" || c == "}" {
                        guard let expected = brackets.popLast() else { throw .syntax("unexpected '\(c)'", at: here) }
                        if expected != c { throw .syntax("unexpected '\(c)', expected '\(expected)'", at: here) }
                    }
                    tokens.append(JinjaToken(kind: .op(String(c)), position: here))
                    k += 1
                } else {
                    throw .syntax("unexpected character '\(c)' in tag", at: here)
                }
            }
        }
    }

    private func lexString(from start: Int) throws(ChatTemplateError) -> (String, Int) {
        let quote = chars[start]
        var k = start + 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = at(k) else { throw .syntax("unterminated string literal", at: position(start)) }
            if c == quote { return (String(out), k + 1) }
            if c == "\\" {
                guard let e = at(k + 1) else { throw .syntax("unterminated string literal", at: position(start)) }
                k += 2
                switch e {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "0": out.append("\0")
                case "a": out.append("\u{07}")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "v": out.append("\u{0B}")
                case "\\", "'", "\"": out.append(e)
                case "\n": break
                case "x", "u", "U":
                    let width = e == "x" ? 2 : (e == "u" ? 4 : 8)
                    guard k + width <= chars.count,
                        let v = UInt32(String(String.UnicodeScalarView(chars[k..<(k + width)])), radix: 16),
                        let scalar = Unicode.Scalar(v)
                    else { throw .syntax("bad \\\(e) escape in string literal", at: position(k - 2)) }
                    out.append(scalar)
                    k += width
                default:
                    out.append("\\")
                    out.append(e)
                }
                continue
            }
            out.append(c)
            k += 1
        }
    }
}
