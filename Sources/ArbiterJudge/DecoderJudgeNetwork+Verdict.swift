// DecoderVerdictJudgeNetwork: the generative verdict judge, "training a judge from a rubric" in
// its plainest form. Its input is exactly what probability-weighted judging sends the in-process
// model: the rubric's own pointwise judge prompt (`Rubric.renderPointwise`, as RubricJudge renders
// it) rendered with the model's chat template and its generation prompt, followed by the verdict
// prefix an assistant turn starts with (`[RESULT] `, or `[RESULT] <id>: ` for one criterion of a
// multi-criterion rubric, as MultiCriterionLLMJudge reads it), tokenised as one string as
// LocalChatBackend tokenises a continued assistant turn. Its outputs (B, L) are the log-softmax
// over the whole vocabulary at the next position, gathered at the first token of each scale
// level's label ("4", "pass"): cross-entropy on the verdict token is −outputs[b, label], and the
// trained model, merged, read by ProbabilityWeighted over LocalChatBackend, reads this
// distribution (renormalised over the levels, where each label is one token).
//
// A prompt longer than `maxLength` is cut by DecoderJudgeLayout.fit over the same rendering with
// the sample's texts as separate segments (the reference's middle first, then the prompt's; the
// response's only as a last resort), and counted. Not losses, not the loop, not judging.
import ArbiterChat
import ArbiterCore
import ArbiterJinja
import ArbiterModels
import ArbiterRubric
import ArbiterTensor
import Foundation

/// The language model's own head read at the verdict token after a rubric's judge prompt.
final class DecoderVerdictJudgeNetwork: JudgeNetwork {
    /// The backbone (its tokenizer, decoder and chat template).
    let model: LanguageModel
    let rubric: Rubric
    /// The criterion judged and its scale.
    let criterion: Criterion
    let scale: ScoreScale
    /// The assistant turn's start the verdict token follows.
    let verdictPrefix: String
    /// The first token of each level's label, lowest level first (L).
    let levelTokenIDs: [Int]
    let backbone: DecoderBackbone
    /// Most tokens a prompt keeps.
    let maxLength: Int
    private let template: ChatTemplate
    private let backboneParameters: Parameters
    private var cache: [JudgeText: DecoderJudgeEncoding] = [:]

    /// The verdict judge for `criterion` of the pointwise `rubric` (nil: its only criterion) on
    /// `model`, whose weights are set up for `backbone` (`.lora` or `.full`; adapters drawn from
    /// `seed`). `prefix` is the probability-weighted judges' verdict prefix. The network owns
    /// `model` from now on. Throws `DecoderJudgeError` (rubric, criterion, level tokens, frozen
    /// backbone, `maxLength`), `ChatPromptError`, `ChatTemplateError`, `LoRAError`.
    init(
        model: LanguageModel, rubric: Rubric, criterion id: String? = nil, backbone: DecoderBackbone,
        maxLength: Int, seed: UInt64, prefix: String = "[RESULT] "
    ) throws {
        guard backbone != .frozen else { throw DecoderJudgeError.frozenVerdictJudge }
        guard rubric.kind == .pointwise else { throw DecoderJudgeError.notPointwise(rubric: rubric.name) }
        let scored = rubric.criteria.filter { $0.scale != nil }
        let wanted = id ?? (scored.count == 1 ? scored[0].id : "")
        guard let criterion = scored.first(where: { $0.id == wanted }), let scale = criterion.scale else {
            throw DecoderJudgeError.unknownCriterion(
                rubric: rubric.name, criterion: id ?? "(none given)", known: scored.map(\.id))
        }
        var firstTokens: [Int] = []
        for level in scale.levels {
            let ids = model.tokenizer.encode(level.label, addSpecialTokens: false)
            guard let first = ids.first, !firstTokens.contains(first) else {
                let token = ids.first.flatMap { model.tokenizer.token(of: $0) } ?? ""
                throw DecoderJudgeError.levelTokensNotDistinct(
                    criterion: criterion.id, labels: scale.levels.map(\.label), token: token)
            }
            firstTokens.append(first)
        }
        self.model = model
        self.rubric = rubric
        self.criterion = criterion
        self.scale = scale
        // One criterion's read of a multi-criterion rubric continues its own result line.
        let verdictPrefix = rubric.criteria.count == 1 ? prefix : prefix + "\(criterion.id): "
        self.verdictPrefix = verdictPrefix
        self.levelTokenIDs = firstTokens
        self.backbone = backbone
        self.maxLength = maxLength
        let template = try model.parsedChatTemplate()
        self.template = template
        var fixed = 0
        for withReference in [false, true] {
            let segments = try Self.segments(
                model: model, template: template, rubric: rubric, prefix: verdictPrefix, withReference: withReference)
            fixed = max(fixed, segments.reduce(0) { $0 + ($1.role == .fixed ? $1.tokens.count : 0) })
        }
        try DecoderJudgeLayout.check(
            maxLength: maxLength, needed: fixed + DecoderJudgeLayout.minimumResponseTokens, model: model)
        backboneParameters = try DecoderJudgeLayout.prepare(model.model, backbone: backbone, seed: seed)
    }

