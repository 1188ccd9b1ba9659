// BPETokenizer+TokenizerJSON: builds the byte-level BPE tokenizer from a Hugging Face tokenizer.json
// (GPT-2, SmolLM2, Llama 3, Qwen 2 style): `model` (type BPE, vocab, merges as "a b" strings or
// [a, b] pairs, ignore_merges), `added_tokens`, `normalizer` (none or NFC), `pre_tokenizer`
// (ByteLevel / Digits / Split with a known regex / Sequence), `post_processor` (BOS/EOS from
// TemplateProcessing). Special ids come from the post-processor and, when the file sits next to a
// tokenizer_config.json, from its bos/eos/pad/unk tokens. Anything else is reported as unsupported.
import Foundation

extension BPETokenizer {
    /// Known `Split` regexes and the scanner that implements each (JSON-unescaped spelling).
    static let knownSplitPatterns: [String: PreTokenizerStep] = [
        #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#: .gpt2,
        #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"#: .gpt2,
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#:
            .llama3,
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#:
            .qwen2,
    ]

    /// Loads a tokenizer.json; a `tokenizer_config.json` beside it (optional) supplies BOS/EOS/PAD/UNK.
    /// - Throws: `TokenizerError` naming the file and key path.
    public init(tokenizerJSON url: URL) throws {
        let json = try TokenizerJSONObject.load(url)
        let configURL = url.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json")
        let config =
            FileManager.default.fileExists(atPath: configURL.path) ? try TokenizerJSONObject.load(configURL) : nil
        try self.init(json: json, config: config)
    }

    /// The same from bytes; `source` names them in errors.
    public init(tokenizerJSONData data: Data, source: String = "tokenizer.json") throws {
        try self.init(json: TokenizerJSONObject.parse(data, source: source), config: nil)
    }

