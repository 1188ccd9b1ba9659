// EncoderJudgeNetwork: the encoder judge — a cross-encoder on a BERT-family sentence encoder
// (all-MiniLM-L6-v2 by default) over ([CLS] criterion + prompt [+ reference] [SEP] response [SEP]),
// its pooled embedding joined with the standardised TextFeatures, into a JudgeHead (scalar,
// ordinal or classification). The backbone is frozen (its embeddings are computed once per text
// and cached), LoRA-adapted, or fully fine-tuned. Truncation keeps the response: the context
// gives way first, and the network counts the texts it cut. Not the losses, not the loop.
import ArbiterCore
import ArbiterModels
import ArbiterTensor

/// How much of a pretrained backbone training may change.
public enum JudgeBackboneMode: Sendable, Equatable, Codable {
    /// Only the head trains.
    case frozen
    /// Low-rank adapters on every projection, plus the head.
    case lora(rank: Int, alpha: Float)
    /// Every weight, plus the head.
    case full
}

final class EncoderJudgeNetwork: JudgeNetwork {
    let encoder: SentenceEncoder
    let head: JudgeHead
    let mode: JudgeBackboneMode
    /// Most tokens a text may take, [CLS] and both [SEP] included.
    let maxLength: Int
    /// Feature standardisation (nil: the head reads the embedding alone).
    let featureScaling: FeatureScaling?
    /// Whether the head reads the encoder's embedding (false: the features alone, and the
    /// encoder never runs).
    let usesEmbedding: Bool

    private var encodings: [JudgeText: Encoding] = [:]
    private var frozenEmbeddings: [JudgeText: [Float]] = [:]

    struct Encoding {
        var ids: [Int]
        var types: [Int]
        var truncated: Bool
    }

    /// The width of the head's input: the embedding, then the features.
    static func inputWidth(encoder: SentenceEncoder, usesFeatures: Bool, usesEmbedding: Bool = true) -> Int {
        (usesEmbedding ? encoder.dimension : 0) + (usesFeatures ? TextFeatures.names.count : 0)
    }

    /// Wraps `encoder` with `head` (whose input width must be `inputWidth(…)`); attaches LoRA
    /// adapters (seeded with `seed`) in `.lora` mode and freezes the weights in `.frozen` mode.
    init(
        encoder: SentenceEncoder, head: JudgeHead, mode: JudgeBackboneMode, maxLength: Int,
        featureScaling: FeatureScaling?, seed: UInt64, usesEmbedding: Bool = true
    ) throws {
        precondition(usesEmbedding || featureScaling != nil, "EncoderJudgeNetwork: the head needs some input")
        precondition(maxLength >= 8 && maxLength <= encoder.model.configuration.maxPositionEmbeddings)
        precondition(
            head.layer.inFeatures
                == Self.inputWidth(
                    encoder: encoder, usesFeatures: featureScaling != nil, usesEmbedding: usesEmbedding),
            "EncoderJudgeNetwork: the head's input width does not match the encoder and features")
        self.encoder = encoder
        self.head = head
        self.mode = mode
        self.maxLength = maxLength
        self.featureScaling = featureScaling
        self.usesEmbedding = usesEmbedding
        switch mode {
        case .frozen:
            for (_, tensor) in encoder.model.parameters { tensor.requiresGrad = false }
        case .lora(let rank, let alpha):
            if encoder.model.loraParameters.count == 0 {
                try encoder.model.attachLoRA(LoRAConfiguration(rank: rank, alpha: alpha), seed: seed)
            }
        case .full:
            for (_, tensor) in encoder.model.parameters { tensor.requiresGrad = true }
        }
    }

    var headKind: JudgeHeadKind { head.kind }
    var outputWidth: Int { head.outputWidth }
    var cutpoints: Tensor? { head.cutpoints }

    var trainableParameters: Parameters {
        var p = head.parameters()
        switch mode {
        case .frozen: break
        case .lora: for (name, t) in encoder.model.loraParameters { p.add("encoder." + name, t) }
        case .full: for (name, t) in encoder.model.parameters { p.add("encoder." + name, t) }
        }
        return p
    }

