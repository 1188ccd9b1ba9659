// TrivialBaselines: judges that look at nothing but the surface — always a / always b, longer or
// shorter answer wins, seeded random votes; for graded data a constant (the human mode), seeded
// random scores, and response length. A report shows them so a judge's numbers have a floor.
import ArbiterCore

/// How a response's length is counted.
public enum LengthUnit: String, Sendable, CaseIterable, Codable {
    /// Unicode scalars (Python `len(str)`).
    case characters
    /// Runs of non-whitespace (Python `str.split()`).
    case words

    public func length(of text: String) -> Int {
        switch self {
        case .characters: return text.unicodeScalars.count
        case .words:
            var count = 0
            var inWord = false
            for s in text.unicodeScalars {
                // Python's str.isspace: Unicode White_Space plus the separators U+001C...U+001F.
                let space = s.properties.isWhitespace || (0x1C...0x1F).contains(s.value)
                if space {
                    inWord = false
                } else if !inWord {
                    inWord = true
                    count += 1
                }
            }
            return count
        }
    }
}

/// A trivial pairwise "judge".
public enum PairwiseBaseline: Sendable, Hashable {
    case always(PairwiseVerdict)
    /// The longer response wins; equal lengths vote tie.
    case longerWins(LengthUnit)
    /// The shorter response wins; equal lengths vote tie.
    case shorterWins(LengthUnit)
    /// Uniform over a, b, tie from a seeded generator (in the order of `ids`).
    case random(seed: UInt64)

    /// Stable name for reports, e.g. `longer_chars_wins`.
    public var name: String {
        switch self {
        case .always(let v): return "always_\(v.rawValue)"
        case .longerWins(let u): return "longer_\(u == .characters ? "chars" : "words")_wins"
        case .shorterWins(let u): return "shorter_\(u == .characters ? "chars" : "words")_wins"
        case .random(let seed): return "random_seed_\(seed)"
        }
    }

    /// The baseline's vote on each id. Length baselines need `response_a`/`response_b` in the samples.
    public func votes(for ids: [String], samples: SampleFile?) throws -> [String: PairwiseVerdict] {
        var out: [String: PairwiseVerdict] = [:]
        var rng = SplitMix64(seed: { if case .random(let s) = self { return s } else { return 0 } }())
        for id in ids {
            switch self {
            case .always(let v): out[id] = v
            case .random: out[id] = PairwiseVerdict.allCases[Int(rng.next(below: 3))]
            case .longerWins(let unit), .shorterWins(let unit):
                guard let samples else { throw AuditError.invalidOption("the \(name) baseline needs a samples file") }
                guard let s = samples.byID[id], let a = s.responseA, let b = s.responseB else {
                    throw AuditError.invalidOption(
                        "\(samples.name) has no pairwise sample (response_a, response_b) with id \(id)")
                }
                let la = unit.length(of: a)
                let lb = unit.length(of: b)
                let longer: PairwiseVerdict = la == lb ? .tie : (la > lb ? .a : .b)
                if case .shorterWins = self {
                    out[id] = longer == .tie ? .tie : (longer == .a ? .b : .a)
                } else {
                    out[id] = longer
                }
            }
        }
        return out
    }
}

/// A trivial graded "judge".
public enum GradedBaseline: Sendable, Hashable {
    /// The same score everywhere (e.g. the most frequent human score): every correlation is undefined.
    case constant(Double)
    /// Uniform over the declared scale from a seeded generator (in the order of `ids`).
    case random(scale: [Double], seed: UInt64)
    /// The response's length as the score (longer = better).
    case longestResponse(LengthUnit)
    /// Minus the response's length (shorter = better).
    case shortestResponse(LengthUnit)

    public var name: String {
        switch self {
        case .constant: return "constant"
        case .random: return "random"
        case .longestResponse(let u): return "longest_response_\(u == .characters ? "chars" : "words")"
        case .shortestResponse(let u): return "shortest_response_\(u == .characters ? "chars" : "words")"
        }
    }

    public func scores(for ids: [String], samples: SampleFile?) throws -> [Double] {
        switch self {
        case .constant(let c): return ids.map { _ in c }
        case .random(let scale, let seed):
            guard !scale.isEmpty else { throw AuditError.invalidOption("the random baseline needs a non-empty scale") }
            var rng = SplitMix64(seed: seed)
            return ids.map { _ in scale[Int(rng.next(below: UInt64(scale.count)))] }
        case .longestResponse(let unit), .shortestResponse(let unit):
            guard let samples else { throw AuditError.invalidOption("the \(name) baseline needs a samples file") }
            let sign: Double = { if case .longestResponse = self { return 1 } else { return -1 } }()
            return try ids.map { id in
                guard let s = samples.byID[id], let r = s.response else {
                    throw AuditError.invalidOption("\(samples.name) has no sample with a response for id \(id)")
                }
                return sign * Double(unit.length(of: r))
            }
        }
    }
}

extension Agreement {
    /// The most frequent value; ties go to the smallest. nil for an empty list.
    public static func mode(_ values: [Double]) -> Double? {
        var counts: [Double: Int] = [:]
        for v in values { counts[v, default: 0] += 1 }
        return counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
    }
}