    init(json: TokenizerJSONObject, config: TokenizerJSONObject?) throws {
        let source = json.source
        let model = try json.object("model")
        let type = try model.optionalString("type") ?? "BPE"
        guard type == "BPE" else {
            throw TokenizerError.unsupported(
                source: source, keyPath: model.keyPath("type"), value: type, supported: ["BPE"])
        }
        if try model.optionalBool("byte_fallback") == true {
            throw TokenizerError.unsupported(
                source: source, keyPath: model.keyPath("byte_fallback"), value: "true",
                supported: ["false (byte-level BPE)"])
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let affix = try model.optionalString(key), !affix.isEmpty {
                throw TokenizerError.unsupported(
                    source: source, keyPath: model.keyPath(key), value: affix, supported: ["\"\""])
            }
        }
        if let dropout = model.value("dropout"), let p = dropout as? Double, p > 0 {
            throw TokenizerError.unsupported(
                source: source, keyPath: model.keyPath("dropout"), value: "\(p)", supported: ["null"])
        }

        // Vocabulary (+ added tokens) → id-indexed array.
        let vocabulary = try model.vocabulary("vocab")
        let added = try json.addedTokens()
        let entries = vocabulary.count + added.count
        let size = max(vocabulary.values.max() ?? -1, added.map(\.id).max() ?? -1) + 1
        guard size <= 4 * entries + 1024 else {
            throw TokenizerError.invalidValue(
                source: source, keyPath: model.keyPath("vocab"),
                reason: "ids reach \(size - 1) for only \(entries) tokens; the ids are corrupt")
        }
        var tokens = [String?](repeating: nil, count: size)
        for (token, id) in vocabulary {
            if let other = tokens[id] {
                throw TokenizerError.invalidValue(
                    source: source, keyPath: model.keyPath("vocab"),
                    reason: "id \(id) is used by both \(String(reflecting: other)) and \(String(reflecting: token))")
            }
            tokens[id] = token
        }
        for (index, token) in added.enumerated() {
            if let existing = tokens[token.id], Array(existing.utf8) != Array(token.content.utf8) {
                throw TokenizerError.invalidValue(
                    source: source, keyPath: "added_tokens[\(index)]",
                    reason:
                        "id \(token.id) is \(String(reflecting: existing)) in model.vocab, not \(String(reflecting: token.content))"
                )
            }
            tokens[token.id] = token.content
        }

        // Merges: "a b" or ["a", "b"].
        let mergesKey = model.keyPath("merges")
        let rawMerges = model.value("merges") == nil ? [] : try model.array("merges")
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(rawMerges.count)
        for (index, raw) in rawMerges.enumerated() {
            let keyPath = "\(mergesKey)[\(index)]"
            if let merge = raw as? String {
                pairs.append(try Self.splitMerge(merge, source: source, keyPath: keyPath))
            } else if let pair = raw as? [Any], pair.count == 2, let left = pair[0] as? String,
                let right = pair[1] as? String
            {
                pairs.append((left, right))
            } else {
                throw TokenizerError.wrongType(
                    source: source, keyPath: keyPath, expected: "\"left right\" or [\"left\", \"right\"]")
            }
        }

        // Normaliser, pre-tokenizer, post-processor.
        var normalization = TokenizerNormalization.none
        if let normalizer = try json.optionalObject("normalizer") {
            normalization = try Self.normalization(of: normalizer)
        }
        guard let pre = try json.optionalObject("pre_tokenizer") else {
            throw TokenizerError.missingKey(source: source, keyPath: "pre_tokenizer")
        }
        var parsed = ParsedPreTokenizer()
        try parsed.add(pre)
        guard parsed.byteLevel else {
            throw TokenizerError.unsupported(
                source: source, keyPath: "pre_tokenizer", value: "no ByteLevel step",
                supported: ["byte-level BPE (ByteLevel)"])
        }
        var template = (prefix: [String](), suffix: [String]())
        if let post = try json.optionalObject("post_processor") {
            try Self.addTemplate(of: post, to: &template)
        }

        // Special ids: post-processor, then tokenizer_config.json, then the model's unk_token.
        var byContent = TokenizerVocabulary(minimumCapacity: tokens.count)
        for (id, token) in tokens.enumerated() { if let token { byContent[token] = id } }
        var special = SpecialTokenIDs()
        special.bos = template.prefix.first.flatMap { byContent[$0] }
        special.eos = template.suffix.first.flatMap { byContent[$0] }
        var addsBOS = special.bos != nil
        var addsEOS = special.eos != nil
        if let unk = try model.optionalString("unk_token") { special.unknown = byContent[unk] }
        if let config {
            func token(_ key: String) throws -> Int? {
                guard let raw = config.value(key) else { return nil }
                if let text = raw as? String { return byContent[text] }
                guard let content = try config.optionalObject(key)?.optionalString("content") else { return nil }
                return byContent[content]
            }
            special.bos = try token("bos_token") ?? special.bos
            special.eos = try token("eos_token") ?? special.eos
            special.pad = try token("pad_token") ?? special.pad
            special.unknown = try token("unk_token") ?? special.unknown
            addsBOS = try config.optionalBool("add_bos_token") ?? addsBOS
            addsEOS = try config.optionalBool("add_eos_token") ?? addsEOS
        }
        try self.init(
            source: source, tokensKey: model.keyPath("vocab"), mergesKey: mergesKey, tokens: tokens, mergePairs: pairs,
            addedTokens: added.map { ($0.content, $0.id) }, preTokenizer: parsed.rule, normalization: normalization,
            specialTokenIDs: special, addsBOS: addsBOS, addsEOS: addsEOS,
            ignoresMerges: try model.optionalBool("ignore_merges") ?? false)
    }

