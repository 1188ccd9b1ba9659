// JSONLines: walks the lines of a JSON Lines buffer with their 1-based numbers, skipping blank
// ones; shared by every JSONL reader (samples, human and judge labels). Splitting only: parsing a
// line is the caller's job, and reading the file is too (each reader names its own error).
import Foundation

package enum JSONLines {
    /// Whether `bytes` holds nothing but JSON whitespace other than the newline (space, tab,
    /// carriage return); such a line is blank and skipped.
    package static func isBlank(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    /// Calls `body(lineNumber, bytes)` for every line that is not blank; line numbers count every
    /// line, blank ones included. Lines end at "\n"; a "\r" before it stays in `bytes` (JSON
    /// whitespace, so "\r\n" files parse alike).
    package static func forEachLine(in data: Data, _ body: (Int, Data) throws -> Void) rethrows {
        var lineNumber = 0
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            lineNumber += 1
            let bytes = data[start..<end]
            start = end < data.endIndex ? data.index(after: end) : end
            if isBlank(bytes) { continue }
            try body(lineNumber, Data(bytes))
        }
    }
}

extension JSONLines {
    /// Whether a number JSONSerialization returned was a JSON `true`/`false` (Foundation hands
    /// both back as NSNumber; only the boolean's class name tells them apart on every platform).
    package static func isBoolean(_ value: NSNumber) -> Bool {
        String(describing: type(of: value)).contains("Boolean")
    }
}