    /// How many distinct texts seen so far lost tokens to `maxLength`.
    var truncatedTextCount: Int { encodings.values.filter(\.truncated).count }

    func truncatedCount(_ texts: [JudgeText]) -> Int { texts.filter { encoding($0).truncated }.count }

    /// (B, K) head outputs.
    func outputs(_ texts: [JudgeText]) -> Tensor {
        let b = texts.count
        var parts: [Tensor] = []
        if usesEmbedding { parts.append(embeddings(texts)) }  // (B, C)
        if let featureScaling {
            let rows = texts.flatMap { featureScaling.apply(TextFeatures.vector($0)) }
            parts.append(Tensor(rows, shape: [b, TextFeatures.names.count]))  // (B, F)
        }
        let input = parts.count == 1 ? parts[0] : Tensor.concat(parts, alongAxis: 1)  // (B, C + F)
        return head(input)  // (B, K)
    }

    /// Pooled embeddings (B, C), scaled by √C so their entries are of order one like the
    /// standardised features. Frozen backbones read them from the per-text cache.
    func embeddings(_ texts: [JudgeText]) -> Tensor {
        let c = encoder.dimension
        let scale = Float(c).squareRoot()
        guard mode == .frozen else {
            let batch = self.batch(texts)
            return encoder.embeddings(batch).multiplyingScalar(scale)  // (B, C)
        }
        let missing = Array(Set(texts.filter { frozenEmbeddings[$0] == nil }))
            .sorted { encoding($0).ids.count > encoding($1).ids.count }
        var start = 0
        while start < missing.count {
            let chunk = Array(missing[start..<min(start + 16, missing.count)])
            let pooled = Tensor.noGrad { encoder.embeddings(batch(chunk)) }.scalars  // (b, C)
            for (row, text) in chunk.enumerated() {
                frozenEmbeddings[text] = pooled[(row * c)..<((row + 1) * c)].map { $0 * scale }
            }
            start += 16
        }
        return Tensor(texts.flatMap { frozenEmbeddings[$0]! }, shape: [texts.count, c])  // (B, C)
    }

    func batch(_ texts: [JudgeText]) -> BERTBatch {
        let encoded = texts.map(encoding)
        return BERTBatch(
            sequences: encoded.map(\.ids), tokenTypes: encoded.map(\.types),
            paddingID: encoder.tokenizer.paddingID ?? 0)
    }

    /// `[CLS] context [SEP] response [SEP]` within `maxLength`: the response keeps up to all
    /// but a quarter of the room (less when the context is shorter), the context takes the rest.
    func encoding(_ text: JudgeText) -> Encoding {
        if let cached = encodings[text] { return cached }
        let room = maxLength - 3
        let tokenizer = encoder.tokenizer
        func ids(_ s: String) -> [Int] {
            tokenizer.encode(encoder.lowercasesInput ? s.lowercased() : s, addSpecialTokens: false, maxLength: room + 1)
        }
        var context = ids(Self.context(of: text))
        var response = ids(text.response)
        let contextLength = min(context.count, room / 4)
        let responseRoom = room - contextLength
        var truncated = false
        if response.count > responseRoom {
            response.removeLast(response.count - responseRoom)
            truncated = true
        }
        if context.count > room - response.count {
            context.removeLast(context.count - (room - response.count))
            truncated = true
        }
        let cls = tokenizer.classifierID
        let sep = tokenizer.separatorID
        let encoding = Encoding(
            ids: [cls] + context + [sep] + response + [sep],
            types: Array(repeating: 0, count: context.count + 2) + Array(repeating: 1, count: response.count + 1),
            truncated: truncated)
        encodings[text] = encoding
        return encoding
    }

    /// The first segment: what the response is judged on and against.
    static func context(of text: JudgeText) -> String {
        var parts = [text.criterion, text.prompt]
        if let reference = text.reference { parts.append("Reference: " + reference) }
        return parts.filter { !$0.isEmpty }.joined(separator: "\n")
    }
}
