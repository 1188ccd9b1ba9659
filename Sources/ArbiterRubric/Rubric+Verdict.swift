// Rubric+Verdict: reads a judge's answer back: the `[RESULT] …` lines the rendered prompt asks
// for (Rubric+Prompt.swift). The last matching line wins, so a judge that drafts and revises is
// read by its final answer. Not a model call and not a score aggregator (Rubric+Aggregation.swift).
import Foundation

/// The winner of a pairwise comparison.
public enum PairwiseVerdict: String, Sendable, Codable, Equatable, CaseIterable {
    case a = "A"
    case b = "B"
    case tie = "TIE"
}

extension Rubric {
    /// The text after `[RESULT]` on each line that starts with it (after whitespace, `*` or `#`).
    static func resultLines(in text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { rawLine in
            let line = rawLine.trimmingCharacters(
                in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "*#>`")))
            guard line.uppercased().hasPrefix("[RESULT]") else { return nil }
            return String(line.dropFirst("[RESULT]".count))
                .trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "*`.")))
        }
    }

    /// The level chosen for each criterion id, from `[RESULT] <label>` (one criterion) or
    /// `[RESULT] <id>: <label>` lines. Throws `RubricScoreError` when a criterion has no
    /// readable result or names a label outside its scale.
    public func pointwiseVerdict(from output: String) throws -> [String: ScaleLevel] {
        precondition(kind == .pointwise, "pointwiseVerdict needs a pointwise rubric; \(name) is \(kind.rawValue)")
        var answers: [String: String] = [:]
        for result in Self.resultLines(in: output) {
            if let colon = result.firstIndex(of: ":") {
                let id = result[..<colon].trimmingCharacters(in: .whitespaces)
                if criterion(id) != nil {
                    answers[id] = String(result[result.index(after: colon)...])
                    continue
                }
            }
            if criteria.count == 1 {
                answers[criteria[0].id] = result
            }
        }
        var verdict: [String: ScaleLevel] = [:]
        for criterion in criteria {
            guard let scale = criterion.scale else { continue }
            let labels = scale.levels.map(\.label).joined(separator: ", ")
            guard let answer = answers[criterion.id] else {
                throw RubricScoreError(
                    rubric: name, problem: "the judge output has no `[RESULT]` line for `\(criterion.id)`",
                    fix: "ask the judge to end with the `[RESULT]` lines the rendered prompt describes")
            }
            guard let level = scale.level(forAnswer: answer) else {
                throw RubricScoreError(
                    rubric: name,
                    problem: "`\(answer.trimmingCharacters(in: .whitespaces))` is not a level of `\(criterion.id)`",
                    fix: "the judge must answer one of \(labels)")
            }
            verdict[criterion.id] = level
        }
        return verdict
    }

    /// The winner from the last `[RESULT] A|B|TIE` line. Throws `RubricScoreError` when none.
    public func pairwiseVerdict(from output: String) throws -> PairwiseVerdict {
        for result in Self.resultLines(in: output).reversed() {
            let word = result.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? ""
            if let verdict = PairwiseVerdict(rawValue: word.uppercased()) {
                return verdict
            }
        }
        throw RubricScoreError(
            rubric: name, problem: "the judge output has no `[RESULT] A`, `[RESULT] B` or `[RESULT] TIE` line",
            fix: "ask the judge to end with the `[RESULT]` line the rendered prompt describes")
    }
}
