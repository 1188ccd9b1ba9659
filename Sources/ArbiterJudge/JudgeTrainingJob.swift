// JudgeTrainingJob: `arbiter train-judge` as a library call — read the samples and the labels
// (human labels or a judge's judgments), hold out a fold when asked, fit the feature scaling,
// build the network, train it (JudgeTrainer), save the judge (TrainedJudgeConfiguration) and
// judge the held-out samples with it. The CLI only parses options and draws progress.
import ArbiterAgreement
import ArbiterCore
import ArbiterModels
import ArbiterRubric
import ArbiterTensor
import Foundation

/// Everything `arbiter train-judge` takes.
public struct JudgeTrainingJobOptions: Sendable {
    public var rubric: Rubric
    /// The criterion to train (default: the rubric's first).
    public var criterion: String?
    public var samples: URL
    public var labels: URL
    /// Train on one rater's or judge's labels only (e.g. `gpt-3.5-turbo` in a judgments file).
    public var labelSource: String?
    public var aggregation: LabelAggregation = .majority
    /// `minilm-l6-v2` (default), `smollm2-135m`, or a path.
    public var backbone = "minilm-l6-v2"
    /// nil: the objective's natural head.
    public var objective: JudgeObjective?
    public var mode: JudgeBackboneMode = .frozen
    public var maxLength = 256
    /// Whether the head reads TextFeatures beside the embedding.
    public var usesFeatures = true
    /// Whether the head reads the encoder's embedding (false: the text features alone).
    public var usesEmbedding = true
    /// Hold out fold `testFold` of `folds` (SHA-256 of the id): it is never trained on, and the
    /// trained judge's judgments of it are written to `<out>/heldout-judgments.jsonl`.
    public var folds = 5
    public var testFold: Int?
    /// Fold (and validate) by sample id, or keep every pair of a prompt together.
    public var grouping = SplitGrouping.id
    public var epochs = 3
    public var learningRate: Float?
    public var headLearningRate: Float?
    public var batchSize = 16
    public var gradientAccumulation = 1
    public var validFraction = 0.1
    public var patience = 2
    public var seed: UInt64 = 0
    public var centerCoefficient: Float?
    public var output: URL
    /// The judge name in held-out judgments (default `trained:<out folder name>`).
    public var judgeName: String?

    public init(rubric: Rubric, samples: URL, labels: URL, output: URL) {
        self.rubric = rubric
        self.samples = samples
        self.labels = labels
        self.output = output
    }
}

/// What a training job did.
public struct JudgeTrainingJobReport: Sendable {
    public var trainCount: Int
    public var validCount: Int
    public var heldOutCount: Int
    public var steps: Int
    public var stoppedEarly: Bool
    /// Best validation agreement (pairwise: agreement with ties; pointwise: Spearman).
    public var bestValidation: Double?
    /// Held-out agreement with the labels the judge trained on (same measure), when a fold was held out.
    public var heldOutAgreement: Double?
    public var truncatedTexts: Int
    public var resumedFromStep: Int?
    public var seconds: Double
    /// The judge folder, and the held-out judgments file when there is one.
    public var judge: URL
    public var heldOutJudgments: URL?
}

/// A progress line of a running job.
public struct JudgeTrainingJobProgress: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var epoch: Int
    public var loss: Double
    public var examplesPerSecond: Double
    public var validation: Double?
}

public struct JudgeTrainingJob: Sendable {
    public let options: JudgeTrainingJobOptions
    public init(options: JudgeTrainingJobOptions) { self.options = options }

    /// K-fold cross-validation (`folds` of them), for small sets: one judge per fold in
    /// `<out>/fold-<k>`, trained without that fold, and every item's held-out judgment pooled into
    /// `<out>/heldout-judgments.jsonl`. Returns the folds' reports in order.
    public func crossValidate(
        store: ModelStore = ModelStore(), progress: (@Sendable (Int, JudgeTrainingJobProgress) -> Void)? = nil
    ) throws -> [JudgeTrainingJobReport] {
        var pooled = Data()
        var reports: [JudgeTrainingJobReport] = []
        for fold in 0..<options.folds {
            var foldOptions = options
            foldOptions.testFold = fold
            foldOptions.output = options.output.appendingPathComponent("fold-\(fold)")
            if foldOptions.judgeName == nil { foldOptions.judgeName = "trained:\(options.output.lastPathComponent)" }
            let report = try JudgeTrainingJob(options: foldOptions).run(store: store) { progress?(fold, $0) }
            if let url = report.heldOutJudgments { pooled.append(try Data(contentsOf: url)) }
            reports.append(report)
        }
        try pooled.write(to: options.output.appendingPathComponent("heldout-judgments.jsonl"), options: .atomic)
        return reports
    }

