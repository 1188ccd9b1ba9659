// WordPieceTokenizer: BERT-family tokenizer (all-MiniLM-L6-v2, bert-base-uncased). Literal added
// tokens (`[CLS]`, `[MASK]`) are cut out of the raw text first; the rest is normalised and split into
// words (WordPieceTokenizer+Normalizer.swift), and each word is spelled greedily longest-match-first
// from the vocabulary, continuation pieces prefixed `##`. A word with no spelling, or longer than
// `maxInputCharactersPerWord` scalars, becomes one `[UNK]`. The model input is `[CLS] … [SEP]`.
// Loading from tokenizer.json is in WordPieceTokenizer+TokenizerJSON.swift. Not here: sentence pairs.

/// WordPiece tokenizer with BERT normalisation.
public struct WordPieceTokenizer: Tokenizer {
    let tokens: [String?]
    let vocabulary: TokenizerVocabulary
    let addedTokens: AddedTokenMatcher
    let addedTokenIDs: Set<Int>

    public let normalization: BertNormalization
    public let continuingSubwordPrefix: String
    public let maxInputCharactersPerWord: Int
    /// Longest output of `encode(_:)` including `[CLS]`/`[SEP]`; longer inputs are truncated at the end.
    public var maxLength: Int
    public let unknownID: Int
    public let classifierID: Int
    public let separatorID: Int
    public let paddingID: Int?

    /// - Parameters:
    ///   - vocabulary: token → id; ids need not be contiguous (holes decode to U+FFFD).
    ///   - maxLength: at least 2 (room for `[CLS]` and `[SEP]`).
    /// - Throws: `TokenizerError` when a required token is missing or ids collide.
    public init(
        vocabulary: [String: Int], unknownToken: String = "[UNK]", classifierToken: String = "[CLS]",
        separatorToken: String = "[SEP]", paddingToken: String? = "[PAD]", continuingSubwordPrefix: String = "##",
        maxInputCharactersPerWord: Int = 100, maxLength: Int = 512, normalization: BertNormalization = .uncased,
        addedTokens: [String] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    ) throws {
        try self.init(
            source: "WordPieceTokenizer(vocabulary:)", vocabulary: vocabulary, unknownToken: unknownToken,
            classifierToken: classifierToken, separatorToken: separatorToken, paddingToken: paddingToken,
            continuingSubwordPrefix: continuingSubwordPrefix, maxInputCharactersPerWord: maxInputCharactersPerWord,
            maxLength: maxLength, normalization: normalization,
            addedTokens: addedTokens.compactMap { token in vocabulary[token].map { (token, $0) } })
    }

    init(
        source: String, vocabulary: [String: Int], unknownToken: String, classifierToken: String,
        separatorToken: String,
        paddingToken: String?, continuingSubwordPrefix: String, maxInputCharactersPerWord: Int, maxLength: Int,
        normalization: BertNormalization, addedTokens: [(content: String, id: Int)]
    ) throws {
        func lookup(_ token: String, _ role: String) throws -> Int {
            guard let id = vocabulary[token] else {
                throw TokenizerError.invalidValue(
                    source: source, keyPath: "model.vocab",
                    reason: "the \(role) token \(String(reflecting: token)) is not in the vocabulary")
            }
            return id
        }
        guard maxLength >= 2 else {
            throw TokenizerError.invalidValue(
                source: source, keyPath: "maxLength", reason: "\(maxLength) < 2 leaves no room for [CLS] and [SEP]")
        }
        guard maxInputCharactersPerWord >= 1 else {
            throw TokenizerError.invalidValue(
                source: source, keyPath: "model.max_input_chars_per_word", reason: "\(maxInputCharactersPerWord) < 1")
        }
        let size = (vocabulary.values.max() ?? -1) + 1
        guard size <= 4 * vocabulary.count + 1024 else {
            throw TokenizerError.invalidValue(
                source: source, keyPath: "model.vocab",
                reason: "ids reach \(size - 1) for only \(vocabulary.count) tokens; the ids are corrupt")
        }
        var tokens = [String?](repeating: nil, count: size)
        for (token, id) in vocabulary {
            guard id >= 0 else {
                throw TokenizerError.invalidValue(source: source, keyPath: "model.vocab", reason: "negative id \(id)")
            }
            if let other = tokens[id] {
                throw TokenizerError.invalidValue(
                    source: source, keyPath: "model.vocab",
                    reason: "id \(id) is used by both \(String(reflecting: other)) and \(String(reflecting: token))")
            }
            tokens[id] = token
        }
        self.tokens = tokens
        var byBytes = TokenizerVocabulary(minimumCapacity: vocabulary.count)
        for (token, id) in vocabulary { byBytes[token] = id }
        self.vocabulary = byBytes
        self.unknownID = try lookup(unknownToken, "unknown")
        self.classifierID = try lookup(classifierToken, "classifier")
        self.separatorID = try lookup(separatorToken, "separator")
        self.paddingID = try paddingToken.map { try lookup($0, "padding") }
        for (content, id) in addedTokens where vocabulary[content] != id {
            throw TokenizerError.invalidValue(
                source: source, keyPath: "added_tokens",
                reason:
                    "added token \(String(reflecting: content)) has id \(id) but the vocabulary says \(vocabulary[content].map(String.init) ?? "nothing")"
            )
        }
        self.addedTokens = AddedTokenMatcher(tokens: addedTokens)
        self.addedTokenIDs = Set(addedTokens.map(\.id))
        self.normalization = normalization
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharactersPerWord = maxInputCharactersPerWord
        self.maxLength = maxLength
    }

