// RubricJudge+Scale: the glue between a rubric's ScoreScale and the judge module's score types:
// `AllowedScores(scale:)` and a backend adaptor that rewrites
// `[RESULT] <label>` answers of ordinal/binary scales into their numeric scores so the numeric
// verdict parser can read them. It is not a judge and does not call a model by itself.
import ArbiterChat
import ArbiterRubric
import Foundation

extension AllowedScores {
    /// The scores a rubric scale accepts: exactly its levels' scores.
    public init(scale: ScoreScale) {
        self = .set(scale.levels.map(\.score))
    }
}

/// Wraps a backend and rewrites each `[RESULT] <label>` / `[RESULT] <id>: <label>` line whose
/// label names a level of a non-numeric scale into the level's score ("pass" → "1"). Lines it
/// cannot map are left alone (the parser then reports them as unparseable or off-scale).
struct ScaleLabelBackend: ChatBackend {
    let base: any ChatBackend
    /// Criterion id → scale; a single entry also serves unlabelled `[RESULT] x` lines.
    let scales: [String: ScoreScale]

    /// Whether any of the rubric's scales is answered with labels rather than numbers.
    static func needed(for rubric: Rubric) -> Bool {
        rubric.criteria.contains { ($0.scale?.type ?? .numeric) != .numeric }
    }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        var response = try await base.complete(request)
        response.text = translate(response.text)
        return response
    }

    func translate(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let s = String(line)
            guard let range = s.range(of: "[RESULT]", options: .caseInsensitive) else { return s }
            let prefix = s[..<range.upperBound]
            let rest = s[range.upperBound...]
            if let colon = rest.firstIndex(of: ":") {
                let id = rest[..<colon].trimmingCharacters(in: .whitespaces)
                if let scale = scales[id], scale.type != .numeric,
                    let level = scale.level(forAnswer: String(rest[rest.index(after: colon)...]))
                {
                    return "\(prefix) \(id): \(Self.format(level.score))"
                }
            }
            if scales.count == 1, let scale = scales.values.first, scale.type != .numeric,
                let level = scale.level(forAnswer: String(rest))
            {
                return "\(prefix) \(Self.format(level.score))"
            }
            return s
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
