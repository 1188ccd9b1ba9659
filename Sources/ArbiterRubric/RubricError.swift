// RubricError: the typed error every rubric load, validation and template problem throws.
// It names the file, the line where the parser knows it, the path inside the document
// (`criteria[2].scale.levels[4].descriptor`), what is wrong, and how to fix it.
// It is not used for programmer errors (those are preconditions).
import Foundation

/// A problem with a rubric file: where it is, what is wrong, and the fix.
public struct RubricError: LocalizedError, Sendable, Equatable {
    /// What kind of problem this is; tests and tools can switch on it.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case unreadableFile = "unreadable file"
        case unsupportedExtension = "unsupported extension"
        case syntax = "syntax error"
        case missingField = "missing field"
        case wrongType = "wrong type"
        case invalidValue = "invalid value"
        case unknownKey = "unknown key"
        case duplicateKey = "duplicate key"
        case emptyCriteria = "empty criteria"
        case duplicateCriterionID = "duplicate criterion id"
        case nonPositiveWeight = "non-positive weight"
        case unknownScaleType = "unknown scale type"
        case levelsNotCovering = "levels do not cover the scale"
        case missingDescriptor = "missing descriptor"
        case duplicateLevel = "duplicate level"
        case unknownAggregation = "unknown aggregation"
        case aggregationMismatch = "aggregation does not fit the scales"
        case unknownPlaceholder = "unknown placeholder"
        case templateMissingPlaceholder = "template misses a placeholder"
    }

    /// The kind of problem.
    public let kind: Kind
    /// The file (path as given), or `<string>` for in-memory text.
    public let file: String
    /// 1-based line in the file, when the parser knows it.
    public let line: Int?
    /// Path inside the document, e.g. `criteria[2].scale.levels[4].descriptor`; empty for the root.
    public let path: String
    /// What is wrong.
    public let problem: String
    /// How to fix it.
    public let fix: String

    public init(kind: Kind, file: String, line: Int? = nil, path: String, problem: String, fix: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.path = path
        self.problem = problem
        self.fix = fix
    }

    public var errorDescription: String? {
        let location = line.map { "\(file):\($0)" } ?? file
        let at = path.isEmpty ? "" : " at `\(path)`"
        return "\(location): \(kind.rawValue)\(at): \(problem). Fix: \(fix)"
    }
}

/// A problem turning judge output or scores into results for a rubric (not a file problem).
public struct RubricScoreError: LocalizedError, Sendable, Equatable {
    /// The rubric's name.
    public let rubric: String
    /// What is wrong.
    public let problem: String
    /// How to fix it.
    public let fix: String

    public var errorDescription: String? {
        "rubric \(rubric): \(problem). Fix: \(fix)"
    }
}
