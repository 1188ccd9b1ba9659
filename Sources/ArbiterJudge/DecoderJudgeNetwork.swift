// DecoderJudgeNetwork: what the two decoder judge networks (DecoderScalarJudgeNetwork, a head on
// the last real token's final hidden state; DecoderVerdictJudgeNetwork, the language model's own
// next-token distribution after the rubric's judge prompt and `[RESULT] `) share: the backbone
// modes (frozen, LoRA, full), their typed errors, and the input layout rule: a text is a list of
// segments, fixed template text or a sample's text, tokenised one by one and cut to `maxLength`
// tokens so that the response survives (the reference's middle goes first, then the prompt's,
// then the criterion's, and the response's middle only when nothing else is left), then
// right-padded into a batch. Not the networks' forward passes (DecoderJudgeNetwork+Scalar.swift,
// DecoderJudgeNetwork+Verdict.swift), not losses, not the training loop.
import ArbiterCore
import ArbiterModels
import ArbiterTensor
import Foundation

/// Which weights of a decoder judge train.
typealias DecoderBackbone = JudgeBackboneMode

/// Why a decoder judge network could not be built.
enum DecoderJudgeError: LocalizedError, Equatable {
    /// `maxLength` leaves no room for the template's own tokens and a few of the response's.
    case maxLengthTooSmall(maxLength: Int, needed: Int)
    /// `maxLength` is longer than the model's context.
    case maxLengthBeyondContext(maxLength: Int, contextLength: Int)
    /// The chat template dropped or repeated a message's content, so the layout cannot be cut.
    case templateDropsContent(path: String)
    /// A verdict judge with a frozen backbone would have nothing to train.
    case frozenVerdictJudge
    /// A verdict judge needs a pointwise rubric.
    case notPointwise(rubric: String)
    /// The rubric has no such criterion (or it has no scale).
    case unknownCriterion(rubric: String, criterion: String, known: [String])
    /// Two scale levels' values start with the same token, or one encodes to no token at all.
    case levelTokensNotDistinct(criterion: String, labels: [String], token: String)
    /// The head kind is not one this network produces.
    case unsupportedHead(JudgeHeadKind)

    var errorDescription: String? {
        switch self {
        case .maxLengthTooSmall(let maxLength, let needed):
            return "max length \(maxLength) is too small: the judge's template alone needs \(needed) tokens; "
                + "use --max-length \(needed) or more"
        case .maxLengthBeyondContext(let maxLength, let context):
            return "max length \(maxLength) is beyond the model's context of \(context) tokens; "
                + "use --max-length \(context) or less"
        case .templateDropsContent(let path):
            return "\(path): the chat template does not render each message's content exactly once; "
                + "use a model whose chat template writes the messages it is given"
        case .frozenVerdictJudge:
            return "a verdict judge with a frozen backbone has nothing to train; use LoRA (--lora RANK) or full "
                + "fine-tuning"
        case .notPointwise(let rubric):
            return "rubric \(rubric) is not pointwise; a verdict judge is trained on a pointwise rubric's prompt"
        case .unknownCriterion(let rubric, let criterion, let known):
            return "rubric \(rubric) has no scored criterion \(criterion); use one of \(known.joined(separator: ", "))"
        case .levelTokensNotDistinct(let criterion, let labels, let token):
            return "criterion \(criterion): the levels \(labels.joined(separator: ", ")) do not start with distinct "
                + "tokens (\"\(token)\"); a verdict judge reads one token per level, so relabel the scale (e.g. "
                + "numbers) or use a scalar or classification head"
        case .unsupportedHead(let kind):
            return "a \(kind.rawValue) head is not built on this network; use a scalar, ordinal or classification "
                + "head on the scalar network and a verdict head on the verdict network"
        }
    }
}

/// One text's token ids as a decoder judge reads them.
struct DecoderJudgeEncoding: Sendable, Equatable {
    /// The ids, at most `maxLength`.
    var tokens: [Int]
    /// True when some of the text's tokens were cut to fit.
    var truncated: Bool
    /// Where the response's (kept) tokens are in `tokens`.
    var responseTokens: Range<Int>
}

/// The layout rule both decoder networks share.
enum DecoderJudgeLayout {
    /// What a segment of a judge input holds; sample texts are cut in the order of `cutOrder`.
    enum Role: Sendable, Equatable {
        case fixed, criterion, prompt, reference, response
    }

    /// A segment's role and its token ids.
    struct Segment: Sendable, Equatable {
        var role: Role
        var tokens: [Int]
    }

