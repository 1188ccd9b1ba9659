// Judgment: one judge's verdict on one sample for one criterion, as stored in judgments JSONL.
// It is a record, not a judge: producing judgments lives in LLMJudge and the verifiers. A failed
// judgment carries a typed `failure` and NO score (never 0, never the scale minimum).
import ArbiterCore
import Foundation

/// One judge's verdict on one sample and criterion. JSON keys follow ARCHITECTURE.md (snake_case).
public struct Judgment: Sendable, Codable, Equatable {
    /// Sample id.
    public var id: String
    /// Name of the judge that produced this.
    public var judge: String
    /// Rubric name (and version, if the caller includes it).
    public var rubric: String
    /// Content hash of the rubric, so a changed rubric never reuses stale judgments.
    public var rubricHash: String?
    /// Criterion id inside the rubric.
    public var criterion: String
    /// The score; `nil` exactly when the judgment failed or is pairwise.
    public var score: Double?
    /// Pairwise verdict, for pairwise judges.
    public var verdict: PairwiseVerdict?
    /// Score → probability (renormalised over the allowed scores), for G-Eval scoring; keyed by
    /// the scale value itself. JSON writes the keys as text ("4", "3.5"), read back once on decode.
    public var distribution: [Double: Double]?
    /// The judge's reasoning (text before the final verdict, or a JSON `rationale`).
    public var rationale: String?
    /// The raw model output (the last attempt's text).
    public var raw: String?
    /// Hash of the rendered prompt (SHA-256, hex).
    public var promptHash: String?
    /// Model name, or "verifier:<kind>" for programmatic judges.
    public var model: String
    /// Wall-clock time spent on this judgment, in milliseconds.
    public var latencyMs: Double
    /// Model calls spent, re-asks included.
    public var attempts: Int
    /// For position-swapped pairwise judging: whether both orders agreed (nil when not swapped
    /// or when one order failed).
    public var positionConsistent: Bool?
    /// Spread over self-consistency samples, when more than one sample was drawn.
    public var consistency: ScoreSpread?
    /// Why the judgment failed; `nil` on success.
    public var failure: JudgmentFailure?

    public init(
        id: String, judge: String, rubric: String, rubricHash: String? = nil, criterion: String,
        score: Double? = nil, verdict: PairwiseVerdict? = nil, distribution: [Double: Double]? = nil,
        rationale: String? = nil, raw: String? = nil, promptHash: String? = nil, model: String,
        latencyMs: Double = 0, attempts: Int = 1, positionConsistent: Bool? = nil,
        consistency: ScoreSpread? = nil, failure: JudgmentFailure? = nil
    ) {
        self.id = id
        self.judge = judge
        self.rubric = rubric
        self.rubricHash = rubricHash
        self.criterion = criterion
        // A failed judgment never keeps a score, whatever the caller passed.
        self.score = failure == nil ? score : nil
        self.verdict = failure == nil ? verdict : nil
        self.distribution = distribution
        self.rationale = rationale
        self.raw = raw
        self.promptHash = promptHash
        self.model = model
        self.latencyMs = latencyMs
        self.attempts = attempts
        self.positionConsistent = positionConsistent
        self.consistency = consistency
        self.failure = failure
    }

    /// True when the judgment has no failure.
    public var succeeded: Bool { failure == nil }

    enum CodingKeys: String, CodingKey {
        case id, judge, rubric, criterion, score, verdict, distribution, rationale, raw, model
        case rubricHash = "rubric_hash"
        case promptHash = "prompt_hash"
        case latencyMs = "latency_ms"
        case positionConsistent = "position_consistent"
        case attempts, consistency, failure
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let failure = try c.decodeIfPresent(JudgmentFailure.self, forKey: .failure)
        let score = try c.decodeIfPresent(Double.self, forKey: .score)
        if failure != nil, score != nil {
            throw DecodingError.dataCorruptedError(
                forKey: .score, in: c,
                debugDescription: "a judgment with a failure must have \"score\": null; drop the score or the failure")
        }
        self.init(
            id: try c.decode(String.self, forKey: .id),
            judge: try c.decode(String.self, forKey: .judge),
            rubric: try c.decode(String.self, forKey: .rubric),
            rubricHash: try c.decodeIfPresent(String.self, forKey: .rubricHash),
            criterion: try c.decode(String.self, forKey: .criterion),
            score: score,
            verdict: try c.decodeIfPresent(PairwiseVerdict.self, forKey: .verdict),
            distribution: try Self.decodeDistribution(c),
            rationale: try c.decodeIfPresent(String.self, forKey: .rationale),
            raw: try c.decodeIfPresent(String.self, forKey: .raw),
            promptHash: try c.decodeIfPresent(String.self, forKey: .promptHash),
            model: try c.decode(String.self, forKey: .model),
            latencyMs: try c.decodeIfPresent(Double.self, forKey: .latencyMs) ?? 0,
            attempts: try c.decodeIfPresent(Int.self, forKey: .attempts) ?? 1,
            positionConsistent: try c.decodeIfPresent(Bool.self, forKey: .positionConsistent),
            consistency: try c.decodeIfPresent(ScoreSpread.self, forKey: .consistency),
            failure: failure)
    }

    /// The "distribution" object: JSON keys are text, so each is read as the score it names.
    static func decodeDistribution(_ c: KeyedDecodingContainer<CodingKeys>) throws -> [Double: Double]? {
        guard let text = try c.decodeIfPresent([String: Double].self, forKey: .distribution) else { return nil }
        var out: [Double: Double] = [:]
        for (key, p) in text {
            guard let score = Double(key), score.isFinite else {
                throw DecodingError.dataCorruptedError(
                    forKey: .distribution, in: c,
                    debugDescription: "distribution key \"\(key)\" is not a score; keys must be numbers such as \"4\"")
            }
            out[score] = p
        }
        return out
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(judge, forKey: .judge)
        try c.encode(rubric, forKey: .rubric)
        try c.encodeIfPresent(rubricHash, forKey: .rubricHash)
        try c.encode(criterion, forKey: .criterion)
        // "score" is always present: a number, or null for failed and pairwise judgments.
        if let score { try c.encode(score, forKey: .score) } else { try c.encodeNil(forKey: .score) }
        try c.encodeIfPresent(verdict, forKey: .verdict)
        try c.encodeIfPresent(
            distribution.map { d in
                Dictionary(uniqueKeysWithValues: d.map { (JudgmentFailure.format($0.key), $0.value) })
            },
            forKey: .distribution)
        try c.encodeIfPresent(rationale, forKey: .rationale)
        try c.encodeIfPresent(raw, forKey: .raw)
        try c.encodeIfPresent(promptHash, forKey: .promptHash)
        try c.encode(model, forKey: .model)
        try c.encode(latencyMs, forKey: .latencyMs)
        try c.encode(attempts, forKey: .attempts)
        try c.encodeIfPresent(positionConsistent, forKey: .positionConsistent)
        try c.encodeIfPresent(consistency, forKey: .consistency)
        try c.encodeIfPresent(failure, forKey: .failure)
    }
}
