// LogProbScoring: what a judge or a GRPO trainer asks of a language model besides generating:
// the log-probability of each completion token given its prompt (batched over right-padded
// (prompt, completion) pairs; differentiable as a Tensor), and the probabilities of a few
// candidate tokens at the next position (G-Eval style judge scores: full-softmax mass,
// renormalised distribution, expected score). Also the per-row helper generation uses to record,
// from logits it already has, a chosen token's log-probability and the top-k alternatives
// (`TokenLogprobRecord`). Not sampling and not generation.
import ArbiterTensor
import Foundation

/// Probabilities of candidate tokens (e.g. "1".."5") at the position after a prompt.
public struct CandidateProbabilities: Sendable, Equatable {
    /// p(candidate) under the full softmax over the vocabulary, in candidate order.
    public let probabilities: [Double]
    /// The same renormalised to sum to 1 over the candidates.
    public let renormalised: [Double]
    /// Σ renormalised[k] · values[k] (the expected score).
    public let expected: Double
    /// Σ probabilities: how much of the model's mass falls on the candidates at all.
    public var mass: Double { probabilities.reduce(0, +) }
}

/// A token id with its natural-log probability under the model's full softmax (temperature 1).
public struct TokenIDLogprob: Sendable, Equatable {
    public var id: Int
    public var logprob: Double

    public init(id: Int, logprob: Double) {
        self.id = id
        self.logprob = logprob
    }
}

/// One generated token: its log-probability under the full softmax (temperature 1, the model's
/// own distribution, whatever sampler picked it) and the most likely tokens at its position.
public struct TokenLogprobRecord: Sendable, Equatable {
    /// The generated token id.
    public var id: Int
    /// log softmax(logits)[id], accumulated in Double.
    public var logprob: Double
    /// The k most likely tokens at this position, most likely first (ties: lower id first); it
    /// holds the generated token whenever that token is among them.
    public var top: [TokenIDLogprob]

    public init(id: Int, logprob: Double, top: [TokenIDLogprob]) {
        self.id = id
        self.logprob = logprob
        self.top = top
    }

    /// Log-probability of `chosen` and the `k` most likely tokens under softmax(`logits`) (V),
    /// from one pass over the row (no sort of the vocabulary). Ids count from the row's start
    /// (a slice of a (B, V) buffer works). NaN logits count as −∞.
    public init<C: Collection>(logits: C, chosen: Int, top k: Int) where C.Element == Float, C.Index == Int {
        precondition(k >= 0, "TokenLogprobRecord: top \(k) is negative")
        precondition(
            chosen >= 0 && chosen < logits.count,
            "TokenLogprobRecord: token \(chosen) outside the \(logits.count) logits")
        let start = logits.startIndex
        let normaliser = logSoftmaxNormaliser(logits)
        // The best k (offset, logit) so far, kept sorted: larger logit first, lower id on ties.
        var best: [(offset: Int, value: Float)] = []
        best.reserveCapacity(k + 1)
        if k > 0 {
            for i in logits.indices {
                let x = logits[i]
                guard !x.isNaN, best.count < k || x > best[best.count - 1].value else { continue }
                var at = best.count
                while at > 0, best[at - 1].value < x { at -= 1 }
                best.insert((i - start, x), at: at)
                if best.count > k { best.removeLast() }
            }
        }
        let lse = normaliser.max + normaliser.logSum
        let chosenLogit = logits[start + chosen]
        id = chosen
        logprob = chosenLogit.isNaN || !lse.isFinite ? -.infinity : Double(chosenLogit) - lse
        top = best.map { TokenIDLogprob(id: $0.offset, logprob: Double($0.value) - lse) }
    }
}

extension LlamaModel {
    /// log p(completion[i] | prompt, completion[..<i]) for every completion token of every pair,
    /// concatenated in pair order: (Σ completion lengths). Logits are divided by `temperature`
    /// first (as GRPO trainers do). Gradients flow to `parameters` unless under `Tensor.noGrad`.
    /// Every prompt needs at least one token and every pair must fit the context (prompt +
    /// completion ≤ context length), else `GenerationError`.
    public func completionLogProbs(pairs: [(prompt: [Int], completion: [Int])], temperature: Float = 1)
        throws(GenerationError) -> Tensor
    {
        let targets = pairs.flatMap(\.completion)
        if targets.isEmpty { return Tensor.zeros([0]) }
        try checkFits(pairs)
        return completionLogits(pairs: pairs, temperature: temperature).tokenLogProbs(targets: targets)  // (N)
    }

    /// The logits (N, V) that predict each completion token of each pair, in pair order (pairs
    /// already checked with `checkFits`).
    func completionLogits(pairs: [(prompt: [Int], completion: [Int])], temperature: Float = 1) -> Tensor {
        precondition(
            pairs.allSatisfy { !$0.prompt.isEmpty }, "completionLogProbs: every prompt needs at least one token")
        precondition(
            temperature > 0 && temperature.isFinite, "completionLogProbs: temperature \(temperature) must be positive")
        // Inputs drop each sequence's final token: nothing is predicted from it.
        let inputs = pairs.map { Array(($0.prompt + $0.completion).dropLast()) }
        let t = inputs.map(\.count).max() ?? 1
        let pad = pairs[0].prompt[0]
        let hidden = hiddenStates(
            // (B, T, C)
            tokens: inputs.map { $0 + Array(repeating: pad, count: t - $0.count) }, lengths: inputs.map(\.count))
        var rows: [Int] = []  // flat (b · T + position) of the logits predicting each target
        for (b, pair) in pairs.enumerated() {
            rows += pair.completion.indices.map { b * t + pair.prompt.count - 1 + $0 }
        }
        let c = configuration.hiddenSize
        // (N, V)
        let logits = head(hidden.reshaped([pairs.count * t, c]).embedding(rows))
        return temperature == 1 ? logits : logits.multiplyingScalar(1 / temperature)
    }