    // MARK: - Tokenizer

    public var vocabularySize: Int { tokens.count }

    public var specialTokenIDs: SpecialTokenIDs {
        SpecialTokenIDs(bos: classifierID, eos: separatorID, pad: paddingID, unknown: unknownID)
    }

    public func id(of token: String) -> Int? { vocabulary[token] }

    public func token(of id: Int) -> String? {
        guard id >= 0, id < tokens.count else { return nil }
        return tokens[id]
    }

    /// `[CLS] … [SEP]`, truncated to `maxLength`.
    public func encode(_ text: String) -> [Int] { encode(text, addSpecialTokens: true) }

    /// Ids of `text`; with `addSpecialTokens`, wrapped in `[CLS] … [SEP]`. The result never exceeds
    /// `maxLength` (or `maxLength` if given): word pieces past the limit are dropped, `[SEP]` kept.
    public func encode(_ text: String, addSpecialTokens: Bool, maxLength: Int? = nil) -> [Int] {
        let limit = max(maxLength ?? self.maxLength, addSpecialTokens ? 2 : 0)
        let budget = addSpecialTokens ? limit - 2 : limit
        var ids: [Int] = []
        let scalars = Array(text.unicodeScalars)
        for segment in addedTokens.segments(of: scalars) {
            switch segment {
            case .token(let id): ids.append(id)
            case .text(let range):
                for word in BertNormalization.preTokenize(normalization.normalize(scalars[range])) {
                    appendWordPieces(word, to: &ids)
                }
            }
            if ids.count >= budget { break }
        }
        if ids.count > budget { ids.removeLast(ids.count - budget) }
        return addSpecialTokens ? [classifierID] + ids + [separatorID] : ids
    }

    /// Text of `ids`: pieces joined with spaces, `##` continuations glued to the previous piece,
    /// and spaces before punctuation and English contractions removed (Hugging Face `cleanup`).
    /// Out-of-range ids read U+FFFD. `skipSpecialTokens` drops `[CLS]`, `[SEP]`, `[PAD]`, … .
    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        var text = ""
        for id in ids {
            if skipSpecialTokens, addedTokenIDs.contains(id) { continue }
            let piece = token(of: id) ?? "\u{FFFD}"
            if piece.hasPrefix(continuingSubwordPrefix), !continuingSubwordPrefix.isEmpty, !text.isEmpty {
                text += piece.dropFirst(continuingSubwordPrefix.count)
            } else {
                if !text.isEmpty { text += " " }
                text += piece
            }
        }
        for (from, to) in [
            (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
            (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
        ] {
            text = text.replacingOccurrences(of: from, with: to)
        }
        return text
    }

    public func decode(_ ids: [Int]) -> String { decode(ids, skipSpecialTokens: false) }

    // MARK: - WordPiece

    /// Greedy longest-match-first spelling of one word; `[UNK]` for the whole word if it fails.
    func appendWordPieces(_ word: ArraySlice<Unicode.Scalar>, to ids: inout [Int]) {
        guard word.count <= maxInputCharactersPerWord else {
            ids.append(unknownID)
            return
        }
        let scalars = Array(word)
        let prefix = Array(continuingSubwordPrefix.unicodeScalars)
        var pieces: [Int] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: Int? = nil
            while end > start {
                let candidate = start > 0 ? prefix + scalars[start..<end] : Array(scalars[start..<end])
                if let id = vocabulary[scalars: candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.append(unknownID)
                return
            }
            pieces.append(id)
            start = end
        }
        ids.append(contentsOf: pieces)
    }
}
