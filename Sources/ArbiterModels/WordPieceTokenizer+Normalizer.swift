// WordPieceTokenizer+Normalizer: BERT's text normaliser and pre-tokeniser, as Hugging Face
// `BertNormalizer` and `BertPreTokenizer` define them:
//   clean text      drop U+0000, U+FFFD and "other" scalars (Cc, Cf, Cs, Co, Cn) except \t \n \r;
//                   every White_Space scalar (and \t \n \r) becomes U+0020
//   Chinese chars   put spaces around CJK ideographs (the Unified Ideographs blocks and extensions,
//                   compatibility ideographs; not kana or hangul)
//   strip accents   NFD, then drop nonspacing marks (Mn)
//   lowercase       full Unicode lowercase mapping, scalar by scalar
//   pre-tokenize    split on whitespace (dropped) and make every punctuation scalar its own word;
//                   punctuation = ASCII punctuation (incl. $ + < = > ^ ` | ~) or general category P*
// The WordPiece lookup itself is in WordPieceTokenizer.swift.
import Foundation

/// Options of `BertNormalizer` (tokenizer.json `normalizer`).
public struct BertNormalization: Sendable, Equatable {
    public var cleanText: Bool
    public var handleChineseCharacters: Bool
    public var stripAccents: Bool
    public var lowercase: Bool

    public init(
        cleanText: Bool = true, handleChineseCharacters: Bool = true, stripAccents: Bool = true, lowercase: Bool = true
    ) {
        self.cleanText = cleanText
        self.handleChineseCharacters = handleChineseCharacters
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }

    /// Uncased BERT (all-MiniLM-L6-v2, bert-base-uncased).
    public static let uncased = BertNormalization()
    /// No normalisation at all (tokenizer.json `"normalizer": null`).
    public static let none = BertNormalization(
        cleanText: false, handleChineseCharacters: false, stripAccents: false, lowercase: false)

    /// The normalised scalars of `scalars`.
    func normalize(_ scalars: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        for scalar in scalars {
            if cleanText {
                if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
                if Self.isWhitespace(scalar) {
                    out.append(" ")
                    continue
                }
            }
            if handleChineseCharacters, Self.isChineseCharacter(scalar) {
                out.append(" ")
                out.append(scalar)
                out.append(" ")
            } else {
                out.append(scalar)
            }
        }
        if stripAccents {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: out)
            out = String(view).decomposedStringWithCanonicalMapping.unicodeScalars
                .filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(out.count)
            for scalar in out {
                if scalar.value < 0x80 {
                    lowered.append(
                        (0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value + 0x20)) : scalar)
                } else {
                    lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            out = lowered
        }
        return out
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
            0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if (0x21...0x2F).contains(v) || (0x3A...0x40).contains(v) || (0x5B...0x60).contains(v)
            || (0x7B...0x7E).contains(v)
        {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// BertPreTokenizer: words of normalised scalars, split on whitespace and around punctuation.
    static func preTokenize(_ scalars: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var start: Int? = nil
        for (i, scalar) in scalars.enumerated() {
            if scalar.properties.isWhitespace || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                if let s = start { words.append(scalars[s..<i]) }
                start = nil
            } else if isPunctuation(scalar) {
                if let s = start { words.append(scalars[s..<i]) }
                words.append(scalars[i..<(i + 1)])
                start = nil
            } else if start == nil {
                start = i
            }
        }
        if let s = start { words.append(scalars[s..<scalars.count]) }
        return words
    }
}
