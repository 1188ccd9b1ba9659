// SampleLine: the one reader of samples JSON Lines (ARCHITECTURE.md "Data on disk": pointwise
// `{id, prompt, response, reference?, metadata?}`, pairwise `{id, prompt, response_a, response_b,
// metadata?}`), used by the judge job and the audit alike, with one set of rules. Every line that
// is not blank gives a sample or an issue naming the file and the line; nothing is dropped
// silently. What a caller does with an issue (collect it, stop at the first) is its own business.
// Rules, in the order they are checked:
// - a line ends at "\n"; a line of only spaces, tabs and "\r" is blank and skipped (JSONLines);
// - the line must be UTF-8, valid JSON, and a JSON object;
// - "id" is required: a non-empty string;
// - "prompt", "response", "response_a", "response_b", "reference" are absent/null or text: a
//   string, or a bare true/false/number (some exports, e.g. PandaLM's, hold one where the text
//   was "True"/"42"), read as Python's str() writes it; arrays and objects are errors;
// - "metadata" is absent or an object; its string and number values are kept as strings;
// - the shape asks for the fields a run needs (pointwise: prompt and response; pairwise: prompt,
//   response_a and response_b; any: none);
// - an id may appear once; a later line with the same id is an issue (the first one stands).
import Foundation

/// Which fields a samples reader requires besides the id.
package enum SampleShape: Sendable {
    /// `prompt` and `response` (a judge's pointwise run).
    case pointwise
    /// `prompt`, `response_a` and `response_b` (a judge's pairwise run).
    case pairwise
    /// Nothing but the id (the audit reads responses for length baselines and metadata only).
    case any
}

/// One sample line as read; absent fields are nil.
package struct SampleLine: Sendable, Equatable {
    /// 1-based line number in the file.
    package var line: Int
    package var id: String
    package var prompt: String?
    package var response: String?
    package var responseA: String?
    package var responseB: String?
    package var reference: String?
    /// Metadata values that are strings or numbers, as strings (integers without a decimal point).
    package var metadata: [String: String]
}

/// A samples line that is not a usable sample: the file, the line, and why.
package struct SampleLineIssue: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Problem: Sendable, Equatable {
        case notUTF8
        case invalidJSON(String)
        case notAnObject
        case missingField(String)
        case wrongType(field: String, expected: String)
        case emptyID
        case pairwiseInPointwiseRun
        case duplicateID(String, firstLine: Int)
    }

    package var file: String
    package var line: Int
    /// The line's id when it had a non-empty string one.
    package var id: String?
    package var problem: Problem

    /// What is wrong and the fix.
    package var reason: String {
        switch problem {
        case .notUTF8: return "not valid UTF-8; re-encode the file as UTF-8"
        case .invalidJSON: return "not valid JSON; each line must be one JSON object"
        case .notAnObject: return "not a JSON object; each line must be {\"id\": …, …}"
        case .missingField(let key): return "missing \"\(key)\"; add it as a string"
        case .wrongType(let key, let expected): return "\"\(key)\" must be \(expected)"
        case .emptyID: return "\"id\" is empty; give the sample a non-empty id"
        case .pairwiseInPointwiseRun:
            return "a pairwise sample (response_a/response_b) in a pointwise run; pass --pairwise"
        case .duplicateID(let id, let first):
            return "duplicate id \"\(id)\" (first at line \(first)); give every sample a unique id"
        }
    }

    package var description: String { "\(file):\(line): \(reason)" }
}

extension SampleLine {
    /// Reads samples JSONL bytes: one result per non-blank line, in file order. `file` names the
    /// file in issues.
    package static func parse(_ data: Data, file: String, shape: SampleShape) -> [Result<SampleLine, SampleLineIssue>] {
        var results: [Result<SampleLine, SampleLineIssue>] = []
        var firstLine: [String: Int] = [:]
        JSONLines.forEachLine(in: data) { line, bytes in
            switch parseLine(bytes, line: line, shape: shape) {
            case .failure(let issue):
                results.append(.failure(SampleLineIssue(file: file, line: line, id: issue.id, problem: issue.problem)))
            case .success(let sample):
                if let first = firstLine[sample.id] {
                    let problem = SampleLineIssue.Problem.duplicateID(sample.id, firstLine: first)
                    results.append(.failure(SampleLineIssue(file: file, line: line, id: sample.id, problem: problem)))
                } else {
                    firstLine[sample.id] = line
                    results.append(.success(sample))
                }
            }
        }
        return results
    }

    private struct LineIssue: Error {
        var id: String?
        var problem: SampleLineIssue.Problem
    }

    private static func parseLine(_ bytes: Data, line: Int, shape: SampleShape) -> Result<SampleLine, LineIssue> {
        guard String(data: bytes, encoding: .utf8) != nil else { return .failure(LineIssue(problem: .notUTF8)) }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed]) } catch {
            return .failure(LineIssue(problem: .invalidJSON(error.localizedDescription)))
        }
        guard let fields = object as? [String: Any] else { return .failure(LineIssue(problem: .notAnObject)) }
        let id: String
        switch fields["id"] {
        case nil, is NSNull: return .failure(LineIssue(problem: .missingField("id")))
        case let s as String where s.isEmpty: return .failure(LineIssue(problem: .emptyID))
        case let s as String: id = s
        default: return .failure(LineIssue(problem: .wrongType(field: "id", expected: "a string")))
        }
        do throws(LineIssue) {
            func text(_ key: String) throws(LineIssue) -> String? {
                switch fields[key] {
                case nil, is NSNull: return nil
                case let s as String: return s
                case let n as NSNumber where JSONLines.isBoolean(n): return n.boolValue ? "True" : "False"
                case let n as NSNumber: return Int64(exactly: n.doubleValue).map { "\($0)" } ?? "\(n.doubleValue)"
                default: throw LineIssue(id: id, problem: .wrongType(field: key, expected: "a string"))
                }
            }
            let sample = SampleLine(
                line: line, id: id, prompt: try text("prompt"), response: try text("response"),
                responseA: try text("response_a"), responseB: try text("response_b"),
                reference: try text("reference"), metadata: try metadata(fields["metadata"], id: id))
            func require(_ value: String?, _ key: String) throws(LineIssue) {
                if value == nil { throw LineIssue(id: id, problem: .missingField(key)) }
            }
            switch shape {
            case .pointwise:
                try require(sample.prompt, "prompt")
                if fields["response"] == nil, fields["response_a"] != nil {
                    throw LineIssue(id: id, problem: .pairwiseInPointwiseRun)
                }
                try require(sample.response, "response")
            case .pairwise:
                try require(sample.prompt, "prompt")
                try require(sample.responseA, "response_a")
                try require(sample.responseB, "response_b")
            case .any:
                break
            }
            return .success(sample)
        } catch {
            return .failure(error)
        }
    }

    /// String and number values of a metadata object as strings; other values are left out.
    private static func metadata(_ value: Any?, id: String) throws(LineIssue) -> [String: String] {
        guard let value else { return [:] }
        guard let object = value as? [String: Any] else {
            throw LineIssue(id: id, problem: .wrongType(field: "metadata", expected: "an object"))
        }
        var out: [String: String] = [:]
        for (key, value) in object {
            switch value {
            case let s as String: out[key] = s
            case let n as NSNumber: out[key] = Int64(exactly: n.doubleValue).map { "\($0)" } ?? "\(n.doubleValue)"
            default: continue
            }
        }
        return out
    }
}
