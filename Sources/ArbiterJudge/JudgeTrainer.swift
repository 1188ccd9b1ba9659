// JudgeTrainer: the training loop of a trained judge, read top to bottom like nanoGPT's:
// configuration, data (train/validation split), model, schedule, then forward / loss / backward /
// clip / step / log, with validation and early stopping on the validation agreement. Seeded and
// deterministic: the epoch's order comes from the seed and the epoch alone, so an interrupted run
// resumes from its last checkpoint bit-identically (JudgeTrainer+Checkpoint.swift). Metrics go
// to metrics.jsonl and a learning curve (JudgeTrainer+Report.swift). Not the networks, not the
// losses (RewardModelLoss), not the saved judge's format (TrainedJudgeConfiguration).
import ArbiterAgreement
import ArbiterCore
import ArbiterRubric
import ArbiterTensor
import Foundation

/// A run's training examples.
enum JudgeTrainingExamples: Sendable {
    case pairwise([PairwiseExample])
    case pointwise([PointwiseExample], scale: ScoreScale)

    var count: Int {
        switch self {
        case .pairwise(let e): return e.count
        case .pointwise(let e, _): return e.count
        }
    }

    var ids: [String] {
        switch self {
        case .pairwise(let e): return e.map(\.id)
        case .pointwise(let e, _): return e.map(\.id)
        }
    }

    /// The key that keeps examples together on one side of a split: the id, or the prompt.
    func groups(by grouping: SplitGrouping) -> [String] {
        switch (self, grouping) {
        case (_, .id): return ids
        case (.pairwise(let e), .prompt): return e.map(\.a.prompt)
        case (.pointwise(let e, _), .prompt): return e.map(\.text.prompt)
        }
    }

    /// The examples at `indices`, in that order.
    func selecting(_ indices: [Int]) -> JudgeTrainingExamples {
        switch self {
        case .pairwise(let e): return .pairwise(indices.map { e[$0] })
        case .pointwise(let e, let scale): return .pointwise(indices.map { e[$0] }, scale: scale)
        }
    }
}

/// One line of progress, handed to the caller after every optimizer step.
struct JudgeTrainingProgress: Sendable, Equatable {
    var step: Int
    var totalSteps: Int
    var epoch: Int
    var loss: Double
    var learningRate: Float
    var examplesPerSecond: Double
    /// The latest validation agreement, once there is one.
    var validation: Double?
}

/// What a finished run reports.
struct JudgeTrainingResult: Sendable, Equatable {
    var steps: Int
    var totalSteps: Int
    var stoppedEarly: Bool
    /// The best validation agreement (pairwise: agreement with ties; pointwise: Spearman), or
    /// nil without a validation split.
    var bestValidation: Double?
    var trainCount: Int
    var validCount: Int
    /// Distinct texts that lost tokens to the network's length limit.
    var truncatedTexts: Int
    var resumedFromStep: Int?
}

final class JudgeTrainer {
    let network: any JudgeNetwork
    let configuration: JudgeTrainingConfiguration
    let examples: JudgeTrainingExamples
    /// Where checkpoints, metrics.jsonl and learning-curve.svg go.
    let directory: URL
    /// Davidson's log tie strength, trained with the head when pairwise labels have ties.
    let logTieStrength: Tensor?
    var progress: (@Sendable (JudgeTrainingProgress) -> Void)?
    /// Tests: return right after this step's checkpoint, as if the process had been killed.
    var stopAfterStep: Int?

    init(
        network: any JudgeNetwork, configuration: JudgeTrainingConfiguration, examples: JudgeTrainingExamples,
        directory: URL
    ) throws {
        try configuration.validate()
        precondition(
            network.headKind == configuration.objective.headKind,
            "JudgeTrainer: a \(network.headKind) head cannot train on \(configuration.objective)")
        self.network = network
        self.configuration = configuration
        self.examples = examples
        self.directory = directory
        if case .pairwise(let e) = examples, e.contains(where: { $0.winner == .tie }) {
            logTieStrength = Tensor([0], shape: [1], requiresGrad: true)  // ν = 1 to start
        } else {
            logTieStrength = nil
        }
    }

