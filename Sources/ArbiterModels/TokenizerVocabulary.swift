// TokenizerVocabulary: token string → id, compared by exact UTF-8 bytes. Swift `String` equality
// is canonical equivalence ("é" == "e\u{301}", a Hangul syllable == its jamo), but tokenizers compare
// code points: after BERT's NFD accent stripping a Korean word is jamo and must not find the
// precomposed syllable token. So lookups here never go through `String ==`.

struct TokenizerVocabulary: Sendable {
    private var ids: [[UInt8]: Int] = [:]

    init() {}

    init(minimumCapacity: Int) { ids.reserveCapacity(minimumCapacity) }

    var count: Int { ids.count }

    subscript(token: String) -> Int? {
        get { ids[Array(token.utf8)] }
        set { ids[Array(token.utf8)] = newValue }
    }

    subscript(bytes bytes: [UInt8]) -> Int? { ids[bytes] }

    subscript(scalars scalars: some Sequence<Unicode.Scalar>) -> Int? {
        var bytes: [UInt8] = []
        for scalar in scalars { UTF8.encode(scalar) { bytes.append($0) } }
        return ids[bytes]
    }

    var maxID: Int? { ids.values.max() }
}
