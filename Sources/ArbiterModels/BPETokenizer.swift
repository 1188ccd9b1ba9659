// BPETokenizer: byte-level BPE (GPT-2 / SmolLM2 / Llama 3 / Qwen 2 family). Text is cut at literal
// added tokens, each remaining segment is pre-tokenized (PreTokenizer.swift), every piece is spelled
// in the GPT-2 byte alphabet (ByteLevel+Mapping.swift) and merged by rank (BPETokenizer+Merge.swift).
// Loading from files lives in BPETokenizer+GGUF.swift and BPETokenizer+TokenizerJSON.swift.
// Not here: SentencePiece/Unigram models, byte-fallback `<0x41>` vocabularies, BPE dropout.
import Foundation

/// Unicode normalisation applied to plain-text segments before pre-tokenisation.
public enum TokenizerNormalization: Sendable, Equatable {
    case none
    /// Canonical composition (Qwen 2 tokenizer.json uses `NFC`).
    case nfc
}

/// Byte-level BPE tokenizer. Value type; the per-word cache inside is shared and thread-safe.
public struct BPETokenizer: Tokenizer {
    /// id → vocabulary string; `nil` for ids a sparse vocabulary leaves unassigned.
    let tokens: [String?]
    let vocabulary: TokenizerVocabulary
    /// Merge table: `pairKey(left, right)` → (rank, merged id).
    let merges: [UInt64: BPEMerge]
    /// byte → id of the one-byte token, or -1 if the vocabulary lacks it.
    let byteTokenIDs: [Int32]
    /// Ids that decode to their literal text instead of through the byte alphabet.
    let literalTokenIDs: Set<Int>
    let addedTokens: AddedTokenMatcher
    let cache = BPEWordCache()

    public let preTokenizer: PreTokenizerRule
    public let normalization: TokenizerNormalization
    public let specialTokenIDs: SpecialTokenIDs
    /// Whether `encode(_:)` prepends BOS / appends EOS (GGUF `add_bos_token`/`add_eos_token`, tokenizer.json post-processor).
    public let addsBOS: Bool
    public let addsEOS: Bool
    /// Emit a whole pre-token as one id when the vocabulary has it, before merging (Llama 3 `ignore_merges`).
    public let ignoresMerges: Bool

    /// Builds a tokenizer from a vocabulary in id order and merges written `"left right"` in rank order.
    ///
    /// - Parameters:
    ///   - tokenTypes: GGUF token types per id (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused,
    ///     6 byte); control and user-defined tokens are matched literally in text and decode literally.
    /// - Throws: `TokenizerError` for duplicate tokens, malformed merges, or merges naming unknown tokens.
    public init(
        tokens: [String], merges: [String], tokenTypes: [Int32]? = nil, preTokenizer: PreTokenizerRule = .gpt2,
        normalization: TokenizerNormalization = .none, specialTokenIDs: SpecialTokenIDs = SpecialTokenIDs(),
        addsBOS: Bool = false, addsEOS: Bool = false, ignoresMerges: Bool = false
    ) throws {
        let source = "BPETokenizer(tokens:merges:)"
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(merges.count)
        for (index, merge) in merges.enumerated() {
            pairs.append(try Self.splitMerge(merge, source: source, keyPath: "merges[\(index)]"))
        }
        if let tokenTypes, tokenTypes.count != tokens.count {
            throw TokenizerError.invalidValue(
                source: source, keyPath: "tokenTypes",
                reason: "\(tokenTypes.count) token types for \(tokens.count) tokens")
        }
        var added: [(content: String, id: Int)] = []
        for (id, type) in (tokenTypes ?? []).enumerated() where type == 3 || type == 4 {
            added.append((tokens[id], id))
        }
        try self.init(
            source: source, tokensKey: "tokens", mergesKey: "merges", tokens: tokens.map { Optional($0) },
            mergePairs: pairs, addedTokens: added, preTokenizer: preTokenizer, normalization: normalization,
            specialTokenIDs: specialTokenIDs, addsBOS: addsBOS, addsEOS: addsEOS, ignoresMerges: ignoresMerges)
    }