    /// Every tensor the optimizers step, by name: the network's, then the tie strength.
    var parameters: Parameters {
        var p = network.trainableParameters
        if let logTieStrength { p.add("objective.log_tie_strength", logTieStrength) }
        return p
    }

    static func isHeadParameter(_ name: String) -> Bool { name.hasPrefix("head.") || name.hasPrefix("objective.") }

    /// Train and validation indices: an item goes to validation when SHA-256("valid:" + key)
    /// falls under `validFraction`; the key is the id or the prompt (`grouping`), so all labels of
    /// an item, or all pairs of a prompt, stay on one side.
    func split() -> (train: [Int], valid: [Int]) {
        guard configuration.validFraction > 0 else { return (Array(0..<examples.count), []) }
        var train: [Int] = []
        var valid: [Int] = []
        var cache: [String: Bool] = [:]
        for (i, id) in examples.groups(by: configuration.grouping).enumerated() {
            let isValid =
                cache[id]
                ?? {
                    let hex = SHA256Hex.digest(of: Data(("valid:" + id).utf8))
                    let u = Double(UInt32(hex.prefix(8), radix: 16)!) / 4_294_967_296
                    return u < configuration.validFraction
                }()
            cache[id] = isValid
            if isValid { valid.append(i) } else { train.append(i) }
        }
        return (train, valid)
    }

    /// The training set's order in `epoch`: a Fisher–Yates shuffle seeded by (seed, epoch).
    func order(count: Int, epoch: Int) -> [Int] {
        var rng = SeededRNG(seed: configuration.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(epoch) &+ 1)
        var order = Array(0..<count)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        return order
    }

