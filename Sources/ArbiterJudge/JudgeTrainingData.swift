// JudgeTrainingData: training examples for a trained judge, built from a samples file and a
// labels file — human labels (one or many raters an item) or any judge's judgments
// (distillation) — and the deterministic fold rule that splits them. Not the loop (JudgeTrainer).
import ArbiterAgreement
import ArbiterCore
import ArbiterRubric
import Foundation

/// One graded example: a response, its target score on the rubric's scale and that score's
/// level index (nearest level, ties to the lower), with a weight.
struct PointwiseExample: Sendable, Equatable {
    var id: String
    var text: JudgeText
    var score: Double
    var level: Int
    var weight: Float
}

/// One preference example: two responses to one prompt and which one won (or a tie).
struct PairwiseExample: Sendable, Equatable {
    var id: String
    var a: JudgeText
    var b: JudgeText
    var winner: PairwiseVerdict
    var weight: Float
}

/// How several labels of one item become training targets.
public enum LabelAggregation: String, Sendable, Codable, CaseIterable {
    /// One example an item: the majority vote (a split with no majority counts as a tie), or
    /// the mean score.
    case majority
    /// One example a label, each weighted 1/(the item's label count), so every item weighs one.
    case perRater = "per-rater"
}

/// Why training data could not be built; each names the file and the fix.
enum JudgeTrainingDataError: Error, LocalizedError, Equatable {
    case wrongKind(file: String, found: String, expected: String)
    case unknownSource(file: String, source: String, available: [String])
    case noExamples(file: String, reason: String)
    case offScale(file: String, line: Int, score: Double, levels: [Double])

    var errorDescription: String? {
        switch self {
        case .wrongKind(let file, let found, let expected):
            return "\(file): the labels are \(found), but this judge trains on \(expected) labels; "
                + "pass a matching --labels file or rubric"
        case .unknownSource(let file, let source, let available):
            return "\(file): no labels from '\(source)'; the file has \(available.joined(separator: ", "))"
        case .noExamples(let file, let reason):
            return "\(file): no training examples (\(reason))"
        case .offScale(let file, let line, let score, let levels):
            return "\(file):\(line): score \(score) is not a level of the rubric's scale "
                + "(\(levels.map { "\($0)" }.joined(separator: ", "))); fix the label or the rubric"
        }
    }
}

enum JudgeTrainingData {
    /// The fold of `id` among `folds`: the first byte of SHA-256(UTF-8 id) mod `folds`. The same
    /// rule as the peer scripts (Benchmarks/peers), so every tool holds out the same items.
    static func fold(of id: String, folds: Int) -> Int {
        precondition(folds > 0)
        let hex = SHA256Hex.digest(of: Data(id.utf8))
        return Int(hex.prefix(2), radix: 16)! % folds
    }

    /// The labels of `file` from `source` (all sources when nil), grouped by item.
    static func records(_ labels: LabelFile, source: String?) throws -> [String: [LabelRecord]] {
        var records = labels.records.filter { $0.value != nil }
        if let source {
            let available = labels.sources
            guard available.contains(source) else {
                throw JudgeTrainingDataError.unknownSource(file: labels.name, source: source, available: available)
            }
            records = records.filter { $0.source == source }
        }
        return Dictionary(grouping: records, by: \.id)
    }

    /// Pairwise examples for the samples that have labels, in sample order.
    static func pairwise(
        samples: [PairwiseSample], labels: LabelFile, source: String? = nil, criterion: String,
        aggregation: LabelAggregation
    ) throws -> [PairwiseExample] {
        guard labels.kind == .pairwise else {
            throw JudgeTrainingDataError.wrongKind(file: labels.name, found: "graded scores", expected: "pairwise")
        }
        let byID = try records(labels, source: source)
        var examples: [PairwiseExample] = []
        for sample in samples {
            let votes = (byID[sample.id] ?? []).compactMap { record -> PairwiseVerdict? in
                if case .vote(let v) = record.value { return v }
                return nil
            }
            guard !votes.isEmpty else { continue }
            let a = JudgeText(criterion: criterion, prompt: sample.prompt, reference: nil, response: sample.responseA)
            let b = JudgeText(criterion: criterion, prompt: sample.prompt, reference: nil, response: sample.responseB)
            switch aggregation {
            case .majority:
                examples.append(PairwiseExample(id: sample.id, a: a, b: b, winner: majority(votes), weight: 1))
            case .perRater:
                for vote in votes {
                    examples.append(
                        PairwiseExample(id: sample.id, a: a, b: b, winner: vote, weight: 1 / Float(votes.count)))
                }
            }
        }
        guard !examples.isEmpty else {
            throw JudgeTrainingDataError.noExamples(file: labels.name, reason: "no labelled id is in the samples file")
        }
        return examples
    }

    /// The vote more than half the voters gave; otherwise a tie.
    static func majority(_ votes: [PairwiseVerdict]) -> PairwiseVerdict {
        for verdict in [PairwiseVerdict.a, .b, .tie] where votes.filter({ $0 == verdict }).count * 2 > votes.count {
            return verdict
        }
        return .tie
    }

    /// Pointwise examples on `scale` for the samples that have labels, in sample order.
    static func pointwise(
        samples: [JudgeSample], labels: LabelFile, source: String? = nil, criterion: Criterion,
        criterionText: String, aggregation: LabelAggregation
    ) throws -> [PointwiseExample] {
        guard labels.kind == .graded else {
            throw JudgeTrainingDataError.wrongKind(file: labels.name, found: "pairwise votes", expected: "graded")
        }
        guard let scale = criterion.scale else {
            throw JudgeTrainingDataError.wrongKind(file: labels.name, found: "graded scores", expected: "pairwise")
        }
        let byID = try records(labels, source: source)
        let levelScores = scale.levels.map(\.score)
        var examples: [PointwiseExample] = []
        for sample in samples {
            let records = (byID[sample.id] ?? []).filter { $0.criterion == nil || $0.criterion == criterion.id }
            var scores: [Double] = []
            for record in records {
                guard case .score(let s) = record.value else { continue }
                guard s >= scale.minimum - 1e-9, s <= scale.maximum + 1e-9 else {
                    throw JudgeTrainingDataError.offScale(
                        file: labels.name, line: record.line, score: s, levels: levelScores)
                }
                scores.append(s)
            }
            guard !scores.isEmpty else { continue }
            let text = JudgeText(
                criterion: criterionText, prompt: sample.prompt, reference: sample.reference, response: sample.response)
            switch aggregation {
            case .majority:
                let mean = scores.reduce(0, +) / Double(scores.count)
                examples.append(
                    PointwiseExample(
                        id: sample.id, text: text, score: mean, level: nearestLevel(mean, levelScores), weight: 1))
            case .perRater:
                for s in scores {
                    examples.append(
                        PointwiseExample(
                            id: sample.id, text: text, score: s, level: nearestLevel(s, levelScores),
                            weight: 1 / Float(scores.count)))
                }
            }
        }
        guard !examples.isEmpty else {
            throw JudgeTrainingDataError.noExamples(
                file: labels.name, reason: "no labelled id of criterion '\(criterion.id)' is in the samples file")
        }
        return examples
    }

    /// The index of the level nearest `score` (ties to the lower), as the audit rounds.
    static func nearestLevel(_ score: Double, _ levels: [Double]) -> Int {
        var best = 0
        for (i, level) in levels.enumerated() where abs(level - score) < abs(levels[best] - score) { best = i }
        return best
    }
}
