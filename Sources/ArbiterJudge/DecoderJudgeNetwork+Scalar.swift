// DecoderScalarJudgeNetwork: a reward-model head on a Llama-family decoder (SmolLM2-135M or any
// model LanguageModel loads): the final hidden state of each text's last real token (B, C) through
// a JudgeHead gives a scalar reward, an ordinal score with cut points, or class logits.
//
// Input layout (exact): the model's own chat template renders two messages, without a
// generation prompt,
//   user:      "Criterion: <criterion>\n\nPrompt:\n<prompt>"
//              + "\n\nReference answer:\n<reference>"        (only when the text has a reference)
//   assistant: "<response>"
// e.g. ChatML: "<|im_start|>user\nCriterion: …<|im_end|>\n<|im_start|>assistant\n<response><|im_end|>\n"
// (plus whatever the template adds itself, such as a default system message). The last real token
// is the template's closing text after the response, so the head reads a state that has seen all
// of it. Each piece (template text, the labels, criterion, prompt, reference, response) is
// tokenised on its own (no special tokens added; the template writes its own), so the response's
// ids are exactly `tokenizer.encode(response)`; a text longer than `maxLength` is cut by
// DecoderJudgeLayout.fit (the reference's middle first, then the prompt's, then the criterion's;
// the response's middle only as a last resort) and counted. Not losses, not the loop, not
// checkpoints, not judging.
import ArbiterCore
import ArbiterModels
import ArbiterTensor
import Foundation

/// A scalar, ordinal or classification head on a decoder's last real token.
final class DecoderScalarJudgeNetwork: JudgeNetwork {
    /// The backbone (its tokenizer, decoder and chat template).
    let model: LanguageModel
    let head: JudgeHead
    let backbone: DecoderBackbone
    /// Most tokens a text keeps.
    let maxLength: Int
    /// The decoder's trainable tensors: none (frozen), the adapters (LoRA) or all (full).
    private let backboneParameters: Parameters
    /// The rendered template around the user content (pre), between it and the response (mid),
    /// and after the response (post), as token ids.
    private let pre: [Int]
    private let mid: [Int]
    private let post: [Int]
    private var cache: [JudgeText: DecoderJudgeEncoding] = [:]

    /// Labels around the user content.
    static let criterionLabel = "Criterion: "
    static let promptLabel = "\n\nPrompt:\n"
    static let referenceLabel = "\n\nReference answer:\n"

    /// A fresh head (`kind` .scalar, .ordinal or .classification over `levels` scale levels) on
    /// `model`, whose weights are then set up for `backbone` (adapters attached for LoRA, weights
    /// frozen or made trainable); the head and the adapters are drawn from `seed`. The network
    /// owns `model` from now on. Throws `DecoderJudgeError` (head kind, `maxLength` against the
    /// context and the template), `ChatPromptError` (no chat template), `LoRAError`.
    init(
        model: LanguageModel, head kind: JudgeHeadKind, levels: Int, backbone: DecoderBackbone, maxLength: Int,
        seed: UInt64, headBias: Bool = true
    ) throws {
        guard kind != .verdict else { throw DecoderJudgeError.unsupportedHead(kind) }
        let template = try model.parsedChatTemplate()
        let user = String(DecoderJudgeLayout.sentinels[0])
        let assistant = String(DecoderJudgeLayout.sentinels[1])
        let rendered = try template.render(
            messages: [.user(user), .assistant(assistant)], addGenerationPrompt: false)
        let (pieces, slots) = DecoderJudgeLayout.split(rendered)
        guard slots == [0, 1] else { throw DecoderJudgeError.templateDropsContent(path: model.url.path) }
        let encode = { (text: String) in model.tokenizer.encode(text, addSpecialTokens: false) }
        pre = encode(pieces[0])
        mid = encode(pieces[1])
        post = encode(pieces[2])
        let labels = [Self.criterionLabel, Self.promptLabel, Self.referenceLabel].map { encode($0).count }
        let fixed = pre.count + mid.count + post.count + labels.reduce(0, +)
        try DecoderJudgeLayout.check(
            maxLength: maxLength, needed: fixed + DecoderJudgeLayout.minimumResponseTokens, model: model)
        var rng = SeededRNG(seed: seed)
        head = JudgeHead(
            kind: kind, inputWidth: model.model.configuration.hiddenSize, levels: levels, bias: headBias, rng: &rng)
        backboneParameters = try DecoderJudgeLayout.prepare(model.model, backbone: backbone, seed: rng.next())
        self.model = model
        self.backbone = backbone
        self.maxLength = maxLength
    }

    var headKind: JudgeHeadKind { head.kind }
    var outputWidth: Int { head.outputWidth }
    var cutpoints: Tensor? { head.cutpoints }

    /// The decoder's trainable tensors (GGUF names, `.lora_a`/`.lora_b` for adapters), then the
    /// head's ("head.weight", "head.bias", "head.cutpoints").
    var trainableParameters: Parameters {
        var all = backboneParameters
        for (name, tensor) in head.parameters() { all.add(name, tensor) }
        return all
    }

    /// The ids of `text` in this network's layout, cut to `maxLength` (memoised).
    func encode(_ text: JudgeText) -> DecoderJudgeEncoding {
        if let known = cache[text] { return known }
        let encode = { (text: String) in self.model.tokenizer.encode(text, addSpecialTokens: false) }
        var segments: [DecoderJudgeLayout.Segment] = [
            .init(role: .fixed, tokens: pre + encode(Self.criterionLabel)),
            .init(role: .criterion, tokens: encode(text.criterion)),
            .init(role: .fixed, tokens: encode(Self.promptLabel)),
            .init(role: .prompt, tokens: encode(text.prompt)),
        ]
        if let reference = text.reference {
            segments.append(.init(role: .fixed, tokens: encode(Self.referenceLabel)))
            segments.append(.init(role: .reference, tokens: encode(reference)))
        }
        segments += [
            .init(role: .fixed, tokens: mid), .init(role: .response, tokens: encode(text.response)),
            .init(role: .fixed, tokens: post),
        ]
        let encoded = DecoderJudgeLayout.fit(segments, maxLength: maxLength)
        cache[text] = encoded
        return encoded
    }

    /// How many of `texts` are cut to fit `maxLength`.
    func truncatedCount(_ texts: [JudgeText]) -> Int { texts.reduce(0) { $0 + (encode($1).truncated ? 1 : 0) } }

    /// (B, K): the head on each text's last real token's final hidden state.
    func outputs(_ texts: [JudgeText]) -> Tensor {
        precondition(!texts.isEmpty, "DecoderScalarJudgeNetwork: outputs of no texts")
        let (tokens, lengths) = DecoderJudgeLayout.batch(
            texts.map { encode($0).tokens }, padding: DecoderJudgeLayout.paddingID(model))
        let features = model.model.lastTokenHiddenStates(tokens: tokens, lengths: lengths)  // (B, C)
        return head(features)  // (B, K)
    }
}
