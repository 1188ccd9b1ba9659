// SampleFile: the parts of a samples JSONL file an audit needs — id, response text(s) for length
// baselines, and metadata values (as strings) for grouping (summary-level, system-level) — read
// with ArbiterCore's one sample reader (`SampleLine`, shared with the judge job). Not a prompt
// renderer. Malformed lines are LabelFileError with file and line.
import ArbiterCore
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

    /// Parses samples JSONL bytes with ArbiterCore's sample reader (its rules: SampleLine.swift);
    /// the first unusable line throws.
    public init(parsing data: Data, name: String) throws {
        var samples: [SampleRecord] = []
        var byID: [String: SampleRecord] = [:]
        for result in SampleLine.parse(data, file: name, shape: .any) {
            switch result {
            case .failure(let issue):
                throw LabelFileError(file: name, line: issue.line, problem: Self.problem(issue.problem))
            case .success(let s):
                let record = SampleRecord(
                    id: s.id, response: s.response, responseA: s.responseA, responseB: s.responseB,
                    metadata: s.metadata, line: s.line)
                byID[s.id] = record
                samples.append(record)
            }
        }
        guard !samples.isEmpty else { throw LabelFileError(file: name, line: 0, problem: .empty) }
        self.name = name
        self.samples = samples
        self.byID = byID
    }

    /// The audit's error for a reader issue.
    private static func problem(_ problem: SampleLineIssue.Problem) -> LabelFileError.Problem {
        switch problem {
        case .notUTF8: return .notUTF8
        case .invalidJSON(let why): return .invalidJSON(why)
        case .notAnObject: return .invalidJSON("the line is not an object")
        case .missingField(let key): return .missingField(key)
        case .wrongType(let key, let expected): return .wrongType(field: key, expected: expected)
        case .emptyID: return .wrongType(field: "id", expected: "a non-empty string")
        // The audit reads samples with shape `.any`, which never asks for a pointwise run.
        case .pairwiseInPointwiseRun: return .conflictingFields("a pairwise sample in a pointwise run")
        case .duplicateID(let id, let first):
            return .duplicate(id: id, source: "samples", criterion: nil, firstLine: first)
        }
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