    /// The order sample texts are cut in: the reference, the prompt, the criterion, and last the
    /// response. Fixed template text is never cut.
    static let cutOrder: [Role] = [.reference, .prompt, .criterion, .response]

    /// Fewest response tokens `maxLength` must leave room for beside the fixed text.
    static let minimumResponseTokens = 16

    /// Private-use characters that stand for a message's or a placeholder's content while a
    /// template is rendered, so the fixed text around them can be found.
    static let sentinels: [Character] = ["\u{E000}", "\u{E001}", "\u{E002}", "\u{E003}"]

    /// The segments' ids joined, each sample segment cut in its middle (its first two thirds of
    /// what is kept and its last third stay) until the whole fits `maxLength`: the reference
    /// first, then the prompt, the criterion, and the response only when the others are empty.
    /// Within one role, later segments are cut first. The fixed segments must fit.
    static func fit(_ segments: [Segment], maxLength: Int) -> DecoderJudgeEncoding {
        var kept = segments.map(\.tokens.count)
        var excess = kept.reduce(0, +) - maxLength
        let truncated = excess > 0
        for role in cutOrder where excess > 0 {
            for i in segments.indices.reversed() where segments[i].role == role && excess > 0 {
                let cut = min(excess, kept[i])
                kept[i] -= cut
                excess -= cut
            }
        }
        precondition(excess <= 0, "DecoderJudgeLayout: the fixed text alone is longer than maxLength")
        var tokens: [Int] = []
        var response: Range<Int>?
        for (segment, keep) in zip(segments, kept) {
            let start = tokens.count
            tokens += middleCut(segment.tokens, keeping: keep)
            if segment.role == .response, response == nil { response = start..<tokens.count }
        }
        return DecoderJudgeEncoding(
            tokens: tokens, truncated: truncated, responseTokens: response ?? tokens.count..<tokens.count)
    }

    /// `ids` with its middle removed: the first `keep − keep/3` and the last `keep/3` stay.
    static func middleCut(_ ids: [Int], keeping keep: Int) -> [Int] {
        guard keep < ids.count else { return ids }
        let tail = keep / 3
        return Array(ids.prefix(keep - tail)) + Array(ids.suffix(tail))
    }

    /// Splits `text` at the sentinels: the pieces between them (count + 1 pieces for count
    /// sentinels found) and the sentinel index each following slot stands for, in text order.
    static func split(_ text: String) -> (pieces: [String], slots: [Int]) {
        var pieces = [""]
        var slots: [Int] = []
        for character in text {
            if let slot = sentinels.firstIndex(of: character) {
                slots.append(slot)
                pieces.append("")
            } else {
                pieces[pieces.count - 1].append(character)
            }
        }
        return (pieces, slots)
    }

    /// Right-pads `rows` with `padding` to the longest: (tokens (B, T), lengths (B)).
    static func batch(_ rows: [[Int]], padding: Int) -> (tokens: [[Int]], lengths: [Int]) {
        let t = rows.map(\.count).max() ?? 0
        return (rows.map { $0 + Array(repeating: padding, count: t - $0.count) }, rows.map(\.count))
    }

    /// The id padded positions hold (never read): PAD, else EOS, else 0.
    static func paddingID(_ model: LanguageModel) -> Int {
        model.tokenizer.specialTokenIDs.pad ?? model.tokenizer.specialTokenIDs.eos ?? 0
    }

    /// Checks `maxLength` against the model's context and the fixed text's `needed` tokens.
    static func check(maxLength: Int, needed: Int, model: LanguageModel) throws(DecoderJudgeError) {
        let context = model.model.configuration.contextLength
        guard maxLength <= context else {
            throw .maxLengthBeyondContext(maxLength: maxLength, contextLength: context)
        }
        guard maxLength >= needed else { throw .maxLengthTooSmall(maxLength: maxLength, needed: needed) }
    }

    /// Sets which of `model`'s weights record gradients for `backbone` (attaching adapters for
    /// LoRA, seeded with `seed`) and returns the decoder's trainable parameters: none (frozen),
    /// the adapters (LoRA) or every weight (full).
    static func prepare(_ model: LlamaModel, backbone: DecoderBackbone, seed: UInt64) throws -> Parameters {
        switch backbone {
        case .frozen:
            for (_, tensor) in model.parameters { tensor.requiresGrad = false }
            return Parameters()
        case .lora(let rank, let alpha):
            try model.attachLoRA(LoRAConfiguration(rank: rank, alpha: alpha), seed: seed)
            return model.loraParameters
        case .full:
            for (_, tensor) in model.parameters { tensor.requiresGrad = true }
            return model.parameters
        }
    }
}
