// ProbabilityWeighted: G-Eval scoring, the expected score under the model's distribution over
// score tokens at the verdict position, renormalised over the allowed scores. It reads
// top-logprobs a backend returned; it does not call a model.
import Foundation

public enum ProbabilityWeighted {
    /// Expected score from alternatives at one token position. Tokens are trimmed (" 4" and "4"
    /// pool their probability); tokens that are not an allowed score are ignored. Returns a nil
    /// score (and an empty distribution) when no probability mass falls on allowed scores.
    /// Distribution keys are the scores formatted as in `JudgmentFailure.format` ("4", "3.5").
    public static func expectedScore(alternatives: [TokenLogprob], allowed: [Double]) -> (score: Double?, distribution: [String: Double]) {
        var mass: [Double: Double] = [:]
        var seen = Set<String>()
        for alt in alternatives {
            let token = alt.token.trimmingCharacters(in: .whitespacesAndNewlines)
            // A backend may repeat a token; count each exact token string once.
            guard alt.logprob.isFinite || alt.logprob == -.infinity, seen.insert(alt.token).inserted,
                let value = Double(token), let score = allowed.first(where: { abs($0 - value) <= 1e-9 })
            else { continue }
            mass[score, default: 0] += Foundation.exp(alt.logprob)
        }
        let total = mass.values.reduce(0, +)
        guard total > 0, total.isFinite else { return (nil, [:]) }
        var distribution: [String: Double] = [:]
        var expected = 0.0
        for (score, p) in mass {
            distribution[JudgmentFailure.format(score)] = p / total
            expected += score * p / total
        }
        return (expected, distribution)
    }

    /// Finds the verdict's token position in a response (the last generated token whose text is
    /// an allowed score) and scores its alternatives. Nil when no such token or no logprobs.
    public static func expectedScore(tokens: [TokenLogprobs], allowed: [Double]) -> (score: Double?, distribution: [String: Double])? {
        guard let position = tokens.lastIndex(where: { entry in
            let t = entry.token.trimmingCharacters(in: .whitespacesAndNewlines)
            return Double(t).map { v in allowed.contains { abs($0 - v) <= 1e-9 } } ?? false
        }) else { return nil }
        let entry = tokens[position]
        var alternatives = entry.top
        if !alternatives.contains(where: { $0.token == entry.token }) {
            alternatives.append(TokenLogprob(token: entry.token, logprob: entry.logprob))
        }
        return expectedScore(alternatives: alternatives, allowed: allowed)
    }
}
