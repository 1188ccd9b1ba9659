// RubricNode: the format-neutral document tree that the YAML, JSON and XML readers produce and
// the one schema reader (`Rubric+Schema.swift`) consumes, so all three formats load to the same
// model with the same errors. Nodes keep the 1-based source line where the parser reports one.
// This is not a general YAML/JSON/XML model: only what a rubric file needs.
import Foundation

/// How a scalar was written, which decides the types it may stand for.
enum ScalarKind: Equatable {
    /// A quoted or string-typed value (JSON string, YAML `str`).
    case string
    /// A number (JSON number, YAML `int`/`float`).
    case number
    /// A boolean (JSON/YAML `true`/`false`).
    case bool
    /// An explicit null.
    case null
    /// Untyped text (XML element text): read as whatever the schema asks for.
    case text
}

/// One node of a parsed rubric document.
struct RubricNode {
    enum Value {
        /// Key/value pairs in document order.
        case map([(key: String, node: RubricNode)])
        /// Items in document order.
        case list([RubricNode])
        /// A scalar and how it was written.
        case scalar(String, ScalarKind)
    }

    let value: Value
    /// 1-based line where the node starts, when known.
    let line: Int?

    /// Human name of the node's type, for "wrong type" messages.
    var typeName: String {
        switch value {
        case .map: return "a mapping"
        case .list: return "a list"
        case .scalar(let text, let kind):
            switch kind {
            case .string: return "the string \"\(text.prefix(40))\""
            case .number: return "the number \(text)"
            case .bool: return "the boolean \(text)"
            case .null: return "null"
            case .text: return "the text \"\(text.prefix(40))\""
            }
        }
    }
}

extension RubricNode {
    /// The 1-based line holding the first byte sequence that is not UTF-8, or nil when all is.
    static func invalidUTF8Line(_ data: Data) -> Int? {
        var iterator = data.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return 1 + data.prefix(offset).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            }
        }
    }
}

/// The formats a rubric file may be written in.
public enum RubricFormat: String, Sendable, CaseIterable {
    case yaml
    case json
    case xml

    /// The format for a file extension (`yaml`, `yml`, `json`, `xml`; case-insensitive).
    public init?(fileExtension: String) {
        switch fileExtension.lowercased() {
        case "yaml", "yml": self = .yaml
        case "json": self = .json
        case "xml": self = .xml
        default: return nil
        }
    }
}

/// Namespace for rubric-format constants.
public enum RubricFormatInfo {
    /// File extensions the loader accepts.
    public static let extensions: Set<String> = ["yaml", "yml", "json", "xml"]
}

/// Edit distance, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.lowercased())
    let y = Array(b.lowercased())
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        current[0] = i
        for j in 1...y.count {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        }
        swap(&previous, &current)
    }
    return previous[y.count]
}

/// The closest candidate to `word` when it is close enough to be a likely typo.
func closestMatch(to word: String, in candidates: [String]) -> String? {
    let scored = candidates.map { (candidate: $0, distance: editDistance(word, $0)) }
    guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
    let limit = Swift.max(2, Swift.min(word.count, best.candidate.count) / 3)
    return best.distance <= limit ? best.candidate : nil
}

/// "did you mean `x`?" text, or a list of the allowed values.
func suggestion(for word: String, in candidates: [String]) -> String {
    if let match = closestMatch(to: word, in: candidates) {
        return "did you mean `\(match)`?"
    }
    return "use one of: " + candidates.map { "`\($0)`" }.joined(separator: ", ")
}
