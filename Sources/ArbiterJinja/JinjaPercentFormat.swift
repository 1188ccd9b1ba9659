// JinjaPercentFormat: Python's printf-style `str % args` as templates use it: %s %r %d %i %f %F
// %e %E %g %G %x %X %o %c %%, flags (- + space 0 #), width, precision, `%(key)s` with a dict,
// a tuple for several arguments. Mismatched arguments are runtime errors, as in Python.
import Foundation

enum JinjaPercentFormat {
    static func format(_ format: String, _ argument: JinjaRuntimeValue, at position: JinjaPosition)
        throws(ChatTemplateError) -> String
    {
        var positional: [JinjaRuntimeValue]
        var mapping: JinjaRuntimeDict? = nil
        switch argument {
        case .tuple(let items): positional = items
        case .dict(let d):
            positional = [argument]
            mapping = d
        default: positional = [argument]
        }
        var next = 0
        var out = ""
        var chars = Array(format.unicodeScalars)[...]
        while let c = chars.popFirst() {
            guard c == "%" else {
                out.unicodeScalars.append(c)
                continue
            }
            var key: String? = nil
            if chars.first == "(" {
                chars.removeFirst()
                var name = ""
                while let k = chars.popFirst(), k != ")" { name.unicodeScalars.append(k) }
                key = name
            }
            var flags = ""
            while let f = chars.first, "-+ 0#".unicodeScalars.contains(f) {
                flags.unicodeScalars.append(f)
                chars.removeFirst()
            }
            var width = 0
            while let d = chars.first, let v = Int(String(d)), d.isASCII {
                width = min(width * 10 + v, 1000)
                chars.removeFirst()
            }
            var precision: Int? = nil
            if chars.first == "." {
                chars.removeFirst()
                var p = 0
                while let d = chars.first, let v = Int(String(d)), d.isASCII {
                    p = min(p * 10 + v, 100)
                    chars.removeFirst()
                }
                precision = p
            }
            guard let type = chars.popFirst() else {
                throw .runtime("incomplete format in '%' string formatting", at: position)
            }
            if type == "%" {
                out += "%"
                continue
            }
            let value: JinjaRuntimeValue
            if let key {
                guard let found = mapping?[key] else {
                    throw .runtime("format requires a mapping with key '\(key)'", at: position)
                }
                value = found
            } else {
                guard next < positional.count else {
                    throw .runtime("not enough arguments for format string", at: position)
                }
                value = positional[next]
                next += 1
            }
            out += try field(value, type: type, flags: flags, width: width, precision: precision, at: position)
        }
        if mapping == nil && next < positional.count {
            throw .runtime("not all arguments converted during string formatting", at: position)
        }
        return out
    }

    private static func field(
        _ value: JinjaRuntimeValue, type: Unicode.Scalar, flags: String, width: Int, precision: Int?,
        at position: JinjaPosition
    ) throws(ChatTemplateError) -> String {
        let spec = "%" + flags + (width > 0 ? String(width) : "") + (precision.map { "." + String($0) } ?? "")
        switch type {
        case "s", "r", "a":
            var text = type == "s" ? value.pythonString : value.pythonRepr
            if let precision { text = String(String.UnicodeScalarView(text.unicodeScalars.prefix(precision))) }
            let pad = String(repeating: " ", count: max(0, width - text.unicodeScalars.count))
            return flags.contains("-") ? text + pad : pad + text
        case "d", "i", "x", "X", "o", "c":
            let number: Int
            switch value {
            case .int(let i): number = i
            case .bool(let b): number = b ? 1 : 0
            case .double(let d) where d.isFinite && abs(d) < 9e18 && type != "c": number = Int(d)
            default: throw .runtime("%\(type) format: a number is required, not \(value.typeName)", at: position)
            }
            if type == "c" {
                guard let scalar = Unicode.Scalar(UInt32(clamping: number)) else {
                    throw .runtime("%c arg not in range", at: position)
                }
                return String(scalar)
            }
            let conversion = type == "i" ? "d" : String(type)
            return String(format: spec + "l" + conversion, number)
        case "f", "F", "e", "E", "g", "G":
            guard let number = value.numeric else {
                throw .runtime("must be real number, not \(value.typeName)", at: position)
            }
            return String(format: spec + String(type), number)
        default:
            throw .runtime("unsupported format character '\(type)'", at: position)
        }
    }
}
