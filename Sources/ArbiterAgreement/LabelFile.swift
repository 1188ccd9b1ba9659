// LabelFile: loader for JSON Lines human labels and judgments — {"id","rater","criterion"?,"score"},
// {"id","criterion"?,"scores":[..]}, pairwise {"id","rater","winner"}, and judge files with "judge"
// instead of "rater". Every malformed line is a LabelFileError with file and line; nothing is
// silently dropped. Tables and alignment: LabelFile+Tables.swift.
import ArbiterCore
import Foundation

/// One label's value: a graded score or a pairwise winner.
public enum LabelValue: Sendable, Equatable {
    case score(Double)
    case vote(PairwiseVerdict)
}

/// One label: item `id` labelled by `source` (a rater or a judge) on an optional criterion.
public struct LabelRecord: Sendable, Equatable {
    public let id: String
    public let source: String
    public let criterion: String?
    /// nil when the line holds an explicit `null` score (a labeller that gave no usable answer).
    public let value: LabelValue?
    /// 1-based line number in the file.
    public let line: Int
    /// The judge's probability per score (`distribution`: score token → probability), when given.
    public var distribution: [Double: Double]? = nil
    /// The model behind a judgment (`model`, a string), when given.
    public var model: String? = nil
    /// A failed judgment's failure kind (`failure.kind`, e.g. "timeout"), when given.
    public var failure: String? = nil
    /// The line names a judge (not a rater): a judgment, keyed with its rubric hash.
    var isJudgment = false
    /// The judgment's `rubric_hash`, when given.
    var rubricHash: String? = nil
}

/// Graded scores or pairwise winners.
public enum LabelKind: String, Sendable, Codable { case graded, pairwise }

/// A parsed label file.
public struct LabelFile: Sendable {
    /// The file name used in messages.
    public let name: String
    public let records: [LabelRecord]
    public let kind: LabelKind

    /// Reads and parses a JSONL file.
    public static func load(_ url: URL, progress: ((Int, Int) -> Void)? = nil) throws -> LabelFile {
        try LabelFile(parsing: JSONLines.read(url), name: url.path, progress: progress)
    }

    /// Parses JSONL bytes; blank lines are skipped, anything else must be a valid label. Judgment
    /// files are append-only: a judgment line whose key (id, judge, rubric hash, criterion) repeats
    /// replaces the earlier one (a `--retry-failed` run appends the retry); a rater's label that
    /// repeats, or one judge's judgments of two rubric versions, are errors.
    /// - Parameter progress: called with (bytes read, total bytes) every few thousand lines.
    public init(parsing data: Data, name: String, progress: ((Int, Int) -> Void)? = nil) throws {
        var records: [LabelRecord] = []
        var firstLine: [String: (line: Int, index: Int)] = [:]
        var kind: LabelKind? = nil
        var bytesRead = 0
        try JSONLines.forEachLine(in: data) { lineNumber, bytes in
            bytesRead += bytes.count + 1
            if let progress, lineNumber % 16_384 == 0 { progress(min(bytesRead, data.count), data.count) }
            let parsed = try Self.parseLine(bytes, file: name, line: lineNumber)
            for record in parsed {
                let lineKind: LabelKind
                switch record.value {
                case .vote?: lineKind = .pairwise
                case .score?, nil: lineKind = .graded
                }
                if record.value != nil {
                    if let k = kind, k != lineKind {
                        throw LabelFileError(file: name, line: lineNumber, problem: .mixedKinds)
                    }
                    kind = lineKind
                }
                let key = "\(record.id)\u{1F}\(record.source)\u{1F}\(record.criterion ?? "\u{0}")"
                if let first = firstLine[key] {
                    let earlier = records[first.index]
                    guard record.isJudgment, earlier.isJudgment else {
                        throw LabelFileError(
                            file: name, line: lineNumber,
                            problem: .duplicate(
                                id: record.id, source: record.source, criterion: record.criterion,
                                firstLine: first.line))
                    }
                    guard earlier.rubricHash == record.rubricHash else {
                        throw LabelFileError(
                            file: name, line: lineNumber,
                            problem: .rubricVersions(
                                id: record.id, judge: record.source, firstLine: first.line,
                                firstHash: earlier.rubricHash ?? "none", hash: record.rubricHash ?? "none"))
                    }
                    records[first.index] = record  // the later judgment of a key wins
                    continue
                }
                firstLine[key] = (lineNumber, records.count)
                records.append(record)
            }
        }
        progress?(data.count, data.count)
        guard !records.isEmpty else { throw LabelFileError(file: name, line: 0, problem: .empty) }
        self.name = name
        self.records = records
        self.kind = kind ?? .graded
    }

