// Tokenizer: the protocol every text tokenizer in Arbiter conforms to (byte-level BPE for decoder
// LLMs, WordPiece for BERT encoders), plus the special-token ids a model runtime needs.
// It is not a chat template (that renders messages to text) and not a model loader.

/// Ids of the special tokens a model runtime needs; `nil` where the tokenizer has none.
public struct SpecialTokenIDs: Sendable, Equatable {
    /// Beginning-of-sequence token (SmolLM2: `<|im_start|>` = 1; BERT: `[CLS]` = 101).
    public var bos: Int?
    /// End-of-sequence / end-of-turn token; generation stops here (SmolLM2: `<|im_end|>` = 2; BERT: `[SEP]` = 102).
    public var eos: Int?
    /// Padding token (SmolLM2: 2; BERT: `[PAD]` = 0).
    public var pad: Int?
    /// Unknown-token id (SmolLM2: `<|endoftext|>` = 0; BERT: `[UNK]` = 100).
    public var unknown: Int?

    public init(bos: Int? = nil, eos: Int? = nil, pad: Int? = nil, unknown: Int? = nil) {
        self.bos = bos
        self.eos = eos
        self.pad = pad
        self.unknown = unknown
    }
}

/// Text ⇄ token ids.
///
/// `encode` never fails: every string has an encoding (byte-level BPE covers all bytes; WordPiece
/// maps what it cannot spell to its unknown token). `decode` never fails either: an id outside
/// `0..<vocabularySize` (or a hole in a sparse vocabulary) decodes to U+FFFD, the Unicode
/// replacement character, and invalid UTF-8 produced by byte tokens is repaired the same way.
public protocol Tokenizer: Sendable {
    /// Token ids for `text`, with the special tokens the model expects added
    /// (BPE: BOS/EOS only when the model file asks for them; WordPiece: `[CLS] … [SEP]`).
    func encode(_ text: String) -> [Int]
    /// Text for `ids`; special tokens are written as their literal text.
    func decode(_ ids: [Int]) -> String
    /// One past the largest token id.
    var vocabularySize: Int { get }
    /// The id of a token string as it appears in the vocabulary (`"Ġworld"`, `"##ing"`, `"<|im_end|>"`).
    func id(of token: String) -> Int?
    /// The vocabulary string of `id`, or `nil` when out of range or unassigned.
    func token(of id: Int) -> String?
    /// BOS/EOS/PAD/UNK ids.
    var specialTokenIDs: SpecialTokenIDs { get }
}