    /// Runs (or resumes) training; on return the network holds the best validated weights.
    func train() throws -> JudgeTrainingResult {
        // Data.
        let (trainIndices, validIndices) = split()
        guard !trainIndices.isEmpty else {
            throw JudgeTrainingDataError.noExamples(file: directory.path, reason: "every item fell in validation")
        }
        let trainSet = examples.selecting(trainIndices)
        let validSet = examples.selecting(validIndices)
        // Schedule.
        let perStep = configuration.batchSize * configuration.gradientAccumulation
        let stepsPerEpoch = (trainSet.count + perStep - 1) / perStep
        let totalSteps = stepsPerEpoch * configuration.epochs
        let evaluationEvery = max(1, stepsPerEpoch / configuration.evaluationsPerEpoch)
        let schedule = LRSchedule.cosine(
            warmupSteps: max(1, Int(configuration.warmupFraction * Double(totalSteps))), totalSteps: totalSteps,
            minLR: 0)
        // Model and optimizers (one for the head, one for the backbone: they run at other rates).
        let parameters = self.parameters
        let headNames = parameters.names.filter(Self.isHeadParameter)
        let backboneNames = parameters.names.filter { !Self.isHeadParameter($0) }
        let head = Parameters(headNames.map { ($0, parameters[$0]!) })
        let backbone = Parameters(backboneNames.map { ($0, parameters[$0]!) })
        let adam = try AdamW.Configuration(
            learningRate: configuration.learningRate, weightDecay: configuration.weightDecay)
        var state = TrainingState(
            headOptimizer: AdamW(configuration: adam), backboneOptimizer: AdamW(configuration: adam), step: 0,
            best: nil, bestValues: nil, badEvaluations: 0, lastValidation: nil)
        var resumedFrom: Int?
        if let restored = try restoreCheckpoint(parameters: parameters) {
            state = restored
            resumedFrom = restored.step
        }
        let metrics = try MetricsLog(url: directory.appendingPathComponent("metrics.jsonl"), keepingThrough: state.step)
        var stoppedEarly = state.badEvaluations >= configuration.patience
        var clock = ContinuousClock.now
        var seen = 0
        while state.step < totalSteps && !stoppedEarly {
            let step = state.step
            let epoch = step / stepsPerEpoch
            let order = self.order(count: trainSet.count, epoch: epoch)
            let first = (step % stepsPerEpoch) * perStep
            let stepIndices = Array(order[first..<min(first + perStep, order.count)])
            // Forward / loss / backward over the micro-batches.
            parameters.zeroGrad()
            var lossSum = 0.0
            var start = 0
            while start < stepIndices.count {
                let micro = Array(stepIndices[start..<min(start + configuration.batchSize, stepIndices.count)])
                let loss = self.loss(trainSet.selecting(micro))  // ()
                let share = Float(micro.count) / Float(stepIndices.count)
                (loss * share).backward()
                lossSum += Double(loss.item()) * Double(share)
                start += configuration.batchSize
            }
            // Clip / step.
            if configuration.maxGradientNorm > 0 {
                _ = parameters.clipGradients(maxNorm: configuration.maxGradientNorm)
            }
            let factor = schedule.learningRate(at: step, base: 1)
            try state.headOptimizer.step(head, learningRate: configuration.headLearningRate * factor)
            if backbone.count > 0 {
                try state.backboneOptimizer.step(backbone, learningRate: configuration.learningRate * factor)
            }
            state.step += 1
            seen += stepIndices.count
            // Log.
            let elapsed = ContinuousClock.now - clock
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let rate = seconds > 0 ? Double(seen) / seconds : 0
            var line: [String: Double] = [
                "step": Double(state.step), "epoch": Double(epoch), "loss": lossSum,
                "learning_rate": Double(configuration.learningRate * factor),
                "head_learning_rate": Double(configuration.headLearningRate * factor), "examples_per_s": rate,
            ]
            // Validation and early stopping.
            let evaluate = state.step % evaluationEvery == 0 || state.step == totalSteps
            if evaluate, validSet.count > 0 {
                let agreement = validate(validSet)
                state.lastValidation = agreement
                line["validation"] = agreement
                if state.best.map({ agreement > $0 }) ?? true {
                    state.best = agreement
                    state.bestValues = parameters.names.map { parameters[$0]!.scalars }
                    state.badEvaluations = 0
                } else {
                    state.badEvaluations += 1
                    stoppedEarly = state.badEvaluations >= configuration.patience
                }
            }
            try metrics.append(line)
            progress?(
                JudgeTrainingProgress(
                    step: state.step, totalSteps: totalSteps, epoch: epoch, loss: lossSum,
                    learningRate: configuration.learningRate * factor, examplesPerSecond: rate,
                    validation: state.lastValidation))
            if evaluate || state.step % configuration.checkpointEvery == 0 || state.step == totalSteps || stoppedEarly {
                try saveCheckpoint(parameters: parameters, state: state)
                clock = ContinuousClock.now
                seen = 0
            }
            if let stop = stopAfterStep, state.step >= stop {
                return JudgeTrainingResult(
                    steps: state.step, totalSteps: totalSteps, stoppedEarly: false, bestValidation: state.best,
                    trainCount: trainSet.count, validCount: validSet.count, truncatedTexts: truncatedTexts,
                    resumedFromStep: resumedFrom)
            }
        }
        // The best validated weights are the judge's.
        if let best = state.bestValues {
            for (name, values) in zip(parameters.names, best) { parameters[name]!.assign(values) }
        }
        try writeLearningCurve()
        return JudgeTrainingResult(
            steps: state.step, totalSteps: totalSteps, stoppedEarly: stoppedEarly, bestValidation: state.best,
            trainCount: trainSet.count, validCount: validSet.count, truncatedTexts: truncatedTexts,
            resumedFromStep: resumedFrom)
    }

    /// Distinct training texts the network cuts to its length limit.
    var truncatedTexts: Int {
        switch examples {
        case .pairwise(let pairs): return network.truncatedCount(Array(Set(pairs.flatMap { [$0.a, $0.b] })))
        case .pointwise(let items, _): return network.truncatedCount(Array(Set(items.map(\.text))))
        }
    }

