// Sampling: choosing the next token from a logits vector: greedy (temperature 0) or random with
// temperature, top-k, top-p (nucleus) and min-p filters applied in that order (the Hugging Face
// warper order), drawing from a seeded generator so a run is reproducible. Without any filter
// the draw walks the vocabulary in index order (one pass, no sort: GRPO samples thousands of rows);
// with filters it walks the surviving candidates most likely first. Not the decoding loop
// (Generation.swift) and not a repetition penalty.
import ArbiterCore
import ArbiterTensor
import Foundation

/// A sampling or generation setting that cannot work.
public enum SamplingError: Error, LocalizedError, Sendable, Equatable {
    case invalidOption(name: String, value: String, allowed: String)

    public var errorDescription: String? {
        switch self {
        case .invalidOption(let name, let value, let allowed):
            return "generation option \(name) = \(value) is invalid; use \(allowed)."
        }
    }
}

/// How the next token is chosen. Validated on construction.
public struct SamplingOptions: Sendable, Equatable {
    /// 0 = greedy (argmax, lowest id on ties); otherwise logits are divided by it.
    public let temperature: Float
    /// Keep only the k most likely tokens (nil: no limit).
    public let topK: Int?
    /// Keep the smallest set of most likely tokens whose probability reaches p (nil: off).
    public let topP: Float?
    /// Drop tokens less likely than minP × the top probability (nil: off).
    public let minP: Float?
    /// Seed of the `SeededRNG` the draws come from.
    public let seed: UInt64

    /// Greedy decoding.
    public static let greedy = SamplingOptions(uncheckedTemperature: 0)

    public init(temperature: Float, topK: Int? = nil, topP: Float? = nil, minP: Float? = nil, seed: UInt64 = 0)
        throws(SamplingError)
    {
        guard temperature.isFinite, temperature >= 0 else {
            throw .invalidOption(
                name: "temperature", value: "\(temperature)", allowed: "a finite number ≥ 0 (0 = greedy)")
        }
        if let topK, topK < 1 {
            throw .invalidOption(name: "topK", value: "\(topK)", allowed: "an integer ≥ 1, or nil for no limit")
        }
        if let topP, !(topP > 0 && topP <= 1) {
            throw .invalidOption(name: "topP", value: "\(topP)", allowed: "a number in (0, 1], or nil")
        }
        if let minP, !(minP >= 0 && minP <= 1) {
            throw .invalidOption(name: "minP", value: "\(minP)", allowed: "a number in [0, 1], or nil")
        }
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.seed = seed
    }

    private init(uncheckedTemperature: Float) {
        temperature = uncheckedTemperature
        topK = nil
        topP = nil
        minP = nil
        seed = 0
    }

    /// True when no randomness is involved.
    public var isGreedy: Bool { temperature == 0 || topK == 1 }
}

/// Draws tokens from logits under `SamplingOptions`, holding the random state between draws.
package struct Sampler: Sendable {
    package let options: SamplingOptions
    /// The generator; its state advances with each random draw.
    package internal(set) var rng: SeededRNG

    package init(_ options: SamplingOptions) {
        self.options = options
        rng = SeededRNG(seed: options.seed)
    }

    /// Index of the largest value; the lowest index among equal maxima; NaN never wins (all-NaN: 0).
    package static func argmax<S: Sequence>(_ logits: S) -> Int where S.Element == Float {
        var best = 0
        var bestValue = -Float.infinity
        var found = false
        for (i, x) in logits.enumerated() where !x.isNaN && (!found || x > bestValue) {
            best = i
            bestValue = x
            found = true
        }
        return best
    }

    /// The candidates (token, probability) that survive the filters, most likely first, with
    /// probabilities renormalised to sum to 1. Greedy options give the single argmax.
    package func distribution(_ logits: [Float]) -> [(token: Int, probability: Double)] {
        precondition(!logits.isEmpty, "Sampler: empty logits")
        if options.isGreedy { return [(Sampler.argmax(logits), 1)] }
        let t = Double(options.temperature)
        var order = logits.indices.filter { !logits[$0].isNaN }
        if order.isEmpty { return [(0, 1)] }
        order.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        if let k = options.topK, k < order.count { order.removeLast(order.count - k) }
        let top = Double(logits[order[0]]) / t
        var probabilities = order.map { Foundation.exp(Double(logits[$0]) / t - top) }
        var total = probabilities.reduce(0, +)
        if let p = options.topP {
            var cumulative = 0.0
            var keep = probabilities.count
            for (i, q) in probabilities.enumerated() {
                cumulative += q / total
                if cumulative >= Double(p) {
                    keep = i + 1
                    break
                }
            }
            probabilities.removeLast(probabilities.count - keep)
            order.removeLast(order.count - keep)
            total = probabilities.reduce(0, +)
        }
        if let minP = options.minP {
            // probabilities[0] is the largest (scaled to exp(0) = 1 before normalisation).
            let threshold = Double(minP) * probabilities[0]
            let keep = probabilities.firstIndex { $0 < threshold } ?? probabilities.count
            probabilities.removeLast(probabilities.count - keep)
            order.removeLast(order.count - keep)
            total = probabilities.reduce(0, +)
        }
        return zip(order, probabilities).map { ($0, $1 / total) }
    }

    /// The next token for `logits` (V).
    package mutating func next(_ logits: [Float]) -> Int {
        if options.isGreedy { return Sampler.argmax(logits) }
        if options.topK == nil, options.topP == nil, options.minP == nil { return unfiltered(logits) }
        let candidates = distribution(logits)
        let u = rng.nextUnitDouble()
        var cumulative = 0.0
        for candidate in candidates {
            cumulative += candidate.probability
            if u < cumulative { return candidate.token }
        }
        return candidates[candidates.count - 1].token
    }

    /// A draw from softmax(logits / T) over every token (NaN logits never drawn), in index order.
    private mutating func unfiltered(_ logits: [Float]) -> Int {
        let t = Double(options.temperature)
        var top = -Double.infinity
        for x in logits where !x.isNaN { top = Swift.max(top, Double(x)) }
        guard top.isFinite else { return Sampler.argmax(logits) }
        var weights = [Double](repeating: 0, count: logits.count)
        var total = 0.0
        for (i, x) in logits.enumerated() where !x.isNaN {
            let w = Foundation.exp((Double(x) - top) / t)
            weights[i] = w
            total += w
        }
        let target = rng.nextUnitDouble() * total
        var cumulative = 0.0
        var last = 0
        for (i, w) in weights.enumerated() where w > 0 {
            cumulative += w
            last = i
            if target < cumulative { return i }
        }
        return last
    }
}
