// RubricNode+JSON: turns JSON bytes (via Foundation's JSONSerialization) into a RubricNode tree.
// JSONSerialization reports syntax errors with a character offset, which we turn into a line; it
// gives no positions for values, so a structural scan of the (already valid) bytes maps each
// document path to its line. Keys are sorted (JSON objects are unordered). Not a JSON writer.
import Foundation

extension RubricNode {
    /// Parses JSON bytes; throws `RubricError` (`.syntax`).
    static func parseJSON(_ data: Data, file: String) throws -> RubricNode {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let message =
                (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
                ?? error.localizedDescription
            throw RubricError(
                kind: .syntax, file: file, line: lineNumber(in: message, data: data), path: "",
                problem: "JSON: \(message)",
                fix: "fix the JSON syntax (a missing comma or quote, a trailing comma, an unclosed bracket)")
        }
        return convert(object, path: "", lines: jsonValueLines(data))
    }

    private static func convert(_ object: Any, path: String, lines: [String: Int]) -> RubricNode {
        let line = lines[path]
        switch object {
        case let dictionary as [String: Any]:
            let entries = dictionary.keys.sorted().map { key in
                (
                    key: key,
                    node: convert(dictionary[key] as Any, path: RubricSchemaReader.join(path, key), lines: lines)
                )
            }
            return RubricNode(value: .map(entries), line: line)
        case let array as [Any]:
            let items = array.enumerated().map { index, item in
                convert(item, path: "\(path)[\(index)]", lines: lines)
            }
            return RubricNode(value: .list(items), line: line)
        case let string as String:
            return RubricNode(value: .scalar(string, .string), line: line)
        case let number as NSNumber:
            // JSONSerialization makes booleans NSNumbers of type char ("c").
            if String(cString: number.objCType) == "c" {
                return RubricNode(value: .scalar(number.boolValue ? "true" : "false", .bool), line: line)
            }
            return RubricNode(value: .scalar(number.stringValue, .number), line: line)
        case is NSNull:
            return RubricNode(value: .scalar("null", .null), line: line)
        default:
            return RubricNode(value: .scalar(String(describing: object), .string), line: line)
        }
    }

    /// The 1-based line where each value starts, keyed by document path (`criteria[0].weight`).
    /// Scans bytes JSONSerialization has already accepted, with an explicit stack (no recursion);
    /// on anything unexpected it stops and returns what it has, since lines are only a courtesy.
    static func jsonValueLines(_ data: Data) -> [String: Int] {
        enum Frame {
            case object(path: String, key: String?)
            case array(path: String, index: Int)
        }
        var lines: [String: Int] = [:]
        var stack: [Frame] = []
        var line = 1
        var expectingKey = false
        let bytes = [UInt8](data)
        var i = 0

        func valuePath() -> String {
            switch stack.last {
            case .object(let path, let key)?: return RubricSchemaReader.join(path, key ?? "")
            case .array(let path, let index)?: return "\(path)[\(index)]"
            case nil: return ""
            }
        }

        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                i += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: ":"):
                i += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let path = valuePath()
                lines[path] = line
                stack.append(byte == UInt8(ascii: "{") ? .object(path: path, key: nil) : .array(path: path, index: 0))
                expectingKey = byte == UInt8(ascii: "{")
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
                expectingKey = false
                i += 1
            case UInt8(ascii: ","):
                switch stack.last {
                case .object(let path, _)?:
                    stack[stack.count - 1] = .object(path: path, key: nil)
                    expectingKey = true
                case .array(let path, let index)?:
                    stack[stack.count - 1] = .array(path: path, index: index + 1)
                case nil:
                    return lines
                }
                i += 1
            case UInt8(ascii: "\""):
                var end = i + 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
                    end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard end < bytes.count else { return lines }
                if expectingKey, case .object(let path, _)? = stack.last {
                    let raw = Data(bytes[i...end])
                    let key = (try? JSONSerialization.jsonObject(with: raw, options: [.fragmentsAllowed])) as? String
                    stack[stack.count - 1] = .object(path: path, key: key ?? "")
                    expectingKey = false
                } else {
                    lines[valuePath()] = line
                }
                i = end + 1
            default:
                // A number, true, false or null: runs to the next delimiter.
                lines[valuePath()] = line
                while i < bytes.count, !"\n\r\t ,]}".utf8.contains(bytes[i]) { i += 1 }
            }
        }
        return lines
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