    static func normalization(of normalizer: TokenizerJSONObject) throws -> TokenizerNormalization {
        let kind = try normalizer.string("type")
        switch kind {
        case "NFC": return .nfc
        case "Sequence":
            let parts = try normalizer.objects("normalizers").map(normalization(of:))
            if parts.isEmpty { return .none }
            if parts == [.nfc] { return .nfc }
            throw TokenizerError.unsupported(
                source: normalizer.source, keyPath: normalizer.keyPath("normalizers"),
                value: "\(parts.count) normalizers",
                supported: ["none", "NFC"])
        default:
            throw TokenizerError.unsupported(
                source: normalizer.source, keyPath: normalizer.keyPath("type"), value: kind,
                supported: ["NFC", "Sequence"])
        }
    }

    /// Collects `[CLS]`-like prefix and `[SEP]`-like suffix special tokens of the single-sequence template.
    static func addTemplate(of post: TokenizerJSONObject, to template: inout (prefix: [String], suffix: [String]))
        throws
    {
        let kind = try post.string("type")
        switch kind {
        case "ByteLevel": return
        case "Sequence":
            for processor in try post.objects("processors") { try addTemplate(of: processor, to: &template) }
        case "TemplateProcessing":
            var seenSequence = false
            for (index, item) in try post.array("single").enumerated() {
                guard let entry = item as? [String: Any] else {
                    throw TokenizerError.wrongType(
                        source: post.source, keyPath: "\(post.keyPath("single"))[\(index)]", expected: "an object")
                }
                if entry["Sequence"] != nil {
                    seenSequence = true
                } else if let special = entry["SpecialToken"] as? [String: Any], let id = special["id"] as? String {
                    if seenSequence { template.suffix.append(id) } else { template.prefix.append(id) }
                } else {
                    throw TokenizerError.wrongType(
                        source: post.source, keyPath: "\(post.keyPath("single"))[\(index)]",
                        expected: "{\"SpecialToken\": …} or {\"Sequence\": …}")
                }
            }
        default:
            throw TokenizerError.unsupported(
                source: post.source, keyPath: post.keyPath("type"), value: kind,
                supported: ["ByteLevel", "TemplateProcessing", "Sequence"])
        }
    }
}

/// A tokenizer.json `pre_tokenizer` tree flattened into PreTokenizer steps.
struct ParsedPreTokenizer {
    var steps: [PreTokenizerStep] = []
    var addPrefixSpace = false
    var byteLevel = false

    var rule: PreTokenizerRule { PreTokenizerRule(steps: steps, addPrefixSpace: addPrefixSpace) }

    mutating func add(_ node: TokenizerJSONObject) throws {
        let kind = try node.string("type")
        switch kind {
        case "ByteLevel":
            byteLevel = true
            if try node.optionalBool("use_regex") ?? true { steps.append(.gpt2) }
            addPrefixSpace = try node.optionalBool("add_prefix_space") ?? true
        case "Digits":
            steps.append(.isolateDigits(individually: try node.optionalBool("individual_digits") ?? false))
        case "Split":
            let pattern = try node.object("pattern")
            guard let regex = try pattern.optionalString("Regex") else {
                throw TokenizerError.unsupported(
                    source: node.source, keyPath: pattern.path, value: "a literal String pattern", supported: ["Regex"])
            }
            guard let step = BPETokenizer.knownSplitPatterns[regex] else {
                throw TokenizerError.unsupported(
                    source: node.source, keyPath: pattern.keyPath("Regex"), value: regex,
                    supported: ["the GPT-2, Llama 3 and Qwen 2 patterns"])
            }
            let behavior = try node.optionalString("behavior") ?? "Isolated"
            guard behavior == "Isolated", try node.optionalBool("invert") != true else {
                throw TokenizerError.unsupported(
                    source: node.source, keyPath: node.keyPath("behavior"), value: behavior,
                    supported: ["Isolated, invert false"])
            }
            steps.append(step)
        case "Sequence":
            for child in try node.objects("pretokenizers") { try add(child) }
        default:
            throw TokenizerError.unsupported(
                source: node.source, keyPath: node.keyPath("type"), value: kind,
                supported: ["ByteLevel", "Digits", "Split", "Sequence"])
        }
    }
}