    public func run(
        store: ModelStore = ModelStore(), progress: (@Sendable (JudgeTrainingJobProgress) -> Void)? = nil
    ) throws -> JudgeTrainingJobReport {
        let start = ContinuousClock.now
        let rubric = options.rubric
        let pairwise = rubric.kind == .pairwise
        let objective = options.objective ?? (pairwise ? .bradleyTerry : .ordinal)
        guard objective.isPairwise == pairwise else {
            throw TrainedJudgeError.unsupported(
                path: options.labels.path,
                reason:
                    "objective \(objective.rawValue) needs a \(objective.isPairwise ? "pairwise" : "pointwise") rubric")
        }
        let criterion: Criterion
        if let id = options.criterion {
            guard let c = rubric.criteria.first(where: { $0.id == id }) else {
                throw TrainedJudgeError.unsupported(
                    path: options.labels.path,
                    reason: "rubric \(rubric.name) has no criterion \(id); it has \(rubric.criteria.map(\.id))")
            }
            criterion = c
        } else {
            criterion = rubric.criteria[0]
        }
        let criterionText = "\(criterion.id): \(criterion.description)"
        // Data.
        let contents = try JudgeJob.readSamples(options.samples, pairwise: pairwise)
        if !contents.issues.isEmpty { throw JudgeJobError.invalidSamples(contents.issues) }
        let labels = try LabelFile.load(options.labels)
        let all: JudgeTrainingExamples
        if pairwise {
            let samples = contents.samples.compactMap { if case .pairwise(let s) = $0 { s } else { nil } }
            all = .pairwise(
                try JudgeTrainingData.pairwise(
                    samples: samples, labels: labels, source: options.labelSource, criterion: criterionText,
                    aggregation: options.aggregation))
        } else {
            let samples = contents.samples.compactMap { if case .pointwise(let s) = $0 { s } else { nil } }
            all = .pointwise(
                try JudgeTrainingData.pointwise(
                    samples: samples, labels: labels, source: options.labelSource, criterion: criterion,
                    criterionText: criterionText, aggregation: options.aggregation),
                scale: criterion.scale!)
        }
        let ids = all.ids
        var keys = all.groups(by: options.grouping)
        if options.grouping == .prompt {
            // A samples file may name prompt groups (metadata "prompt_group", as Auto-J's and HHH's
            // do): the peers' scripts group by it too.
            let metadata = try SampleFile.load(options.samples).byID
            keys = ids.indices.map { metadata[ids[$0]]?.metadata["prompt_group"] ?? keys[$0] }
        }
        let heldOut = options.testFold.map { fold in
            Set(
                ids.indices.filter { JudgeTrainingData.fold(of: keys[$0], folds: options.folds) == fold }.map {
                    ids[$0]
                })
        }
        let trainIndices = ids.indices.filter { !(heldOut?.contains(ids[$0]) ?? false) }
        let examples = all.selecting(trainIndices)
        // Model.
        let texts: [JudgeText]
        switch examples {
        case .pairwise(let pairs): texts = pairs.flatMap { [$0.a, $0.b] }
        case .pointwise(let items, _): texts = items.map(\.text)
        }
        let architecture = try JudgeNetworkFactory.architecture(of: options.backbone, store: store)
        if objective == .verdict, architecture != .decoder {
            throw TrainedJudgeError.unsupported(
                path: options.backbone, reason: "a verdict judge needs a decoder backbone (e.g. smollm2-135m)")
        }
        let features =
            options.usesFeatures && architecture == .encoder
            ? FeatureScaling(fitting: texts.map(TextFeatures.vector)) : nil
        let levels = criterion.scale?.levels.count ?? 2
        let spec = JudgeNetworkSpecification(
            architecture: architecture, backbone: options.backbone, head: objective.headKind,
            headBias: !objective.isPairwise, levels: levels,
            mode: options.mode, maxLength: options.maxLength, features: features,
            embedding: options.usesEmbedding || architecture == .decoder, seed: options.seed,
            rubric: objective == .verdict ? rubric : nil, criterion: objective == .verdict ? criterion.id : nil)
        let network = try JudgeNetworkFactory.fresh(spec, store: store)
        // Training.
        var settings = JudgeTrainingConfiguration(objective: objective)
        settings.epochs = options.epochs
        settings.learningRate = options.learningRate ?? (options.mode == .frozen ? 1e-3 : 1e-4)
        settings.headLearningRate = options.headLearningRate ?? max(settings.learningRate, 1e-3)
        settings.batchSize = options.batchSize
        settings.gradientAccumulation = options.gradientAccumulation
        settings.validFraction = options.validFraction
        settings.patience = options.patience
        settings.seed = options.seed
        settings.centerCoefficient = options.centerCoefficient
        settings.grouping = options.grouping
        try FileManager.default.createDirectory(at: options.output, withIntermediateDirectories: true)
        let trainer = try JudgeTrainer(
            network: network, configuration: settings, examples: examples, directory: options.output)
        if let progress {
            trainer.progress = { p in
                progress(
                    JudgeTrainingJobProgress(
                        step: p.step, totalSteps: p.totalSteps, epoch: p.epoch, loss: p.loss,
                        examplesPerSecond: p.examplesPerSecond, validation: p.validation))
            }
        }
        let result = try trainer.train()
        // Save.
        let digest = try JudgeNetworkFactory.backboneDigest(options.backbone, store: store)
        let configuration = TrainedJudgeConfiguration(
            architecture: architecture, backbone: options.backbone, backboneSHA256: digest.sha256,
            tokenizerSHA256: try? SHA256Hex.digest(
                ofFile: digest.url.deletingLastPathComponent().appendingPathComponent("tokenizer.json")),
            maxLength: (network as? EncoderJudgeNetwork)?.maxLength ?? options.maxLength, head: objective.headKind,
            objective: objective, mode: options.mode, features: features,
            embedding: options.usesEmbedding, rubricName: rubric.name,
            rubricHash: rubric.contentHash, criterion: pairwise ? "pairwise" : criterion.id,
            criterionText: criterionText, scale: criterion.scale, rubric: objective == .verdict ? rubric : nil,
            logTieStrength: trainer.logTieStrength.map { $0.scalars[0] }, training: settings,
            labels: options.labels.lastPathComponent + (options.labelSource.map { "#" + $0 } ?? ""),
            trainCount: result.trainCount, validCount: result.validCount, bestValidation: result.bestValidation,
            truncatedTexts: result.truncatedTexts)
        try configuration.save(weights: network.trainableParameters, to: options.output)
        // Judge the held-out fold.
        var heldOutURL: URL?
        var heldOutAgreement: Double?
        let heldOutIndices = ids.indices.filter { heldOut?.contains(ids[$0]) ?? false }
        if !heldOutIndices.isEmpty {
            let judge = TrainedJudge(
                name: options.judgeName ?? "trained:\(options.output.lastPathComponent)", directory: options.output,
                configuration: configuration, network: network)
            let heldOutSet = all.selecting(heldOutIndices)
            let judgments: [Judgment]
            switch heldOutSet {
            case .pairwise(let pairs):
                var seen = Set<String>()
                let samples = pairs.filter { seen.insert($0.id).inserted }.map {
                    PairwiseSample(id: $0.id, prompt: $0.a.prompt, responseA: $0.a.response, responseB: $0.b.response)
                }
                judgments = judge.judgePairs(samples)
            case .pointwise(let items, _):
                var seen = Set<String>()
                let samples = items.filter { seen.insert($0.id).inserted }.map {
                    JudgeSample(
                        id: $0.id, prompt: $0.text.prompt, response: $0.text.response, reference: $0.text.reference)
                }
                judgments = judge.judgeSynchronously(samples)
            }
            heldOutAgreement = trainer.validate(heldOutSet)
            let url = options.output.appendingPathComponent("heldout-judgments.jsonl")
            try Judgment.jsonLines(judgments).write(to: url, options: .atomic)
            heldOutURL = url
        }
        return JudgeTrainingJobReport(
            trainCount: result.trainCount, validCount: result.validCount, heldOutCount: heldOutIndices.count,
            steps: result.steps, stoppedEarly: result.stoppedEarly, bestValidation: result.bestValidation,
            heldOutAgreement: heldOutAgreement, truncatedTexts: result.truncatedTexts,
            resumedFromStep: result.resumedFromStep, seconds: (ContinuousClock.now - start).seconds,
            judge: options.output, heldOutJudgments: heldOutURL)
    }
}