    var headKind: JudgeHeadKind { .verdict }
    var outputWidth: Int { levelTokenIDs.count }
    var cutpoints: Tensor? { nil }

    /// The decoder's trainable tensors: the adapters (LoRA) or every weight (full).
    var trainableParameters: Parameters { backboneParameters }

    /// The judge messages for `text` (its criterion field is not read: the rubric names it).
    func messages(_ text: JudgeText) -> [ChatMessage] {
        rubric.renderPointwise(prompt: text.prompt, response: text.response, reference: text.reference)
    }

    /// The prompt's ids: the rendered messages, the generation prompt and the verdict prefix as
    /// one string (as LocalChatBackend continues an assistant turn), cut to `maxLength` when
    /// longer (memoised).
    func encode(_ text: JudgeText) -> DecoderJudgeEncoding {
        if let known = cache[text] { return known }
        let whole = (try? template.render(messages: messages(text), addGenerationPrompt: true)).map {
            model.tokenizer.encode($0 + verdictPrefix, addSpecialTokens: false)
        }
        let encoded: DecoderJudgeEncoding
        if let whole, whole.count <= maxLength {
            let response = model.tokenizer.encode(text.response, addSpecialTokens: false)
            encoded = DecoderJudgeEncoding(
                tokens: whole, truncated: false, responseTokens: Self.find(response, in: whole) ?? 0..<0)
        } else {
            // The templates rendered once in init, so a render cannot fail here.
            var segments =
                (try? Self.segments(
                    model: model, template: template, rubric: rubric, prefix: verdictPrefix,
                    withReference: text.reference != nil)) ?? []
            for i in segments.indices where segments[i].role != .fixed {
                let content: String
                switch segments[i].role {
                case .prompt: content = text.prompt
                case .reference: content = text.reference ?? ""
                default: content = text.response
                }
                segments[i].tokens = model.tokenizer.encode(content, addSpecialTokens: false)
            }
            encoded = DecoderJudgeLayout.fit(segments, maxLength: maxLength)
        }
        cache[text] = encoded
        return encoded
    }

    /// How many of `texts` are cut to fit `maxLength`.
    func truncatedCount(_ texts: [JudgeText]) -> Int { texts.reduce(0) { $0 + (encode($1).truncated ? 1 : 0) } }

    /// The prompt rendered around sentinels for the sample's texts, split into fixed segments
    /// (tokenised) and empty slots for the prompt, response and reference (when `withReference`).
    static func segments(
        model: LanguageModel, template: ChatTemplate, rubric: Rubric, prefix: String, withReference: Bool
    ) throws -> [DecoderJudgeLayout.Segment] {
        let s = DecoderJudgeLayout.sentinels.map(String.init)
        let rendered = try template.render(
            messages: rubric.renderPointwise(prompt: s[0], response: s[1], reference: withReference ? s[2] : nil),
            addGenerationPrompt: true)
        let (pieces, slots) = DecoderJudgeLayout.split(rendered + prefix)
        guard slots.contains(1) else { throw DecoderJudgeError.templateDropsContent(path: model.url.path) }
        let roles: [DecoderJudgeLayout.Role] = [.prompt, .response, .reference, .fixed]
        let encode = { (piece: String) in model.tokenizer.encode(piece, addSpecialTokens: false) }
        var out = [DecoderJudgeLayout.Segment(role: .fixed, tokens: encode(pieces[0]))]
        for (slot, piece) in zip(slots, pieces.dropFirst()) {
            out.append(.init(role: roles[slot], tokens: []))
            out.append(.init(role: .fixed, tokens: encode(piece)))
        }
        return out
    }

    /// Where `needle` first occurs in `haystack` as a contiguous run, from the end (the response
    /// follows the prompt in the default templates).
    static func find(_ needle: [Int], in haystack: [Int]) -> Range<Int>? {
        guard !needle.isEmpty, needle.count <= haystack.count else { return nil }
        for start in stride(from: haystack.count - needle.count, through: 0, by: -1)
        where haystack[start] == needle[0] && Array(haystack[start..<(start + needle.count)]) == needle {
            return start..<(start + needle.count)
        }
        return nil
    }

    /// (B, L): log p(first token of level l | the prompt of text b) under the whole vocabulary.
    func outputs(_ texts: [JudgeText]) -> Tensor {
        precondition(!texts.isEmpty, "DecoderVerdictJudgeNetwork: outputs of no texts")
        let (tokens, lengths) = DecoderJudgeLayout.batch(
            texts.map { encode($0).tokens }, padding: DecoderJudgeLayout.paddingID(model))
        let decoder = model.model
        let h = decoder.lastTokenHiddenStates(tokens: tokens, lengths: lengths)  // (B, C)
        // The language-model head: the tied embedding or output.weight, (V, C).
        guard let weight = decoder.parameters["output.weight"] ?? decoder.parameters["token_embd.weight"] else {
            preconditionFailure("DecoderVerdictJudgeNetwork: the decoder has no head weight")
        }
        let logSumExp = h.matmul(weight, transposeB: true).logSumExp(alongAxis: 1, keepDim: true)  // (B, 1)
        let levelLogits = h.matmul(weight.embedding(levelTokenIDs), transposeB: true)  // (B, L)
        return levelLogits - logSumExp  // (B, L)
    }
}
