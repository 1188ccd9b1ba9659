// LabelFileError: typed errors of the JSONL label loaders; each names the file, the line and the
// fix, and the file read that reports an unreadable file as one. Not for statistic inputs
// (AgreementError) or audit set-up (AuditError).
import ArbiterCore
import Foundation

/// A label file that cannot be read; `line` is 1-based (0 when the problem is the whole file).
public struct LabelFileError: Error, LocalizedError, Equatable, Sendable {
    public enum Problem: Equatable, Sendable {
        case unreadable(String)
        case notUTF8
        case invalidJSON(String)
        case missingField(String)
        case wrongType(field: String, expected: String)
        case invalidWinner(String)
        case nonFiniteScore
        case conflictingFields(String)
        case duplicate(id: String, source: String, criterion: String?, firstLine: Int)
        case rubricVersions(id: String, judge: String, firstLine: Int, firstHash: String, hash: String)
        case mixedKinds
        case empty
    }

    public let file: String
    public let line: Int
    public let problem: Problem

    public init(file: String, line: Int, problem: Problem) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var errorDescription: String? {
        let at = line > 0 ? "\(file):\(line)" : file
        switch problem {
        case .unreadable(let why): return "\(at): cannot read the label file (\(why)); check the path"
        case .notUTF8: return "\(at): line is not valid UTF-8; re-export the file as UTF-8 JSON Lines"
        case .invalidJSON(let why): return "\(at): not a JSON object (\(why)); each line must be one JSON object"
        case .missingField(let f):
            return
                "\(at): missing field \"\(f)\"; labels need \"id\", \"rater\" (or \"judge\") and \"score\", \"scores\" or \"winner\""
        case .wrongType(let f, let expected): return "\(at): field \"\(f)\" must be \(expected)"
        case .invalidWinner(let w): return "\(at): winner \"\(w)\" is not one of \"a\", \"b\", \"tie\""
        case .nonFiniteScore: return "\(at): score is not a finite number; use null for a missing score"
        case .conflictingFields(let why): return "\(at): \(why); keep exactly one of \"score\", \"scores\", \"winner\""
        case .duplicate(let id, let source, let criterion, let first):
            return
                "\(at): second label for id \(id), rater \(source)\(criterion.map { ", criterion \($0)" } ?? "") (first on line \(first)); remove one"
        case .rubricVersions(let id, let judge, let first, let firstHash, let hash):
            return
                "\(at): judge \(judge) judged id \(id) under rubric hash \(hash), and under \(firstHash) on line \(first); audit one rubric version: keep the lines of one rubric hash (or rename the judge)"
        case .mixedKinds: return "\(at): the file mixes graded scores and pairwise winners; split it into two files"
        case .empty: return "\(at): the file holds no labels"
        }
    }
}

/// Why an audit cannot pair human and judge labels.
public enum AuditError: Error, LocalizedError, Equatable, Sendable {
    case ambiguousJudge(file: String, judges: [String])
    case unknownJudge(file: String, judge: String, judges: [String])
    case ambiguousCriterion(file: String, criteria: [String])
    case unknownCriterion(file: String, criterion: String, criteria: [String])
    case kindMismatch(human: String, judge: String)
    case noSharedItems(human: String, judge: String)
    case invalidOption(String)
    /// A score off the declared scale: a judge score outside its range, or a human score not on a level.
    case offScale(file: String, line: Int, id: String, source: String, score: Double, scale: [Double], judge: Bool)

    public var errorDescription: String? {
        switch self {
        case .ambiguousJudge(let file, let judges):
            return
                "\(file) holds labels of several judges (\(judges.joined(separator: ", "))); pick one with the judge name"
        case .unknownJudge(let file, let judge, let judges):
            return "\(file) has no judge \"\(judge)\"; it has \(judges.joined(separator: ", "))"
        case .ambiguousCriterion(let file, let criteria):
            return
                "\(file) holds several criteria (\(criteria.joined(separator: ", "))); pick one with the criterion option"
        case .unknownCriterion(let file, let criterion, let criteria):
            return
                "\(file) has no criterion \"\(criterion)\"; it has \(criteria.isEmpty ? "none" : criteria.joined(separator: ", "))"
        case .kindMismatch(let human, let judge):
            return
                "\(human) and \(judge) hold different label kinds (graded scores vs pairwise winners); pass matching files"
        case .noSharedItems(let human, let judge):
            return "\(human) and \(judge) share no item id; check that both files label the same samples"
        case .invalidOption(let why):
            return "invalid audit option: \(why)"
        case .offScale(let file, let line, let id, let source, let score, let scale, let judge):
            let levels = "[" + scale.map(AuditReport.levelLabel).joined(separator: ", ") + "]"
            return judge
                ? "\(file):\(line): judge score \(score) of \(source) for id \(id) is outside the scale \(levels); fix or remove that line, or widen --scale"
                : "\(file):\(line): human score \(score) of \(source) for id \(id) is not on the scale \(levels); fix that line, or widen --scale"
        }
    }
}

extension JSONLines {
    /// The file's bytes; an unreadable file is a `LabelFileError` naming it.
    static func read(_ url: URL) throws -> Data {
        do { return try RegularFile.read(url) } catch {
            throw LabelFileError(file: url.path, line: 0, problem: .unreadable(error.localizedDescription))
        }
    }
}
