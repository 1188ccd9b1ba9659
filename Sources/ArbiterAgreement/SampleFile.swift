// SampleFile: the parts of a samples JSONL file an audit needs — id, response text(s) for length
// baselines, and metadata values (as strings) for grouping (summary-level, system-level).
// Not a prompt renderer. Malformed lines are LabelFileError with file and line.
import Foundation

/// One sample: graded (`response`) or pairwise (`responseA`, `responseB`).
public struct SampleRecord: Sendable, Equatable {
    public let id: String
    public let response: String?
    public let responseA: String?
    public let responseB: String?
    /// Scalar metadata values rendered as strings (integers without a decimal point).
    public let metadata: [String: String]
    public let line: Int
}

/// A parsed samples file, indexed by id.
public struct SampleFile: Sendable {
    public let name: String
    public let samples: [SampleRecord]
    public let byID: [String: SampleRecord]

    public static func load(_ url: URL) throws -> SampleFile {
        try SampleFile(parsing: JSONLines.read(url), name: url.path)
    }

    public init(parsing data: Data, name: String) throws {
        var samples: [SampleRecord] = []
        var byID: [String: SampleRecord] = [:]
        try JSONLines.forEachLine(in: data) { line, bytes in
            func fail(_ p: LabelFileError.Problem) -> LabelFileError {
                LabelFileError(file: name, line: line, problem: p)
            }
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: bytes, options: []) } catch {
                throw fail(.invalidJSON(error.localizedDescription))
            }
            guard let obj = object as? [String: Any] else { throw fail(.invalidJSON("the line is not an object")) }
            guard let idAny = obj["id"] else { throw fail(.missingField("id")) }
            guard let id = idAny as? String else { throw fail(.wrongType(field: "id", expected: "a string")) }
            func text(_ key: String) throws -> String? {
                switch obj[key] {
                case nil, is NSNull: return nil
                case let s as String: return s
                // Some exports (e.g. PandaLM) hold a bare JSON true/false/number where the answer
                // text was "True"/"False"/"42"; keep the text Python's str() would give.
                case let n as NSNumber where String(describing: type(of: n)).contains("Boolean"):
                    return n.boolValue ? "True" : "False"
                case let n as NSNumber: return Int64(exactly: n.doubleValue).map { "\($0)" } ?? "\(n.doubleValue)"
                default: throw fail(.wrongType(field: key, expected: "a string"))
                }
            }
            var meta: [String: String] = [:]
            if let m = obj["metadata"] {
                guard let md = m as? [String: Any] else {
                    throw fail(.wrongType(field: "metadata", expected: "an object"))
                }
                for (k, v) in md {
                    switch v {
                    case let s as String: meta[k] = s
                    case let n as NSNumber:
                        if let i = Int64(exactly: n.doubleValue) {
                            meta[k] = "\(i)"
                        } else {
                            meta[k] = "\(n.doubleValue)"
                        }
                    default: continue
                    }
                }
            }
            let record = SampleRecord(
                id: id, response: try text("response"), responseA: try text("response_a"),
                responseB: try text("response_b"), metadata: meta, line: line)
            if let first = byID[id] {
                throw fail(.duplicate(id: id, source: "samples", criterion: nil, firstLine: first.line))
            }
            byID[id] = record
            samples.append(record)
        }
        guard !samples.isEmpty else { throw LabelFileError(file: name, line: 0, problem: .empty) }
        self.name = name
        self.samples = samples
        self.byID = byID
    }

    /// The metadata value `key` of each id; ids without a sample or without the key are errors.
    public func metadata(_ key: String, for ids: [String]) throws -> [String] {
        try ids.map { id in
            guard let s = byID[id] else { throw AuditError.invalidOption("\(name) has no sample with id \(id)") }
            guard let v = s.metadata[key] else {
                throw AuditError.invalidOption("\(name):\(s.line): sample \(id) has no metadata \"\(key)\"")
            }
            return v
        }
    }
}
