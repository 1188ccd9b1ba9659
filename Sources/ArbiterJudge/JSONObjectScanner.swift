// JSONObjectScanner: finds top-level {...} objects embedded in free text (prose, ```json fences)
// by brace matching that respects JSON strings and escapes, then parses each candidate. It does
// not repair broken JSON; an object that does not parse is skipped. Work is bounded for hostile
// text: an object may span at most `maxObjectLength` UTF-16 units and at most `maxFailedStarts`
// opening braces may fail before scanning stops (so "{{{{…" costs linear, not quadratic, time).
import ArbiterCore
import Foundation

enum JSONObjectScanner {
    struct Found {
        /// UTF-16 offsets of the object in the text.
        let start: Int
        let end: Int
        let value: JSONValue
    }

    static let maxObjectLength = 16_384
    static let maxFailedStarts = 64

    /// Every parseable outermost JSON object in `text`, in order. Unbalanced or invalid braces
    /// are skipped, and scanning resumes after the failed opening brace.
    static func objects(in text: String) -> [Found] {
        let units = Array(text.utf16)
        var found: [Found] = []
        var i = 0
        var failedStarts = 0
        while i < units.count, failedStarts < maxFailedStarts {
            guard units[i] == 0x7B else {
                i += 1
                continue
            }  // "{"
            if let end = matchingBrace(units, from: i),
                let value = JSONValue.parse(String(decoding: units[i...end], as: UTF16.self)),
                case .object = value
            {
                found.append(Found(start: i, end: end + 1, value: value))
                i = end + 1
            } else {
                failedStarts += 1
                i += 1
            }
        }
        return found
    }

    /// Index of the "}" closing the "{" at `start`, or nil when unbalanced.
    static func matchingBrace(_ units: [UInt16], from start: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        var i = start
        let limit = min(units.count, start + maxObjectLength)
        while i < limit {
            let u = units[i]
            if inString {
                if escaped {
                    escaped = false
                } else if u == 0x5C {
                    escaped = true
                } else if u == 0x22 {
                    inString = false
                }
            } else if u == 0x22 {
                inString = true
            } else if u == 0x7B {
                depth += 1
            } else if u == 0x7D {
                depth -= 1
                if depth == 0 { return i }
            }
            i += 1
        }
        return nil
    }
}