    static func parseLine(_ bytes: Data, file: String, line: Int) throws -> [LabelRecord] {
        func fail(_ p: LabelFileError.Problem) -> LabelFileError { LabelFileError(file: file, line: line, problem: p) }
        guard String(data: bytes, encoding: .utf8) != nil else { throw fail(.notUTF8) }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: bytes, options: []) } catch {
            throw fail(.invalidJSON("\(error.localizedDescription)"))
        }
        guard let obj = object as? [String: Any] else { throw fail(.invalidJSON("the line is not an object")) }
        let id: String
        switch obj["id"] {
        case let s as String: id = s
        case let n as NSNumber where !JSONLines.isBoolean(n) && Int64(exactly: n.doubleValue) != nil:
            id = "\(Int64(exactly: n.doubleValue) ?? 0)"
        case nil: throw fail(.missingField("id"))
        default: throw fail(.wrongType(field: "id", expected: "a string"))
        }
        let criterion: String?
        switch obj["criterion"] {
        case nil, is NSNull: criterion = nil
        case let s as String: criterion = s
        default: throw fail(.wrongType(field: "criterion", expected: "a string"))
        }
        let present = ["score", "scores", "winner"].filter { obj[$0] != nil }
        guard present.count <= 1 else {
            throw fail(.conflictingFields("the line has \(present.joined(separator: " and "))"))
        }
        if let raw = obj["scores"] {
            guard let list = raw as? [Any] else {
                throw fail(.wrongType(field: "scores", expected: "an array of numbers"))
            }
            return try list.enumerated().map { i, v in
                LabelRecord(
                    id: id, source: "#\(i + 1)", criterion: criterion,
                    value: try score(v, field: "scores[\(i)]", fail: fail).map(LabelValue.score), line: line)
            }
        }
        let source: String
        switch (obj["rater"], obj["judge"]) {
        case (let s as String, nil), (nil, let s as String): source = s
        case (nil, nil): throw fail(.missingField("rater"))
        case (_?, _?): throw fail(.conflictingFields("the line has both \"rater\" and \"judge\""))
        default: throw fail(.wrongType(field: obj["rater"] != nil ? "rater" : "judge", expected: "a string"))
        }
        let model: String?
        switch obj["model"] {
        case nil, is NSNull: model = nil
        case let m as String: model = m
        default: throw fail(.wrongType(field: "model", expected: "a string"))
        }
        if let raw = obj["winner"] {
            guard let s = raw as? String else {
                throw fail(.wrongType(field: "winner", expected: "\"a\", \"b\" or \"tie\""))
            }
            guard let vote = PairwiseVerdict(rawValue: s.lowercased()) else { throw fail(.invalidWinner(s)) }
            var record = LabelRecord(id: id, source: source, criterion: criterion, value: .vote(vote), line: line)
            record.model = model
            try record.readJudgment(obj, fail: fail)
            return [record]
        }
        guard let raw = obj["score"] else { throw fail(.missingField("score")) }
        let value = try score(raw, field: "score", fail: fail)
        var record = LabelRecord(
            id: id, source: source, criterion: criterion, value: value.map(LabelValue.score), line: line)
        if let d = obj["distribution"], !(d is NSNull) { record.distribution = try distribution(d, fail: fail) }
        record.model = model
        try record.readJudgment(obj, fail: fail)
        return [record]
    }

    private static func score(_ raw: Any, field: String, fail: (LabelFileError.Problem) -> LabelFileError) throws
        -> Double?
    {
        if raw is NSNull { return nil }
        guard let n = raw as? NSNumber, !JSONLines.isBoolean(n) else {
            throw fail(.wrongType(field: field, expected: "a number or null"))
        }
        let v = n.doubleValue
        guard v.isFinite else { throw fail(.nonFiniteScore) }
        return v
    }

    /// `{"1": 0.1, "2": 0.7, ...}`: numeric score tokens → finite, non-negative probabilities with a
    /// positive sum (normalised to 1; log-prob scorers rarely sum to exactly 1).
    private static func distribution(_ raw: Any, fail: (LabelFileError.Problem) -> LabelFileError) throws -> [Double:
        Double]
    {
        let expected = "an object of score token → probability, e.g. {\"1\": 0.2, \"2\": 0.8}"
        guard let obj = raw as? [String: Any], !obj.isEmpty else {
            throw fail(.wrongType(field: "distribution", expected: expected))
        }
        var out: [Double: Double] = [:]
        for (k, v) in obj {
            guard let score = Double(k.trimmingCharacters(in: .whitespaces)), score.isFinite,
                let n = v as? NSNumber, !JSONLines.isBoolean(n), n.doubleValue.isFinite, n.doubleValue >= 0
            else {
                throw fail(.wrongType(field: "distribution", expected: expected))
            }
            out[score, default: 0] += n.doubleValue
        }
        let total = out.values.reduce(0, +)
        guard total > 0, total.isFinite else {
            throw fail(.wrongType(field: "distribution", expected: expected + " with a positive, finite sum"))
        }
        return out.mapValues { $0 / total }
    }
}

extension LabelRecord {
    /// A judge line's key fields: whether it names a judge, its rubric hash and failure kind
    /// (`{"kind": "timeout", ...}` as the judge writes it, or a bare string).
    mutating func readJudgment(_ obj: [String: Any], fail: (LabelFileError.Problem) -> LabelFileError) throws {
        isJudgment = obj["judge"] != nil
        switch obj["rubric_hash"] {
        case nil, is NSNull: rubricHash = nil
        case let h as String: rubricHash = h
        default: throw fail(.wrongType(field: "rubric_hash", expected: "a string"))
        }
        switch obj["failure"] {
        case nil, is NSNull: failure = nil
        case let kind as String: failure = kind
        case let f as [String: Any]:
            guard let kind = f["kind"] as? String else {
                throw fail(.wrongType(field: "failure", expected: "an object with a \"kind\" string"))
            }
            failure = kind
        default: throw fail(.wrongType(field: "failure", expected: "an object with a \"kind\" string"))
        }
    }
}
