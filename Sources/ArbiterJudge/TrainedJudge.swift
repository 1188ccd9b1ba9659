// TrainedJudge: a judge trained by JudgeTrainer (`arbiter train-judge`), loaded from its folder
// and used like any other judge — pointwise (`Judge<JudgeSample>`: a score on the rubric's scale
// with the distribution over its levels, or a reward for a Bradley–Terry judge) and pairwise
// (`pairwise`, `Judge<PairwiseSample>`: both rewards and Davidson's verdict). The network runs
// one batch at a time behind a lock. Not training, not the network code.
import ArbiterCore
import ArbiterModels
import ArbiterRubric
import ArbiterTensor
import Foundation

public final class TrainedJudge: Judge, @unchecked Sendable {
    public let name: String
    /// The folder it was loaded from.
    public let directory: URL
    let configuration: TrainedJudgeConfiguration
    let network: any JudgeNetwork
    private let lock = NSLock()

    /// The rubric it was trained for: name, content hash, criterion id.
    public var rubricName: String { configuration.rubricName }
    public var rubricHash: String { configuration.rubricHash }
    public var criterion: String { configuration.criterion }
    /// The rubric's score levels its distributions are over (nil for a judge that gives one raw
    /// reward, e.g. a Bradley–Terry scalar head).
    public var scaleLevels: [ScaleLevel]? {
        guard let scale = configuration.scale, configuration.head != .scalar || !isPairwise else { return nil }
        return scale.levels
    }
    /// Whether it was trained on preferences (its natural use is `pairwise`).
    public var isPairwise: Bool { configuration.objective.isPairwise }

    init(name: String, directory: URL, configuration: TrainedJudgeConfiguration, network: any JudgeNetwork) {
        self.name = name
        self.directory = directory
        self.configuration = configuration
        self.network = network
    }

    /// Loads the judge in `directory` (config.json + judge.safetensors), fetching its backbone
    /// through `store` when missing and checking its SHA-256. With `rubric`, the rubric's content
    /// hash must be the one the judge was trained for. `name` defaults to `trained:<folder name>`.
    public static func load(
        directory: URL, name: String? = nil, rubric: Rubric? = nil, store: ModelStore = ModelStore()
    ) throws -> TrainedJudge {
        let configuration = try TrainedJudgeConfiguration.load(from: directory)
        if let rubric, rubric.contentHash != configuration.rubricHash {
            throw TrainedJudgeError.rubricMismatch(
                path: directory.path, trainedOn: configuration.rubricHash, given: rubric.contentHash)
        }
        let network = try JudgeNetworkFactory.network(for: configuration, store: store, source: directory.path)
        let weightsURL = directory.appendingPathComponent(TrainedJudgeConfiguration.weightsName)
        try network.trainableParameters.load(from: weightsURL)
        if case .lora = configuration.mode { JudgeNetworkFactory.mergeAdapters(network) }
        return TrainedJudge(
            name: name ?? "trained:\(directory.lastPathComponent)", directory: directory,
            configuration: configuration, network: network)
    }

    /// Scores on the rubric's scale (a Bradley–Terry judge's raw reward when it has no scale).
    public func judge(_ samples: [JudgeSample]) async -> [Judgment] { judgeSynchronously(samples) }

    func judgeSynchronously(_ samples: [JudgeSample]) -> [Judgment] {
        let texts = samples.map {
            JudgeText(
                criterion: configuration.criterionText, prompt: $0.prompt, reference: $0.reference,
                response: $0.response)
        }
        let start = ContinuousClock.now
        let predictions: [PointwisePrediction] = lock.withLock {
            if let scale = configuration.scale, configuration.head != .scalar || !isPairwise {
                return network.pointwisePredictions(texts, scale: scale)
            }
            return network.outputRows(texts).map { PointwisePrediction(score: Double($0[0])) }
        }
        let latency = (ContinuousClock.now - start).milliseconds / Double(max(samples.count, 1))
        return zip(samples, predictions).map { sample, prediction in
            Judgment(
                id: sample.id, judge: name, rubric: rubricName, rubricHash: rubricHash, criterion: criterion,
                score: prediction.score, distribution: prediction.distribution, model: modelName, latencyMs: latency)
        }
    }

    /// Verdicts on pairs: each response's reward and Davidson's probabilities.
    func judgePairs(_ samples: [PairwiseSample]) -> [Judgment] {
        let pairs = samples.map { s in
            (
                a: JudgeText(
                    criterion: configuration.criterionText, prompt: s.prompt, reference: nil, response: s.responseA),
                b: JudgeText(
                    criterion: configuration.criterionText, prompt: s.prompt, reference: nil, response: s.responseB)
            )
        }
        let start = ContinuousClock.now
        let predictions = lock.withLock {
            network.pairwisePredictions(pairs, logTieStrength: configuration.logTieStrength)
        }
        let latency = (ContinuousClock.now - start).milliseconds / Double(max(samples.count, 1))
        return zip(samples, predictions).map { sample, p in
            let raw = String(
                format: "{\"reward_a\": %.6g, \"reward_b\": %.6g, \"p_a\": %.6g, \"p_b\": %.6g, \"p_tie\": %.6g}",
                p.rewardA, p.rewardB, p.probabilities.a, p.probabilities.b, p.probabilities.tie)
            return Judgment(
                id: sample.id, judge: name, rubric: rubricName, rubricHash: rubricHash, criterion: "pairwise",
                verdict: p.verdict, raw: raw, model: modelName, latencyMs: latency)
        }
    }

    /// The same judge over pairs.
    public var pairwise: TrainedPairwiseJudge { TrainedPairwiseJudge(judge: self) }

    var modelName: String { "trained:\(configuration.backbone)" }
}

/// A trained judge's pairwise face: `Judge<PairwiseSample>`.
public struct TrainedPairwiseJudge: Judge {
    public typealias Sample = PairwiseSample
    let judge: TrainedJudge
    public var name: String { judge.name }
    public func judge(_ samples: [PairwiseSample]) async -> [Judgment] { judge.judgePairs(samples) }
}

extension JobJudge {
    /// A trained judge in a judge job: pointwise (one criterion) or, with `pairwise`, on pairs.
    public init(trained judge: TrainedJudge, pairwise: Bool) {
        guard pairwise else {
            self.init(
                pointwise: judge, rubric: judge.rubricName, rubricHash: judge.rubricHash, criteria: [judge.criterion])
            return
        }
        let face = judge.pairwise
        self.init(
            name: judge.name, rubric: judge.rubricName, rubricHash: judge.rubricHash, criteria: ["pairwise"],
            pairwise: true
        ) { sample in
            guard case .pairwise(let s) = sample else {
                return [
                    Judgment(
                        id: sample.id, judge: judge.name, rubric: judge.rubricName, rubricHash: judge.rubricHash,
                        criterion: "pairwise", model: judge.modelName,
                        failure: .invalidSample(message: "a pairwise judge was given a pointwise sample"))
                ]
            }
            return await face.judge([s])
        }
    }
}
