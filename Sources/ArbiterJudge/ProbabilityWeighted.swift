// ProbabilityWeighted: G-Eval scoring, the expected score under the model's distribution over
// score tokens at the verdict position, renormalised over the allowed scores. It reads
// top-logprobs a backend returned; it does not call a model. The verdict-prefix form is a plain
// chat request any OpenAI-compatible backend answers: the judge messages plus an assistant turn
// holding the prefix (e.g. "[RESULT] ") to continue, one token, top-20 logprobs; the score is
// read from the alternatives of that first token (`verdictRequest`, `readVerdict`).
import ArbiterChat
import ArbiterCore
import ArbiterRubric
import Foundation

/// A probability-weighted verdict read from the first token after a verdict prefix.
package struct PrefixVerdict: Sendable, Equatable {
    /// Σ p(v)·v over the allowed values v found among the alternatives, renormalised.
    package var score: Double
    /// Renormalised probability per allowed value present, keyed by the value itself.
    package var distribution: [Double: Double]
    /// Σ p(v) before renormalising: how much of the next-token mass the scale values hold.
    package var mass: Double
}

/// Why no probability-weighted verdict could be read: the judgment's failure and a sentence
/// for its rationale.
package struct PrefixVerdictFailure: Error, Sendable, Equatable {
    package var failure: JudgmentFailure
    package var explanation: String
}

public enum ProbabilityWeighted {
    /// Expected score from alternatives at one token position. Tokens are trimmed (" 4" and "4"
    /// pool their probability); tokens that are not an allowed score are ignored. Returns a nil
    /// score (and an empty distribution) when no probability mass falls on allowed scores.
    /// Distribution keys are the allowed scores themselves (4, 3.5), never decoded strings.
    /// With a `scale`, a token that names one of its levels (`ScoreScale.level(forToken:)`, e.g.
    /// "pass" on a binary scale) counts as that level's score.
    public static func expectedScore(alternatives: [TokenLogprob], allowed: [Double], scale: ScoreScale? = nil)
        -> (score: Double?, distribution: [Double: Double])
    {
        var mass: [Double: Double] = [:]
        var seen = Set<String>()
        for alt in alternatives {
            let token = alt.token.trimmingCharacters(in: .whitespacesAndNewlines)
            // A backend may repeat a token; count each exact token string once.
            guard alt.logprob.isFinite || alt.logprob == -.infinity, seen.insert(alt.token).inserted,
                let value = Double(token) ?? scale?.level(forToken: token)?.score,
                let score = allowed.first(where: { abs($0 - value) <= 1e-9 })
            else { continue }
            mass[score, default: 0] += Foundation.exp(alt.logprob)
        }
        // Sums in score order: a Dictionary's order changes from process to process (seeded
        // hashing), and the last bit of the score with it.
        let ordered = mass.sorted(by: { $0.key < $1.key })
        let total = ordered.reduce(0) { $0 + $1.value }
        guard total > 0, total.isFinite else { return (nil, [:]) }
        var distribution: [Double: Double] = [:]
        var expected = 0.0
        for (score, p) in ordered {
            distribution[score] = p / total
            expected += score * p / total
        }
        return (expected, distribution)
    }

    /// Finds the verdict's token position in a response (the last generated token whose text is
    /// an allowed score) and scores its alternatives. Nil when no such token or no logprobs.
    public static func expectedScore(tokens: [TokenLogprobs], allowed: [Double]) -> (
        score: Double?, distribution: [Double: Double]
    )? {
        guard
            let position = tokens.lastIndex(where: { entry in
                let t = entry.token.trimmingCharacters(in: .whitespacesAndNewlines)
                return Double(t).map { v in allowed.contains { abs($0 - v) <= 1e-9 } } ?? false
            })
        else { return nil }
        let entry = tokens[position]
        var alternatives = entry.top
        if !alternatives.contains(where: { $0.token == entry.token }) {
            alternatives.append(TokenLogprob(token: entry.token, logprob: entry.logprob))
        }
        return expectedScore(alternatives: alternatives, allowed: allowed)
    }

    /// The request that reads a verdict distribution: `messages` plus an assistant turn holding
    /// `prefix` (continued, not closed), one new token, greedy, `topLogprobs` alternatives.
    public static func verdictRequest(
        messages: [ChatMessage], prefix: String, topLogprobs: Int = 20, seed: UInt64? = nil
    )
        -> ChatRequest
    {
        ChatRequest(
            messages: messages + [.assistant(prefix)], maxTokens: 1, temperature: 0, seed: seed, logprobs: true,
            topLogprobs: topLogprobs)
    }

    /// Scores the answer to a `verdictRequest`: the expectation over the allowed values among the
    /// first generated token's alternatives (and the token itself), renormalised over those
    /// present. No allowed value among them is a failure (off scale when the chosen token is a
    /// number, else unparseable), never a score; so is a response without logprobs. `scale` as
    /// in `expectedScore(alternatives:allowed:scale:)`.
    package static func readVerdict(
        _ response: ChatResponse, prefix: String, allowed: [Double], scale: ScoreScale? = nil
    ) -> Result<PrefixVerdict, PrefixVerdictFailure> {
        let quoted = "\"\(prefix)\""
        guard let tokens = response.tokens else {
            return .failure(
                PrefixVerdictFailure(
                    failure: .transport(message: "the backend returned no logprobs"),
                    explanation:
                        "probability-weighted judging needs per-token logprobs with top alternatives; use a backend that returns them (logprobs, top_logprobs)"
                ))
        }
        guard let first = tokens.first else {
            return .failure(
                PrefixVerdictFailure(
                    failure: .emptyOutput, explanation: "the backend generated no token after \(quoted)"))
        }
        var alternatives = first.top
        if !alternatives.contains(where: { $0.token == first.token }) {
            alternatives.append(TokenLogprob(token: first.token, logprob: first.logprob))
        }
        let weighted = expectedScore(alternatives: alternatives, allowed: allowed, scale: scale)
        guard let score = weighted.score else {
            let shown = alternatives.sorted { $0.logprob > $1.logprob }.prefix(5)
                .map { "\"\($0.token)\" (p \(String(format: "%.3g", Foundation.exp($0.logprob))))" }.joined(
                    separator: ", ")
            let explanation =
                "no allowed score among the \(alternatives.count) most likely tokens after \(quoted); most likely: \(shown)"
            let chosen = first.token.trimmingCharacters(in: .whitespacesAndNewlines)
            if let value = Double(chosen), value.isFinite {
                return .failure(
                    PrefixVerdictFailure(
                        failure: .offScale(value: value, allowed: allowed.sorted()), explanation: explanation))
            }
            return .failure(PrefixVerdictFailure(failure: .unparseable, explanation: explanation))
        }
        var mass = 0.0
        var seen = Set<String>()
        for alt in alternatives where seen.insert(alt.token).inserted {
            let t = alt.token.trimmingCharacters(in: .whitespacesAndNewlines)
            if let v = Double(t) ?? scale?.level(forToken: t)?.score, allowed.contains(where: { abs($0 - v) <= 1e-9 }) {
                mass += Foundation.exp(alt.logprob)
            }
        }
        return .success(PrefixVerdict(score: score, distribution: weighted.distribution, mass: mass))
    }
}
