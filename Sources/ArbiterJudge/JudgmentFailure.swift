// JudgmentFailure: the typed reason a judgment has no score. It is data stored with the judgment
// (JSON `{"kind": "off_scale", ...}`), not an error a caller must catch.
import ArbiterCore
import Foundation

/// Why a judge could not produce a score.
public enum JudgmentFailure: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The output holds no recognisable verdict.
    case unparseable
    /// The verdict is outside the allowed scores.
    case offScale(value: Double, allowed: [Double])
    /// The model declined to judge.
    case refusal
    /// The backend did not answer within the limit.
    case timeout(seconds: Double)
    /// The backend threw (network, HTTP, model error).
    case transport(message: String)
    /// The model returned nothing but whitespace.
    case emptyOutput
    /// The judge prompt does not fit the model's context (the in-process model's token counts,
    /// or an OpenAI-compatible server's `context_length_exceeded`); never re-asked.
    case contextLength(message: String)
    /// Pairwise judging with `.flagInconsistent`: the (A, B) and (B, A) orders disagree.
    /// `swapped` is already mapped back to the original frame.
    case positionInconsistent(original: PairwiseVerdict, swapped: PairwiseVerdict)
    /// The sample lacks what the judge needs (e.g. a verifier without a reference answer).
    case invalidSample(message: String)
    /// The judge produced a number JSON cannot hold (nan, ±infinity) at `field` (e.g. "score");
    /// `value` is that number as text. Recorded instead of the judgment, so nothing is half-written.
    case nonFinite(field: String, value: String)

    public var description: String {
        switch self {
        case .unparseable:
            return "no verdict found in the judge output; ask for a final line like \"[RESULT] 4\""
        case .offScale(let value, let allowed):
            let list = allowed.map { Self.format($0) }.joined(separator: ", ")
            return "verdict \(Self.format(value)) is not an allowed score (allowed: \(list))"
        case .refusal:
            return "the judge refused to give a verdict"
        case .timeout(let seconds):
            return "the backend did not answer within \(Self.format(seconds)) s; raise the timeout or check the backend"
        case .transport(let message):
            return "backend error: \(message)"
        case .emptyOutput:
            return "the judge returned an empty answer"
        case .contextLength(let message):
            return "the judge prompt does not fit the model's context: \(message)"
        case .positionInconsistent(let o, let s):
            return
                "the verdict changed with the order of the responses (\(o.rawValue) vs \(s.rawValue)); flagged for review"
        case .invalidSample(let message):
            return "invalid sample: \(message)"
        case .nonFinite(let field, let value):
            return
                "the judge produced \(value) for \(field), which is not a finite number; check the rubric's weights and scale (a weight sum that overflows gives nan)"
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    enum CodingKeys: String, CodingKey { case kind, value, allowed, seconds, message, original, swapped, field }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .kind)
        switch kind {
        case "unparseable": self = .unparseable
        case "off_scale":
            self = .offScale(
                value: try c.decode(Double.self, forKey: .value),
                allowed: try c.decode([Double].self, forKey: .allowed))
        case "refusal": self = .refusal
        case "timeout": self = .timeout(seconds: try c.decode(Double.self, forKey: .seconds))
        case "transport": self = .transport(message: try c.decode(String.self, forKey: .message))
        case "empty_output": self = .emptyOutput
        case "context_length": self = .contextLength(message: try c.decode(String.self, forKey: .message))
        case "position_inconsistent":
            self = .positionInconsistent(
                original: try c.decode(PairwiseVerdict.self, forKey: .original),
                swapped: try c.decode(PairwiseVerdict.self, forKey: .swapped))
        case "invalid_sample": self = .invalidSample(message: try c.decode(String.self, forKey: .message))
        case "non_finite":
            self = .nonFinite(
                field: try c.decode(String.self, forKey: .field), value: try c.decode(String.self, forKey: .value))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: c,
                debugDescription:
                    "unknown failure kind \"\(kind)\"; expected unparseable, off_scale, refusal, timeout, transport, empty_output, context_length, position_inconsistent, invalid_sample or non_finite"
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .unparseable: try c.encode("unparseable", forKey: .kind)
        case .offScale(let value, let allowed):
            try c.encode("off_scale", forKey: .kind)
            try c.encode(value, forKey: .value)
            try c.encode(allowed, forKey: .allowed)
        case .refusal: try c.encode("refusal", forKey: .kind)
        case .timeout(let seconds):
            try c.encode("timeout", forKey: .kind)
            try c.encode(seconds, forKey: .seconds)
        case .transport(let message):
            try c.encode("transport", forKey: .kind)
            try c.encode(message, forKey: .message)
        case .emptyOutput: try c.encode("empty_output", forKey: .kind)
        case .contextLength(let message):
            try c.encode("context_length", forKey: .kind)
            try c.encode(message, forKey: .message)
        case .positionInconsistent(let o, let s):
            try c.encode("position_inconsistent", forKey: .kind)
            try c.encode(o, forKey: .original)
            try c.encode(s, forKey: .swapped)
        case .invalidSample(let message):
            try c.encode("invalid_sample", forKey: .kind)
            try c.encode(message, forKey: .message)
        case .nonFinite(let field, let value):
            try c.encode("non_finite", forKey: .kind)
            try c.encode(field, forKey: .field)
            try c.encode(value, forKey: .value)
        }
    }
}
