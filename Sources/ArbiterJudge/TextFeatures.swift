// TextFeatures: a handful of cheap, deterministic statistics of a response in its context
// (lengths, lexical overlap with the prompt and the reference, repetition, structure) that a
// trained judge's head reads beside the encoder's embedding. They carry what a small encoder
// truncated to a few hundred tokens cannot see: how long the whole answer is, how much of it is
// copied from or supported by the source, whether it repeats itself. Not learned; standardised
// with the training set's mean and spread (`FeatureScaling`), which the checkpoint keeps.
import Foundation

enum TextFeatures {
    /// The feature names, in vector order (recorded in a judge's configuration).
    static let names: [String] = [
        "log_response_chars", "log_response_words", "log_prompt_words", "log_length_ratio",
        "response_unigrams_in_prompt", "response_bigrams_in_prompt", "response_trigrams_in_prompt",
        "prompt_unigrams_in_response", "reference_unigram_f1", "has_reference", "distinct_unigrams",
        "distinct_bigrams", "log_lines", "log_list_items", "empty_response",
    ]

    /// The feature vector (count `names.count`) of `text`.
    static func vector(_ text: JudgeText) -> [Float] {
        let response = words(text.response)
        let prompt = words(text.prompt)
        let responseChars = Double(text.response.unicodeScalars.count)
        let lines = text.response.split(whereSeparator: \.isNewline)
        let listItems = lines.filter { line in
            let t = line.drop { $0 == " " || $0 == "\t" }
            return t.hasPrefix("- ") || t.hasPrefix("* ") || t.first.map { $0.isNumber } == true
        }
        var referenceF1 = 0.0
        if let reference = text.reference {
            let ref = Set(words(reference))
            let res = Set(response)
            let common = Double(ref.intersection(res).count)
            if common > 0 {
                let p = common / Double(res.count)
                let r = common / Double(ref.count)
                referenceF1 = 2 * p * r / (p + r)
            }
        }
        let values: [Double] = [
            log1p(responseChars), log1p(Double(response.count)), log1p(Double(prompt.count)),
            log1p(Double(response.count)) - log1p(Double(prompt.count)),
            precision(ngrams(response, 1), in: ngrams(prompt, 1)),
            precision(ngrams(response, 2), in: ngrams(prompt, 2)),
            precision(ngrams(response, 3), in: ngrams(prompt, 3)),
            precision(ngrams(prompt, 1), in: ngrams(response, 1)),
            referenceF1, text.reference == nil ? 0 : 1,
            distinct(ngrams(response, 1)), distinct(ngrams(response, 2)),
            log1p(Double(lines.count)), log1p(Double(listItems.count)),
            response.isEmpty ? 1 : 0,
        ]
        return values.map(Float.init)
    }

    /// Lower-cased alphanumeric words.
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    static func ngrams(_ words: [String], _ n: Int) -> [String] {
        guard words.count >= n else { return [] }
        return (0...(words.count - n)).map { words[$0..<($0 + n)].joined(separator: " ") }
    }

    /// The share of `items` found in `pool` (0 for no items).
    static func precision(_ items: [String], in pool: [String]) -> Double {
        guard !items.isEmpty else { return 0 }
        let set = Set(pool)
        return Double(items.filter(set.contains).count) / Double(items.count)
    }

    /// Distinct items / items (1 for no items: nothing repeats).
    static func distinct(_ items: [String]) -> Double {
        items.isEmpty ? 1 : Double(Set(items).count) / Double(items.count)
    }
}

/// Per-feature centre and spread from training texts, so every feature enters the head on a
/// comparable scale: (x − mean) / std, std floored at 1e-6 (a constant feature becomes 0).
struct FeatureScaling: Codable, Equatable, Sendable {
    var mean: [Float]
    var std: [Float]

    init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// Fitted on `rows` (each the same width); Double sums, population std.
    init(fitting rows: [[Float]]) {
        let width = rows.first?.count ?? 0
        var mean = [Double](repeating: 0, count: width)
        var square = [Double](repeating: 0, count: width)
        for row in rows {
            for (j, x) in row.enumerated() {
                mean[j] += Double(x)
                square[j] += Double(x) * Double(x)
            }
        }
        let n = Double(max(rows.count, 1))
        self.mean = mean.map { Float($0 / n) }
        self.std = zip(mean, square).map { m, s in
            Float(max(max(s / n - (m / n) * (m / n), 0).squareRoot(), 1e-6))
        }
    }

    func apply(_ row: [Float]) -> [Float] {
        precondition(row.count == mean.count, "FeatureScaling: \(row.count) features, fitted on \(mean.count)")
        return row.indices.map { (row[$0] - mean[$0]) / std[$0] }
    }
}