    /// Per-token log-probabilities of `completion` after `prompt` (no gradients). Throws
    /// `GenerationError` for an empty prompt or a pair longer than the context.
    public func logProbabilities(prompt: [Int], completion: [Int]) throws(GenerationError) -> [Float] {
        try logProbabilities(pairs: [(prompt, completion)])[0]
    }

    /// Throws unless every pair with a completion has a prompt and fits the context.
    func checkFits(_ pairs: [(prompt: [Int], completion: [Int])]) throws(GenerationError) {
        for pair in pairs where !pair.completion.isEmpty {
            try checkFits(prompt: pair.prompt, completionTokens: pair.completion.count)
        }
    }

    /// Per-token log-probabilities of each pair's completion, computed as one padded batch; the
    /// log-softmax is taken in Double (fp32 accumulation over 49k logits costs ~1e-4). Throws
    /// `GenerationError` for an empty prompt, a pair longer than the context, or non-finite logits.
    public func logProbabilities(pairs: [(prompt: [Int], completion: [Int])]) throws(GenerationError) -> [[Float]] {
        let targets = pairs.flatMap(\.completion)
        if targets.isEmpty { return pairs.map { _ in [] } }
        try checkFits(pairs)
        let logits = Tensor.noGrad { completionLogits(pairs: pairs) }.scalars  // (N, V)
        try checkFiniteLogits(logits)
        let v = configuration.vocabularySize
        let flat = targets.enumerated().map { n, target in
            Float(Self.logSoftmax(logits[(n * v)..<((n + 1) * v)], at: target))
        }
        var out: [[Float]] = []
        var start = 0
        for pair in pairs {
            out.append(Array(flat[start..<(start + pair.completion.count)]))
            start += pair.completion.count
        }
        return out
    }

    /// Echo scoring (OpenAI's legacy `echo` + `logprobs`): for each token of `tokens` after the
    /// first, its log-probability given the tokens before it and the `top` most likely tokens at
    /// its position, from one forward over the whole sequence. `tokens.count - 1` records (none
    /// for a single token). Throws `GenerationError` when the sequence is longer than the context
    /// or the logits are not finite.
    public func promptLogprobs(_ tokens: [Int], top: Int) throws(GenerationError) -> [TokenLogprobRecord] {
        precondition(top >= 0, "promptLogprobs: top \(top) is negative")
        guard tokens.count > 1 else { return [] }
        let pair = (prompt: [tokens[0]], completion: Array(tokens.dropFirst()))
        try checkFits([pair])
        let logits = Tensor.noGrad { completionLogits(pairs: [pair]) }.scalars  // (T-1, V)
        try checkFiniteLogits(logits)
        let v = configuration.vocabularySize
        return pair.completion.enumerated().map { n, target in
            TokenLogprobRecord(logits: logits[(n * v)..<((n + 1) * v)], chosen: target, top: top)
        }
    }

    /// log softmax(row)[index] accumulated in Double.
    static func logSoftmax(_ row: ArraySlice<Float>, at index: Int) -> Double {
        let normaliser = logSoftmaxNormaliser(row)
        return Double(row[row.startIndex + index]) - normaliser.max - normaliser.logSum
    }

    /// Probabilities of `candidates` (token ids) as the token right after `prompt`. `values`
    /// are the scores the candidates stand for (default 1, 2, …, n) for the expectation.
    /// The prompt must have at least one token and leave room for the candidate in the context
    /// (`GenerationError`).
    public func candidateProbabilities(prompt: [Int], candidates: [Int], values: [Double]? = nil)
        throws(GenerationError) -> CandidateProbabilities
    {
        try checkFits(prompt: prompt, completionTokens: 1)
        precondition(!candidates.isEmpty, "candidateProbabilities: no candidates")
        let scores = values ?? candidates.indices.map { Double($0 + 1) }
        precondition(
            scores.count == candidates.count,
            "candidateProbabilities: \(scores.count) values for \(candidates.count) candidates")
        let v = configuration.vocabularySize
        precondition(
            candidates.allSatisfy { $0 >= 0 && $0 < v }, "candidateProbabilities: candidate id outside 0..<\(v)")
        let row: Tensor = Tensor.noGrad {
            let hidden = hiddenStates(tokens: [prompt])  // (1, T, C)
            return logits(hidden: hidden, positions: [prompt.count - 1])  // (1, V)
        }
        let values: [Float] = row.scalars
        try checkFiniteLogits(values)
        let normaliser = logSoftmaxNormaliser(values)
        let lse = normaliser.max + normaliser.logSum
        let p = candidates.map { Foundation.exp(Double(values[$0]) - lse) }
        let total = p.reduce(0, +)
        let renormalised = p.map { total > 0 ? $0 / total : 1 / Double(p.count) }
        var expected = 0.0
        for (r, value) in zip(renormalised, scores) { expected += r * value }
        return CandidateProbabilities(probabilities: p, renormalised: renormalised, expected: expected)
    }
}

/// The Double log-softmax normaliser of a row of logits, the one place all three scorers above
/// take it: the row's largest value `max` and `logSum` = log Σ exp(x − max), both over the values
/// that are not NaN (NaN logits count as −∞), so log softmax(row)[i] = x[i] − max − logSum.
func logSoftmaxNormaliser<C: Collection>(_ row: C) -> (max: Double, logSum: Double) where C.Element == Float {
    var m = -Double.infinity
    for x in row where !x.isNaN { m = Swift.max(m, Double(x)) }
    var sum = 0.0
    for x in row where !x.isNaN { sum += Foundation.exp(Double(x) - m) }
    return (m, Foundation.log(sum))
}