    /// The designated initialiser behind both file formats; `source`/keys name the origin in errors.
    init(
        source: String, tokensKey: String, mergesKey: String, tokens: [String?], mergePairs: [(String, String)],
        addedTokens: [(content: String, id: Int)], preTokenizer: PreTokenizerRule,
        normalization: TokenizerNormalization,
        specialTokenIDs: SpecialTokenIDs, addsBOS: Bool, addsEOS: Bool, ignoresMerges: Bool
    ) throws {
        guard tokens.count < Int(Int32.max) else {
            throw TokenizerError.invalidValue(source: source, keyPath: tokensKey, reason: "more than 2^31 tokens")
        }
        var vocabulary = TokenizerVocabulary(minimumCapacity: tokens.count)
        for (id, token) in tokens.enumerated() {
            guard let token else { continue }
            if let previous = vocabulary[token] {
                throw TokenizerError.invalidValue(
                    source: source, keyPath: "\(tokensKey)[\(id)]",
                    reason: "token \(String(reflecting: token)) already has id \(previous)")
            }
            vocabulary[token] = id
        }
        for (name, id) in [
            ("bos", specialTokenIDs.bos), ("eos", specialTokenIDs.eos),
            ("pad", specialTokenIDs.pad), ("unknown", specialTokenIDs.unknown),
        ] {
            if let id, !(0..<tokens.count).contains(id) || tokens[id] == nil {
                throw TokenizerError.invalidValue(
                    source: source, keyPath: "specialTokenIDs.\(name)",
                    reason: "id \(id) is not in the vocabulary of \(tokens.count) tokens")
            }
        }
        var mergeTable: [UInt64: BPEMerge] = [:]
        mergeTable.reserveCapacity(mergePairs.count)
        for (rank, (left, right)) in mergePairs.enumerated() {
            let keyPath = "\(mergesKey)[\(rank)]"
            guard let leftID = vocabulary[left] else {
                throw TokenizerError.unknownMergeToken(source: source, keyPath: keyPath, token: left)
            }
            guard let rightID = vocabulary[right] else {
                throw TokenizerError.unknownMergeToken(source: source, keyPath: keyPath, token: right)
            }
            guard let mergedID = vocabulary[left + right] else {
                throw TokenizerError.unknownMergeToken(source: source, keyPath: keyPath, token: left + right)
            }
            let key = Self.pairKey(Int32(leftID), Int32(rightID))
            if mergeTable[key] == nil {  // a repeated merge keeps its first (best) rank
                mergeTable[key] = BPEMerge(rank: Int32(truncatingIfNeeded: rank), result: Int32(mergedID))
            }
        }
        var literal = Set<Int>()
        for (content, id) in addedTokens {
            guard (0..<tokens.count).contains(id), tokens[id].map({ Array($0.utf8) }) == Array(content.utf8) else {
                throw TokenizerError.invalidValue(
                    source: source, keyPath: "added token \(String(reflecting: content))",
                    reason: "id \(id) does not hold this token in the vocabulary")
            }
            literal.insert(id)
        }
        self.tokens = tokens
        self.vocabulary = vocabulary
        self.merges = mergeTable
        self.byteTokenIDs = ByteLevel.byteToScalar.map { scalar in Int32(vocabulary[String(scalar)] ?? -1) }
        self.literalTokenIDs = literal
        self.addedTokens = AddedTokenMatcher(tokens: addedTokens)
        self.preTokenizer = preTokenizer
        self.normalization = normalization
        self.specialTokenIDs = specialTokenIDs
        self.addsBOS = addsBOS && specialTokenIDs.bos != nil
        self.addsEOS = addsEOS && specialTokenIDs.eos != nil
        self.ignoresMerges = ignoresMerges
    }

    /// `"left right"` → (left, right); the separator is the first space (tokens never contain U+0020).
    static func splitMerge(_ merge: String, source: String, keyPath: String) throws -> (String, String) {
        guard let space = merge.firstIndex(of: " ") else {
            throw TokenizerError.invalidValue(
                source: source, keyPath: keyPath, reason: "merge \(String(reflecting: merge)) is not \"left right\"")
        }
        let left = String(merge[..<space])
        let right = String(merge[merge.index(after: space)...])
        guard !left.isEmpty, !right.isEmpty else {
            throw TokenizerError.invalidValue(
                source: source, keyPath: keyPath, reason: "merge \(String(reflecting: merge)) has an empty side")
        }
        return (left, right)
    }

    @inline(__always) static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    // MARK: - Tokenizer

    public var vocabularySize: Int { tokens.count }
    /// Number of merge rules.
    public var mergeCount: Int { merges.count }

    /// Byte values the vocabulary has no one-byte token for. `encode` drops them (as Hugging Face
    /// `tokenizers` and llama.cpp do), so text containing them does not round-trip. SmolLM2 lacks
    /// a few control bytes and the UTF-8 lead bytes of the rarely used planes.
    public var unencodableBytes: [UInt8] {
        (0..<256).filter { byteTokenIDs[$0] < 0 }.map { UInt8($0) }
    }

    public func id(of token: String) -> Int? { vocabulary[token] }

    public func token(of id: Int) -> String? {
        guard id >= 0, id < tokens.count else { return nil }
        return tokens[id]
    }

    public func encode(_ text: String) -> [Int] { encode(text, addSpecialTokens: true) }

    /// Token ids for `text`; with `addSpecialTokens`, BOS/EOS as `addsBOS`/`addsEOS` say.
    /// Added tokens written literally in `text` (`<|im_end|>`) always become their single id.
    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int] {
        var ids: [Int] = []
        if addSpecialTokens, addsBOS, let bos = specialTokenIDs.bos { ids.append(bos) }
        let scalars = Array(text.unicodeScalars)
        for segment in addedTokens.segments(of: scalars) {
            switch segment {
            case .token(let id): ids.append(id)
            case .text(let range): appendPlainText(scalars[range], to: &ids)
            }
        }
        if addSpecialTokens, addsEOS, let eos = specialTokenIDs.eos { ids.append(eos) }
        return ids
    }

    /// Text for `ids`. Out-of-range or unassigned ids decode to U+FFFD; byte tokens that do not form
    /// valid UTF-8 are repaired with U+FFFD (as Hugging Face's lossy ByteLevel decoder does).
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            guard let token = token(of: id) else {
                bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
                continue
            }
            if literalTokenIDs.contains(id) {
                bytes.append(contentsOf: token.utf8)
            } else {
                ByteLevel.appendBytes(of: token, to: &bytes)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - plain text

    private func appendPlainText(_ segment: ArraySlice<Unicode.Scalar>, to ids: inout [Int]) {
        var scalars = Array(segment)
        if normalization == .nfc {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            scalars = Array(String(view).precomposedStringWithCanonicalMapping.unicodeScalars)
        }
        if preTokenizer.addPrefixSpace, let first = scalars.first, first != " " { scalars.insert(" ", at: 0) }
        for piece in preTokenizer.split(scalars, in: 0..<scalars.count) {
            appendWord(scalars[piece], to: &ids)
        }
    }
}
