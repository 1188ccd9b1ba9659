// RubricNode+JSON: turns JSON bytes (via Foundation's JSONSerialization) into a RubricNode tree.
// JSONSerialization reports syntax errors with a character offset, which we turn into a line; it does not
// give positions for values, so JSON nodes carry no line. Keys are sorted (JSON objects are
// unordered). Not a JSON writer.
import Foundation

extension RubricNode {
    /// Parses JSON bytes; throws `RubricError` (`.syntax`).
    static func parseJSON(_ data: Data, file: String) throws -> RubricNode {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let message = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
                ?? error.localizedDescription
            throw RubricError(
                kind: .syntax, file: file, line: lineNumber(in: message, data: data), path: "",
                problem: "JSON: \(message)",
                fix: "fix the JSON syntax (a missing comma or quote, a trailing comma, an unclosed bracket)")
        }
        return convert(object)
    }

    private static func convert(_ object: Any) -> RubricNode {
        switch object {
        case let dictionary as [String: Any]:
            let entries = dictionary.keys.sorted().map { key in
                (key: key, node: convert(dictionary[key] as Any))
            }
            return RubricNode(value: .map(entries), line: nil)
        case let array as [Any]:
            return RubricNode(value: .list(array.map(convert)), line: nil)
        case let string as String:
            return RubricNode(value: .scalar(string, .string), line: nil)
        case let number as NSNumber:
            // JSONSerialization makes booleans NSNumbers of type char ("c").
            if String(cString: number.objCType) == "c" {
                return RubricNode(value: .scalar(number.boolValue ? "true" : "false", .bool), line: nil)
            }
            return RubricNode(value: .scalar(number.stringValue, .number), line: nil)
        case is NSNull:
            return RubricNode(value: .scalar("null", .null), line: nil)
        default:
            return RubricNode(value: .scalar(String(describing: object), .string), line: nil)
        }
    }

    /// The line of a JSONSerialization error: from "line N" in the message, or by counting
    /// newlines before the byte offset in "character N".
    static func lineNumber(in message: String, data: Data) -> Int? {
        func number(after word: String) -> Int? {
            guard let range = message.range(of: word, options: .caseInsensitive) else { return nil }
            return Int(message[range.upperBound...].prefix { $0.isASCII && $0.isNumber })
        }
        if let line = number(after: "line ") { return line }
        guard let offset = number(after: "character ") else { return nil }
        let end = Swift.min(Swift.max(offset, 0), data.count)
        return 1 + data.prefix(end).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}
