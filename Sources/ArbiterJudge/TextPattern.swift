// TextPattern: a compiled NSRegularExpression that is safe to share (NSRegularExpression is
// immutable and documented thread-safe) plus helpers that return Swift ranges and groups.
// It is plumbing for the parsers and verifiers, not a public regex API.
import Foundation

struct TextPattern: @unchecked Sendable {
    let regex: NSRegularExpression

    /// Compiles a pattern known at build time; a bad literal is a programmer error.
    init(_ pattern: String, caseInsensitive: Bool = true) {
        do {
            regex = try NSRegularExpression(
                pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
        } catch {
            preconditionFailure("TextPattern: invalid built-in pattern \(pattern): \(error)")
        }
    }

    init(compiled: NSRegularExpression) { regex = compiled }

    struct Match {
        /// UTF-16 offsets of the whole match.
        let start: Int
        let end: Int
        /// Capture groups (nil when a group did not participate).
        let groups: [String?]
    }

    func matches(in text: String) -> [Match] {
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
            var groups: [String?] = []
            if m.numberOfRanges > 1 {
                for i in 1..<m.numberOfRanges {
                    let r = m.range(at: i)
                    groups.append(r.location == NSNotFound ? nil : ns.substring(with: r))
                }
            }
            return Match(start: m.range.location, end: m.range.location + m.range.length, groups: groups)
        }
    }

    func firstMatch(in text: String) -> Match? {
        matches(in: text).first
    }
}

extension String {
    /// The prefix up to a UTF-16 offset (clamped), used to cut rationales before a verdict.
    func utf16Prefix(_ offset: Int) -> String {
        let ns = self as NSString
        return ns.substring(to: max(0, min(offset, ns.length)))
    }

    /// The substring between two UTF-16 offsets (clamped).
    func utf16Slice(_ from: Int, _ to: Int) -> String {
        let ns = self as NSString
        let lo = max(0, min(from, ns.length))
        let hi = max(lo, min(to, ns.length))
        return ns.substring(with: NSRange(location: lo, length: hi - lo))
    }
}