    /// The objective's loss on `batch`, recorded on the tape. ()
    func loss(_ batch: JudgeTrainingExamples) -> Tensor {
        switch batch {
        case .pairwise(let pairs):
            let out = network.outputs(pairs.flatMap { [$0.a, $0.b] }).reshaped([pairs.count, 2])  // (N, 2)
            let a = out.slice(alongAxis: 1, 0..<1).reshaped([pairs.count])  // (N)
            let b = out.slice(alongAxis: 1, 1..<2).reshaped([pairs.count])  // (N)
            let weights = pairs.map(\.weight)
            if let logTieStrength {
                return RewardModelLoss.davidson(
                    scoreA: a, scoreB: b, winners: pairs.map(\.winner), logTieStrength: logTieStrength,
                    weights: weights)
            }
            // No ties: chosen/rejected as TRL's RewardTrainer orders them.
            let aWins = pairs.map { $0.winner == .a }
            let chosen = Tensor.concat(
                pairs.indices.map {
                    aWins[$0] ? a.slice(alongAxis: 0, $0..<($0 + 1)) : b.slice(alongAxis: 0, $0..<($0 + 1))
                })
            let rejected = Tensor.concat(
                pairs.indices.map {
                    aWins[$0] ? b.slice(alongAxis: 0, $0..<($0 + 1)) : a.slice(alongAxis: 0, $0..<($0 + 1))
                })
            return RewardModelLoss.bradleyTerry(
                chosen: chosen, rejected: rejected, margin: nil, centerCoefficient: configuration.centerCoefficient,
                weights: weights)
        case .pointwise(let items, let scale):
            let out = network.outputs(items.map(\.text))  // (N, K)
            let weights = items.map(\.weight)
            switch configuration.objective {
            case .regression:
                return RewardModelLoss.meanSquaredError(
                    predicted: out.reshaped([items.count]), targets: items.map { Float(scale.normalised($0.score)) },
                    weights: weights)
            case .ordinal:
                return RewardModelLoss.cumulativeLink(
                    scores: out.reshaped([items.count]), cutpoints: network.cutpoints!, levels: items.map(\.level),
                    weights: weights)
            case .classification:
                return RewardModelLoss.classification(logits: out, levels: items.map(\.level), weights: weights)
            case .verdict:
                return RewardModelLoss.verdict(logProbabilities: out, levels: items.map(\.level), weights: weights)
            case .bradleyTerry:
                preconditionFailure("JudgeTrainer: Bradley–Terry needs pairwise examples")
            }
        }
    }

    /// The validation agreement: pairwise, the weighted share of labels the predicted verdict
    /// matches (ties count); pointwise, Spearman's ρ between predicted and labelled scores.
    func validate(_ set: JudgeTrainingExamples) -> Double {
        switch set {
        case .pairwise(let pairs):
            let tie = logTieStrength.map { $0.scalars[0] }
            let predictions = network.pairwisePredictions(pairs.map { ($0.a, $0.b) }, logTieStrength: tie)
            var agree = 0.0
            var total = 0.0
            for (pair, prediction) in zip(pairs, predictions) {
                total += Double(pair.weight)
                if prediction.verdict == pair.winner { agree += Double(pair.weight) }
            }
            return total > 0 ? agree / total : 0
        case .pointwise(let items, let scale):
            let predicted = network.pointwisePredictions(items.map(\.text), scale: scale).map(\.score)
            let rho = (try? Agreement.spearman(predicted, items.map(\.score))) ?? nil
            return rho ?? 0
        }
    }
}

/// Everything that changes while training runs, and what a checkpoint restores.
struct TrainingState {
    var headOptimizer: AdamW
    var backboneOptimizer: AdamW
    var step: Int
    var best: Double?
    /// The parameters' values at the best validation, in `parameters.names` order.
    var bestValues: [[Float]]?
    var badEvaluations: Int
    var lastValidation: Double?
}
