// WordPieceTokenizer+TokenizerJSON: builds a WordPieceTokenizer from a Hugging Face tokenizer.json
// (`model.type` = `WordPiece`, `BertNormalizer`, `BertPreTokenizer`, a `TemplateProcessing` or
// `BertProcessing` post-processor naming [CLS]/[SEP]). Unsupported components are reported, not guessed.
import Foundation

extension WordPieceTokenizer {
    /// Loads a BERT-style tokenizer.json.
    ///
    /// - Parameter maxLength: longest `encode` output; defaults to the file's `truncation.max_length`,
    ///   else 512. (sentence-transformers models override it: all-MiniLM-L6-v2 uses 256.)
    /// - Throws: `TokenizerError` naming the file and key path.
    public init(tokenizerJSON url: URL, maxLength: Int? = nil) throws {
        try self.init(json: TokenizerJSONObject.load(url), maxLength: maxLength)
    }

    /// The same from the bytes of a tokenizer.json; `source` names it in errors.
    public init(tokenizerJSONData data: Data, source: String = "tokenizer.json", maxLength: Int? = nil) throws {
        try self.init(json: TokenizerJSONObject.parse(data, source: source), maxLength: maxLength)
    }

    init(json: TokenizerJSONObject, maxLength: Int?) throws {
        let source = json.source
        let model = try json.object("model")
        let type = try model.optionalString("type") ?? "WordPiece"
        guard type == "WordPiece" else {
            throw TokenizerError.unsupported(
                source: source, keyPath: model.keyPath("type"), value: type, supported: ["WordPiece"])
        }
        let vocabulary = try model.vocabulary("vocab")
        let unknown = try model.optionalString("unk_token") ?? "[UNK]"
        let prefix = try model.optionalString("continuing_subword_prefix") ?? "##"
        let maxChars = try model.optionalInt("max_input_chars_per_word") ?? 100

        var normalization = BertNormalization.none
        if let normalizer = try json.optionalObject("normalizer") {
            let kind = try normalizer.string("type")
            guard kind == "BertNormalizer" else {
                throw TokenizerError.unsupported(
                    source: source, keyPath: normalizer.keyPath("type"), value: kind, supported: ["BertNormalizer"])
            }
            let lowercase = try normalizer.optionalBool("lowercase") ?? true
            normalization = BertNormalization(
                cleanText: try normalizer.optionalBool("clean_text") ?? true,
                handleChineseCharacters: try normalizer.optionalBool("handle_chinese_chars") ?? true,
                stripAccents: try normalizer.optionalBool("strip_accents") ?? lowercase,
                lowercase: lowercase)
        }
        if let preTokenizer = try json.optionalObject("pre_tokenizer") {
            let kind = try preTokenizer.string("type")
            guard kind == "BertPreTokenizer" else {
                throw TokenizerError.unsupported(
                    source: source, keyPath: preTokenizer.keyPath("type"), value: kind, supported: ["BertPreTokenizer"])
            }
        }
        var classifier = "[CLS]"
        var separator = "[SEP]"
        if let post = try json.optionalObject("post_processor") {
            (classifier, separator) = try Self.specialTokens(of: post, defaults: (classifier, separator))
        }
        var fileMaxLength: Int? = nil
        if let truncation = try json.optionalObject("truncation") {
            fileMaxLength = try truncation.optionalInt("max_length")
        }
        let added = try json.addedTokens()
        try self.init(
            source: source, vocabulary: vocabulary, unknownToken: unknown, classifierToken: classifier,
            separatorToken: separator, paddingToken: vocabulary["[PAD]"] != nil ? "[PAD]" : nil,
            continuingSubwordPrefix: prefix, maxInputCharactersPerWord: maxChars,
            maxLength: maxLength ?? fileMaxLength ?? 512, normalization: normalization,
            addedTokens: added.map { ($0.content, $0.id) })
    }

    /// [CLS]/[SEP] strings from a `TemplateProcessing` (`single`: SpecialToken, Sequence, SpecialToken)
    /// or `BertProcessing` (`cls`: [token, id], `sep`: [token, id]) post-processor.
    static func specialTokens(of post: TokenizerJSONObject, defaults: (String, String)) throws -> (String, String) {
        let kind = try post.string("type")
        switch kind {
        case "BertProcessing", "RobertaProcessing":
            func first(_ key: String) throws -> String {
                guard let pair = try post.array(key).first as? String else { throw post.wrongType(key, "[token, id]") }
                return pair
            }
            return (try first("cls"), try first("sep"))
        case "TemplateProcessing":
            let single = try post.array("single")
            let specials = single.compactMap { item -> String? in
                ((item as? [String: Any])?["SpecialToken"] as? [String: Any])?["id"] as? String
            }
            guard single.count == 3, specials.count == 2,
                ((single[1] as? [String: Any])?["Sequence"]) != nil
            else {
                throw TokenizerError.unsupported(
                    source: post.source, keyPath: post.keyPath("single"), value: "\(single.count) items",
                    supported: ["[SpecialToken, Sequence A, SpecialToken]"])
            }
            return (specials[0], specials[1])
        default:
            throw TokenizerError.unsupported(
                source: post.source, keyPath: post.keyPath("type"), value: kind,
                supported: ["TemplateProcessing", "BertProcessing"])
        }
    }
}
