// Judgment+JSONL: read and write judgments as JSON Lines (one object a line, UTF-8, sorted keys).
// A malformed line is an error naming the file and line; nothing is silently dropped.
import Foundation

/// A judgments file that could not be read.
public enum JudgmentFileError: LocalizedError, Equatable {
    case malformedLine(file: String, line: Int, reason: String)
    case notUTF8(file: String, line: Int)

    public var errorDescription: String? {
        switch self {
        case .malformedLine(let file, let line, let reason):
            return "\(file):\(line): malformed judgment line (\(reason)); fix or remove that line"
        case .notUTF8(let file, let line):
            return "\(file):\(line): line is not valid UTF-8; re-encode the file as UTF-8"
        }
    }
}

extension Judgment {
    /// One JSON line (no trailing newline), keys sorted for stable diffs.
    public func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// This judgment as it can be recorded: itself when it encodes, else a failed judgment under
    /// the same key whose typed `nonFinite` failure names the field and the number JSON cannot
    /// hold (nan, ±inf), with no score, distribution or spread. Never half a sample: a job records
    /// what this returns, so an encoding failure cannot abort its writes.
    package func recordable() -> Judgment {
        do {
            _ = try jsonLine()
            return self
        } catch {
            var field = "judgment"
            var value = "\(error)"
            if case EncodingError.invalidValue(let bad, let context) = error {
                let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
                field = path.isEmpty ? "judgment" : path.joined(separator: ".")
                value = "\(bad)"
            }
            let failed = Judgment(
                id: id, judge: judge, rubric: rubric, rubricHash: rubricHash, criterion: criterion,
                rationale: rationale,
                raw: raw, promptHash: promptHash, model: model, latencyMs: latencyMs.isFinite ? latencyMs : 0,
                attempts: attempts, positionConsistent: positionConsistent,
                failure: .nonFinite(field: field, value: value))
            return failed
        }
    }

    /// Encodes judgments as JSON Lines, each line ending in "\n".
    public static func jsonLines(_ judgments: [Judgment]) throws -> Data {
        var out = Data()
        for judgment in judgments {
            out.append(contentsOf: Array(try judgment.jsonLine().utf8))
            out.append(0x0A)
        }
        return out
    }

    /// Decodes JSON Lines; blank lines are skipped, `\r\n` endings accepted. `file` names the
    /// source in errors.
    public static func decodeJSONLines(_ data: Data, file: String = "<judgments>") throws -> [Judgment] {
        let decoder = JSONDecoder()
        var result: [Judgment] = []
        let bytes = [UInt8](data)
        var lineNumber = 0
        var start = 0
        while start <= bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lineNumber += 1
            var slice = bytes[start..<end]
            if slice.last == 0x0D { slice = slice.dropLast() }
            start = end + 1
            guard let text = String(bytes: slice, encoding: .utf8) else {
                throw JudgmentFileError.notUTF8(file: file, line: lineNumber)
            }
            if text.allSatisfy(\.isWhitespace) { continue }
            do {
                result.append(try decoder.decode(Judgment.self, from: Data(slice)))
            } catch let error as DecodingError {
                throw JudgmentFileError.malformedLine(file: file, line: lineNumber, reason: Self.describe(error))
            } catch {
                throw JudgmentFileError.malformedLine(file: file, line: lineNumber, reason: "\(error)")
            }
        }
        return result
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty
                ? "$" : "$." + keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let ctx): return "missing key \"\(key.stringValue)\" at \(path(ctx.codingPath))"
        case .typeMismatch(_, let ctx): return "wrong type at \(path(ctx.codingPath)): \(ctx.debugDescription)"
        case .valueNotFound(_, let ctx): return "null at \(path(ctx.codingPath))"
        case .dataCorrupted(let ctx): return "\(ctx.debugDescription) at \(path(ctx.codingPath))"
        @unknown default: return "\(error)"
        }
    }
}
