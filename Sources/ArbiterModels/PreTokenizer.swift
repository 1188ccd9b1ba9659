// PreTokenizer: splits text into the "words" that byte-level BPE merges inside (BPE never merges
// across a word boundary). The split rules of GPT-2, SmolLM2 (`smollm`), Llama 3 and Qwen 2 are
// written as hand scanners over Unicode scalars (PreTokenizer+Scanners.swift) rather than with
// Swift Regex: faster, and the character classes are pinned down here instead of left to a regex engine.
//
// Character classes (Unicode general categories, via `Unicode.Scalar.Properties`):
//   \p{L}  letters: Lu, Ll, Lt, Lm, Lo
//   \p{N}  numbers: Nd, Nl, No            (the same set as Rust `char::is_numeric`, used by HF `Digits`)
//   \s     White_Space property (`isWhitespace`): \t \n \v \f \r, space, U+0085, U+00A0, U+1680,
//          U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 (Oniguruma's Unicode \s)
//   other  everything else (punctuation, symbols, marks, controls, unassigned)
// Marks (Mn/Mc/Me) are "other": a combining accent after a letter ends the letter run, as in the regexes.
// This file is not the BPE merge step and does not map bytes (ByteLevel+Mapping.swift does).

/// One stage of pre-tokenization; stages apply in order, each to every piece the previous one produced.
public enum PreTokenizerStep: Sendable, Equatable {
    /// Hugging Face `Digits`: every \p{N} scalar becomes its own piece (`individually`), or every run of them.
    case isolateDigits(individually: Bool)
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` (case-sensitive contractions).
    case gpt2
    /// Llama 3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
    case llama3
    /// Qwen 2: the Llama 3 pattern with `\p{N}` (one digit a piece) instead of `\p{N}{1,3}`.
    case qwen2
}

/// A complete pre-tokenizer: its stages, and whether a space is prepended to text that does not start with one.
public struct PreTokenizerRule: Sendable, Equatable {
    public var steps: [PreTokenizerStep]
    /// Hugging Face ByteLevel `add_prefix_space` (GPT-2 style models that treat "Hello" like " Hello").
    public var addPrefixSpace: Bool

    public init(steps: [PreTokenizerStep], addPrefixSpace: Bool = false) {
        self.steps = steps
        self.addPrefixSpace = addPrefixSpace
    }

    /// GPT-2 (`tokenizer.ggml.pre` = `gpt2`/`default`).
    public static let gpt2 = PreTokenizerRule(steps: [.gpt2])
    /// SmolLM / StarCoder: every digit alone, then GPT-2 (`tokenizer.ggml.pre` = `smollm`).
    public static let smollm = PreTokenizerRule(steps: [.isolateDigits(individually: true), .gpt2])
    /// Llama 3 (`tokenizer.ggml.pre` = `llama-bpe`).
    public static let llama3 = PreTokenizerRule(steps: [.llama3])
    /// Qwen 2 / 2.5 (`tokenizer.ggml.pre` = `qwen2`).
    public static let qwen2 = PreTokenizerRule(steps: [.qwen2])

    /// The pieces of `text` (for inspection and tests; encoding works on scalar ranges).
    public func split(_ text: String) -> [String] {
        var scalars = Array(text.unicodeScalars)
        if addPrefixSpace, let first = scalars.first, first != " " { scalars.insert(" ", at: 0) }
        return split(scalars, in: 0..<scalars.count).map { range in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            return String(view)
        }
    }

    /// Pieces of `scalars[range]` as index ranges, in order, covering the range exactly.
    func split(_ scalars: [Unicode.Scalar], in range: Range<Int>) -> [Range<Int>] {
        guard !range.isEmpty else { return [] }
        let scanner = PreTokenizerScanner(scalars: scalars, range: range)
        var pieces = [range]
        for step in steps {
            var next: [Range<Int>] = []
            next.reserveCapacity(pieces.count * 2)
            for piece in pieces { scanner.split(piece, by: step, into: &next) }
            pieces = next
        }
        return pieces
    }
}
