// JSONLines: reading a JSONL file and walking its non-blank lines with their 1-based numbers,
// shared by the label and sample loaders. Parsing a line is the caller's job.
import Foundation

enum JSONLines {
    /// The file's bytes; an unreadable file is a `LabelFileError` naming it.
    static func read(_ url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw LabelFileError(file: url.path, line: 0, problem: .unreadable(error.localizedDescription))
        }
    }

    /// Calls `body(lineNumber, bytes)` for every line that is not empty or only spaces, tabs
    /// and carriage returns; line numbers count every line, blank ones included.
    static func forEachLine(in data: Data, _ body: (Int, Data) throws -> Void) rethrows {
        var lineNumber = 0
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            lineNumber += 1
            let bytes = data[start..<end]
            start = end < data.endIndex ? data.index(after: end) : end
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            try body(lineNumber, Data(bytes))
        }
    }
}
