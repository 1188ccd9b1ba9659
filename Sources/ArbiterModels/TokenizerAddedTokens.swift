// TokenizerAddedTokens: finds literal special/added tokens (`<|im_start|>`, `[CLS]`, …) in raw text
// before any normalisation or pre-tokenisation, so that each occurrence becomes its single id.
// Matching is leftmost-longest over Unicode scalars (Hugging Face's added-vocabulary matcher does the
// same). `lstrip`/`rstrip`/`single_word` options of tokenizer.json are not applied.

struct AddedTokenMatcher: Sendable {
    enum Segment: Equatable {
        case text(Range<Int>)
        case token(Int)
    }

    /// First scalar → candidates (content scalars, id), longest first.
    private let candidates: [Unicode.Scalar: [([Unicode.Scalar], Int)]]

    var isEmpty: Bool { candidates.isEmpty }

    init(tokens: [(content: String, id: Int)]) {
        var table: [Unicode.Scalar: [([Unicode.Scalar], Int)]] = [:]
        for (content, id) in tokens {
            let scalars = Array(content.unicodeScalars)
            guard let first = scalars.first else { continue }
            table[first, default: []].append((scalars, id))
        }
        for key in table.keys { table[key]?.sort { $0.0.count > $1.0.count } }
        candidates = table
    }

    /// `scalars` cut into plain-text ranges and added-token ids, in order.
    func segments(of scalars: [Unicode.Scalar]) -> [Segment] {
        guard !candidates.isEmpty else { return scalars.isEmpty ? [] : [.text(0..<scalars.count)] }
        var out: [Segment] = []
        var textStart = 0
        var i = 0
        while i < scalars.count {
            if let list = candidates[scalars[i]], let (length, id) = longestMatch(list, in: scalars, at: i) {
                if textStart < i { out.append(.text(textStart..<i)) }
                out.append(.token(id))
                i += length
                textStart = i
            } else {
                i += 1
            }
        }
        if textStart < scalars.count { out.append(.text(textStart..<scalars.count)) }
        return out
    }

    private func longestMatch(_ list: [([Unicode.Scalar], Int)], in scalars: [Unicode.Scalar], at i: Int) -> (Int, Int)?
    {
        for (content, id) in list where i + content.count <= scalars.count {
            var equal = true
            for k in 1..<max(content.count, 1) where scalars[i + k] != content[k] {
                equal = false
                break
            }
            if equal { return (content.count, id) }
        }
        return nil
    }
}
