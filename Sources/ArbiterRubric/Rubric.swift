// Rubric: the validated model of a rubric file (criteria, weights, score scales whose every
// level has a descriptor, an aggregation rule, reference-answer instructions, prompt templates).
// Values are only built by the loader (`Rubric+Loading.swift`), which validates everything, so a
// `Rubric` in hand is always consistent. This file is the model only: no parsing, no rendering.
import Foundation

/// Whether a judge scores one response (pointwise) or picks the better of two (pairwise).
public enum RubricKind: String, Sendable, Codable, Equatable, CaseIterable {
    case pointwise
    case pairwise
}

/// How per-criterion scores combine into one score (see `Rubric+Aggregation.swift`).
public enum Aggregation: String, Sendable, Codable, Equatable, CaseIterable {
    /// Weighted mean: of raw scores when every criterion has the same scale, else of scores
    /// normalised to [0, 1].
    case weightedMean = "weighted-mean"
    /// The lowest criterion score (raw when every scale is the same, else normalised).
    case min
    /// 1 when every (binary) criterion passes, else 0.
    case allPass = "all-pass"
}

/// The three kinds of score scale.
public enum ScaleType: String, Sendable, Codable, Equatable, CaseIterable {
    /// Integer scores `min, min+step, …, max`.
    case numeric
    /// Ordered labels, worst first; scored 1, 2, … by rank.
    case ordinal
    /// `fail` (0) and `pass` (1).
    case binary
}

/// One level of a scale: the label a judge answers with, its numeric score, and its descriptor.
public struct ScaleLevel: Sendable, Codable, Equatable {
    /// What the judge writes after `[RESULT]`: the score for numeric scales ("4"), the label for
    /// ordinal ("good") and binary ("pass"/"fail") scales.
    public let label: String
    /// The numeric value: the score (numeric), the 1-based rank (ordinal), 0/1 (binary).
    public let score: Double
    /// What a response at this level looks like.
    public let descriptor: String
}

/// A score scale; `levels` are sorted by ascending score and every level has a descriptor.
public struct ScoreScale: Sendable, Codable, Equatable {
    /// The kind of scale.
    public let type: ScaleType
    /// Distance between neighbouring numeric scores (1 for ordinal and binary scales).
    public let step: Int
    /// Every level, lowest score first.
    public let levels: [ScaleLevel]

    /// The lowest score.
    public var minimum: Double { levels.first?.score ?? 0 }
    /// The highest score.
    public var maximum: Double { levels.last?.score ?? 0 }

    /// The level a judge's answer names, or nil when it names none. The whole answer is tried
    /// first (labels case-insensitively; numeric answers such as "4.0" match the level 4), then
    /// its first word, so "4/5", "4 (good)" and "pass." are read as 4, 4 and pass.
    public func level(forAnswer answer: String) -> ScaleLevel? {
        let text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        if let level = exactLevel(text) { return level }
        let separators = CharacterSet.whitespaces.union(CharacterSet(charactersIn: "/(),;*`\"'"))
        let firstWord = text.components(separatedBy: separators).first { !$0.isEmpty } ?? ""
        let trimmed = firstWord.trimmingCharacters(in: CharacterSet(charactersIn: ".:!"))
        return trimmed == text ? nil : exactLevel(trimmed)
    }

    /// The level one answer token names (trimmed; a label case-insensitively, or a number on a
    /// numeric scale), without the first-word fallback: how probability-weighted reads count a
    /// token ("pass", " 4") as a level.
    package func level(forToken token: String) -> ScaleLevel? {
        exactLevel(token.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func exactLevel(_ text: String) -> ScaleLevel? {
        if let exact = levels.first(where: { $0.label.caseInsensitiveCompare(text) == .orderedSame }) {
            return exact
        }
        if type == .numeric, let value = Double(text) {
            return levels.first { $0.score == value }
        }
        return nil
    }

    /// A score mapped to [0, 1]: `(score - minimum) / (maximum - minimum)`.
    public func normalised(_ score: Double) -> Double {
        let span = maximum - minimum
        return span > 0 ? (score - minimum) / span : 0
    }
}

/// One criterion of a rubric.
public struct Criterion: Sendable, Codable, Equatable {
    /// Identifier, unique in the rubric (letters, digits, `-`, `_`).
    public let id: String
    /// What the criterion judges.
    public let description: String
    /// Relative weight (> 0); weights need not sum to 1.
    public let weight: Double
    /// The score scale; nil exactly for pairwise rubrics (whose verdict is A, B or TIE).
    public let scale: ScoreScale?
}

/// Optional overrides of the judge prompt; `{{placeholders}}` are substituted when rendering.
public struct PromptTemplates: Sendable, Codable, Equatable {
    /// The system message template, or nil for the default.
    public let system: String?
    /// The user message template, or nil for the default.
    public let user: String?
}

/// A validated rubric. Build one with `Rubric.load(contentsOf:)` or `Rubric.parse(_:format:file:)`.
/// `Codable` stores and restores validated rubrics (model field names, not the file schema);
/// decoding does not re-validate, so read rubric files through the loader.
public struct Rubric: Sendable, Codable, Equatable {
    /// Short name, e.g. `helpfulness`.
    public let name: String
    /// Version text, e.g. `1.0.0`.
    public let version: String
    /// What the rubric is for.
    public let description: String
    /// Pointwise or pairwise.
    public let kind: RubricKind
    /// The criteria, in file order (never empty).
    public let criteria: [Criterion]
    /// How criterion scores combine.
    public let aggregation: Aggregation
    /// Instructions on how to use a reference answer; when set, samples need a reference.
    public let referenceInstructions: String?
    /// Prompt overrides.
    public let templates: PromptTemplates?

    /// Whether judging with this rubric needs a reference answer.
    public var requiresReference: Bool { referenceInstructions != nil }

    /// The criterion with this id.
    public func criterion(_ id: String) -> Criterion? {
        criteria.first { $0.id == id }
    }
}
