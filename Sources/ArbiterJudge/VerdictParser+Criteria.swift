// VerdictParser+Criteria: per-criterion scores for multi-criterion rubrics, from lines like
// "[RESULT] coherence: 4" / "**Coherence:** 4/5" or a JSON object keyed by criterion ids
// ({"coherence": 4} or {"scores": {"coherence": {"score": 4, "rationale": "..."}}}).
// For each criterion the LAST verdict wins, as for single scores.
import ArbiterRubric
import Foundation

extension VerdictParser {
    /// One result per criterion id; a criterion without a verdict gets unparseable (or refusal /
    /// empty output when that describes the whole answer). A criterion with a label scale in
    /// `scales` also reads `[RESULT] <id>: <label>` lines through it.
    public func parseCriteria(_ text: String, criteria: [String], scales: [String: ScoreScale] = [:]) -> [String:
        Result<ParsedScore, JudgmentFailure>]
    {
        let normalized = Self.normalize(text)
        var candidates: [String: [Candidate]] = [:]
        for id in criteria {
            let escaped = NSRegularExpression.escapedPattern(for: id)
            let pattern = TextPattern(
                #"(?:\[\s*RESULT\s*\]\s*)?(?<![\w-])"# + escaped
                    + #"(?![\w-])\s*[*_]*\s*[:=]\s*[*_]*\s*\[*\s*"# + Self.number + Self.outOf)
            for m in pattern.matches(in: normalized) {
                guard let g = m.groups.first, let s = g, let v = Double(s) else { continue }
                candidates[id, default: []].append(Candidate(start: m.start, end: m.end, value: v, rationale: nil))
            }
            if let scale = scales[id] {
                candidates[id, default: []] += Self.labelCandidates(in: normalized, criterion: id, scale: scale)
            }
        }
        for object in JSONObjectScanner.objects(in: normalized) {
            guard case .object(let top) = object.value else { continue }
            var fields = top
            if let nested = Self.field(["scores", "criteria", "results"], in: top), case .object(let inner) = nested {
                fields = inner
            }
            let lowered = Dictionary(fields.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
            for id in criteria {
                guard let entry = lowered[id.lowercased()] else { continue }
                var value: Double?
                var rationale: String?
                if case .object(let sub) = entry {
                    value = Self.scoreField(in: sub)
                    rationale = Self.rationaleField(in: sub)
                } else {
                    value = entry.numericValue
                }
                if let value {
                    candidates[id, default: []].append(
                        Candidate(start: object.start, end: object.end, value: value, rationale: rationale))
                }
            }
        }

        let finals = criteria.compactMap { id in candidates[id]?.max(by: Self.earlier).map { (id, $0) } }
        let firstStart = finals.map(\.1.start).min() ?? 0
        let overall = Self.clean(normalized.utf16Prefix(firstStart))
        let ends = finals.map(\.1.end).sorted()
        let missing = Self.noVerdictFailure(normalized)

        var result: [String: Result<ParsedScore, JudgmentFailure>] = [:]
        for id in criteria {
            guard let final = candidates[id]?.max(by: Self.earlier) else {
                result[id] = .failure(missing == .refusal && !finals.isEmpty ? .unparseable : missing)
                continue
            }
            guard allowed.contains(final.value) else {
                result[id] = .failure(.offScale(value: final.value, allowed: allowed.reported))
                continue
            }
            // Rationale: the criterion's own JSON rationale, else the text since the previous
            // verdict, else the reasoning before the first verdict.
            let previousEnd = ends.last { $0 <= final.start } ?? 0
            let own = Self.clean(normalized.utf16Slice(previousEnd, final.start))
            result[id] = .success(ParsedScore(score: final.value, rationale: final.rationale ?? own ?? overall))
        }
        return result
    }
}
