// JudgeTrainingTests: the mechanics of trained judges on a tiny random BERT encoder — the fold
// rule (same as the Python peers), text features, truncation that keeps the response, gradients
// through the encoder judge by finite differences, one step changing every trainable parameter
// and no frozen one, LoRA merged = unmerged, learning a separable task, and an interrupted run
// resuming bit-identically.
import ArbiterCore
import ArbiterModels
import ArbiterRubric
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@testable import ArbiterJudge

enum TinyJudge {
    static let words = [
        "good", "bad", "answer", "the", "a", "is", "this", "very", "question", "prompt", "helpful", "wrong",
        "correct", "reply", "rate", "criterion",
    ]

    /// A 2-layer, 16-wide BERT with a WordPiece vocabulary of a few words and every letter.
    static func encoder(seed: UInt64 = 1) throws -> SentenceEncoder {
        var vocabulary = ["[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4]
        let letters = "abcdefghijklmnopqrstuvwxyz0123456789".map(String.init)
        for token in words + letters + letters.map({ "##" + $0 }) where vocabulary[token] == nil {
            vocabulary[token] = vocabulary.count
        }
        let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary, maxLength: 64)
        let configuration = try BERTConfiguration(
            vocabularySize: vocabulary.count, hiddenSize: 16, layerCount: 2, attentionHeadCount: 2,
            intermediateSize: 32, maxPositionEmbeddings: 64)
        return try SentenceEncoder(
            model: BERTModel(configuration: configuration, seed: seed), tokenizer: tokenizer, maxSequenceLength: 64)
    }

    static func network(
        mode: JudgeBackboneMode, head kind: JudgeHeadKind = .scalar, levels: Int = 5, features: Bool = true,
        maxLength: Int = 32, seed: UInt64 = 7, texts: [JudgeText] = []
    ) throws -> EncoderJudgeNetwork {
        let encoder = try encoder()
        var rng = SeededRNG(seed: seed)
        let head = JudgeHead(
            kind: kind, inputWidth: EncoderJudgeNetwork.inputWidth(encoder: encoder, usesFeatures: features),
            levels: levels, bias: kind != .scalar, rng: &rng)
        let scaling = features ? FeatureScaling(fitting: texts.map(TextFeatures.vector)) : nil
        return try EncoderJudgeNetwork(
            encoder: encoder, head: head, mode: mode, maxLength: maxLength, featureScaling: scaling, seed: seed)
    }

    /// Pairs where the response with "good correct helpful" beats the one with "bad wrong";
    /// every third pair is a tie (both good).
    static func pairs(_ count: Int, ties: Bool = false) -> [PairwiseExample] {
        (0..<count).map { i in
            let good = "this is a good correct helpful answer \(i % 7)"
            let bad = "this is a bad wrong answer \(i % 5)"
            let tie = ties && i % 3 == 0
            let aFirst = i % 2 == 0
            let a = JudgeText(
                criterion: "rate", prompt: "question \(i)", reference: nil, response: aFirst || tie ? good : bad)
            let b = JudgeText(
                criterion: "rate", prompt: "question \(i)", reference: nil, response: aFirst && !tie ? bad : good)
            return PairwiseExample(
                id: "pair-\(i)", a: a, b: b, winner: tie ? .tie : (aFirst ? .a : .b), weight: 1)
        }
    }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-judge-training-\(UUID())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

@Suite struct JudgeTrainingTests {
    @Test func foldRuleIsTheFirstByteOfSHA256ModK() {
        // hashlib.sha256(id.encode()).digest()[0] % 5 in Python.
        #expect(JudgeTrainingData.fold(of: "pandalm-0003", folds: 5) == 3)
        #expect(JudgeTrainingData.fold(of: "autoj-0001", folds: 5) == 2)
        #expect(JudgeTrainingData.fold(of: "hhh-006", folds: 5) == 2)
    }

    @Test func majorityVoteAndSplits() {
        #expect(JudgeTrainingData.majority([.a, .a, .b]) == .a)
        #expect(JudgeTrainingData.majority([.a, .b, .tie]) == .tie)
        #expect(JudgeTrainingData.majority([.b]) == .b)
        #expect(JudgeTrainingData.nearestLevel(2.5, [1, 2, 3, 4, 5]) == 1)
        #expect(JudgeTrainingData.nearestLevel(4.9, [1, 2, 3, 4, 5]) == 4)
    }

    @Test func textFeaturesMeasureLengthOverlapAndRepetition() {
        let text = JudgeText(
            criterion: "c", prompt: "the cat sat on the mat", reference: "a cat sat",
            response: "the cat sat the cat sat")
        let v = TextFeatures.vector(text)
        #expect(v.count == TextFeatures.names.count)
        let named = Dictionary(uniqueKeysWithValues: zip(TextFeatures.names, v))
        #expect(abs(named["log_response_words"]! - Float(log1p(6.0))) < 1e-6)
        #expect(named["response_unigrams_in_prompt"] == 1)
        #expect(abs(named["distinct_unigrams"]! - 0.5) < 1e-6)
        #expect(named["has_reference"] == 1)
        #expect(named["empty_response"] == 0)
        let scaling = FeatureScaling(fitting: [[1, 5], [3, 5]])
        #expect(scaling.apply([2, 5]) == [0, 0])
        #expect(scaling.apply([3, 5])[0] == 1)
    }

    @Test func truncationKeepsTheResponseAndCountsCutTexts() throws {
        let network = try TinyJudge.network(mode: .frozen, maxLength: 24)
        let long = String(repeating: "question prompt ", count: 40)
        let response = "good correct helpful answer"
        let encoding = network.encoding(JudgeText(criterion: "rate", prompt: long, reference: nil, response: response))
        #expect(encoding.ids.count == 24)
        let responseIDs = network.encoder.tokenizer.encode(response, addSpecialTokens: false)
        #expect(Array(encoding.ids.suffix(responseIDs.count + 1).dropLast()) == responseIDs)
        #expect(encoding.types.filter { $0 == 1 }.count == responseIDs.count + 1)
        #expect(encoding.truncated)
        let short = network.encoding(JudgeText(criterion: "rate", prompt: "question", reference: nil, response: "good"))
        #expect(!short.truncated)
        #expect(network.truncatedTextCount == 1)
        // A very long response keeps a quarter of the room for the context.
        let both = network.encoding(
            JudgeText(criterion: "rate", prompt: long, reference: nil, response: String(repeating: "good ", count: 50)))
        #expect(both.ids.count == 24 && both.types.filter { $0 == 0 }.count == 2 + 21 / 4)
    }

    /// Float32 central differences of the pairwise loss w.r.t. sampled entries of every trainable
    /// tensor (head, LoRA A and B, the tie strength) against the tape's gradients.
    @Test(arguments: [JudgeBackboneMode.lora(rank: 2, alpha: 4), .full])
    func gradientsThroughTheEncoderJudgeMatchFiniteDifferences(mode: JudgeBackboneMode) throws {
        let pairs = TinyJudge.pairs(4, ties: true)
        let network = try TinyJudge.network(mode: mode, texts: pairs.flatMap { [$0.a, $0.b] })
        // Give B non-zero values so A's gradient is not zero.
        for (name, t) in network.trainableParameters where name.hasSuffix("lora_b") {
            var rng = SeededRNG(seed: 3)
            t.assign(Tensor.randomNormal(t.shape, standardDeviation: 0.1, using: &rng).scalars)
        }
        let trainer = try JudgeTrainer(
            network: network, configuration: JudgeTrainingConfiguration(objective: .bradleyTerry),
            examples: .pairwise(pairs), directory: TinyJudge.temporaryDirectory())
        let parameters = trainer.parameters
        parameters.zeroGrad()
        trainer.loss(.pairwise(pairs)).backward()
        var checked = 0
        var rng = SeededRNG(seed: 11)
        for (name, tensor) in parameters {
            let grad = try #require(tensor.grad?.scalars, "\(name) has no gradient")
            for _ in 0..<min(3, tensor.count) {
                let i = Int(rng.next() % UInt64(tensor.count))
                let original = tensor.scalars[i]
                let h: Float = 1e-2
                func loss(_ value: Float) -> Double {
                    var values = tensor.scalars
                    values[i] = value
                    tensor.assign(values)
                    return Double(Tensor.noGrad { trainer.loss(.pairwise(pairs)) }.item())
                }
                let numeric = (loss(original + h) - loss(original - h)) / Double(2 * h)
                _ = loss(original)
                let analytic = Double(grad[i])
                // Float32 forward passes: differences of order 1e-3 relative, 5e-4 absolute.
                #expect(
                    abs(numeric - analytic) <= 5e-4 + 3e-2 * max(abs(numeric), abs(analytic)),
                    "\(name)[\(i)]: numeric \(numeric) vs analytic \(analytic)")
                checked += 1
            }
        }
        #expect(checked >= 10)
    }

    /// One optimizer step moves every trainable tensor and leaves every frozen weight as it was.
    @Test(arguments: [JudgeBackboneMode.frozen, .lora(rank: 2, alpha: 4), .full])
    func oneStepChangesEveryTrainableParameterAndNoFrozenOne(mode: JudgeBackboneMode) throws {
        let pairs = TinyJudge.pairs(8, ties: true)
        let network = try TinyJudge.network(mode: mode, texts: pairs.flatMap { [$0.a, $0.b] })
        let frozenBefore = network.encoder.model.parameters.map { $0.tensor.scalars }
        let trainableBefore = network.trainableParameters.map { $0.tensor.scalars }
        var settings = JudgeTrainingConfiguration(objective: .bradleyTerry)
        settings.epochs = 1
        settings.batchSize = 8
        settings.validFraction = 0
        let trainer = try JudgeTrainer(
            network: network, configuration: settings, examples: .pairwise(pairs),
            directory: TinyJudge.temporaryDirectory())
        let result = try trainer.train()
        #expect(result.steps == 1)
        for ((name, tensor), before) in zip(network.trainableParameters, trainableBefore) {
            #expect(tensor.scalars != before, "\(name) did not change")
        }
        if mode != .full {
            for ((name, tensor), before) in zip(network.encoder.model.parameters, frozenBefore) {
                #expect(tensor.scalars == before, "frozen \(name) changed")
            }
        }
        #expect(trainer.logTieStrength?.scalars != [0])
    }

    @Test func loraJudgeScoresTheSameMergedAndUnmerged() throws {
        let pairs = TinyJudge.pairs(16)
        let network = try TinyJudge.network(mode: .lora(rank: 2, alpha: 4), texts: pairs.flatMap { [$0.a, $0.b] })
        var settings = JudgeTrainingConfiguration(objective: .bradleyTerry)
        settings.epochs = 2
        settings.batchSize = 4
        settings.validFraction = 0
        settings.learningRate = 1e-2
        _ = try JudgeTrainer(
            network: network, configuration: settings, examples: .pairwise(pairs),
            directory: TinyJudge.temporaryDirectory()
        ).train()
        let texts = pairs.prefix(6).flatMap { [$0.a, $0.b] }
        let unmerged = network.outputRows(texts).map { $0[0] }
        network.encoder.model.mergeLoRA()
        let merged = network.outputRows(texts).map { $0[0] }
        #expect(
            network.trainableParameters.contains {
                $0.name.hasSuffix("lora_b") && $0.tensor.scalars.contains { $0 != 0 }
            })
        for (u, m) in zip(unmerged, merged) { #expect(abs(u - m) <= 1e-4 * max(1, abs(u)), "\(u) vs \(m)") }
    }

    @Test func learnsASeparablePreferenceTaskWithTies() throws {
        let pairs = TinyJudge.pairs(60, ties: true)
        let network = try TinyJudge.network(mode: .full, texts: pairs.flatMap { [$0.a, $0.b] })
        var settings = JudgeTrainingConfiguration(objective: .bradleyTerry)
        settings.epochs = 8
        settings.batchSize = 8
        settings.learningRate = 3e-3
        settings.headLearningRate = 3e-2
        settings.validFraction = 0.25
        settings.patience = 100
        let directory = TinyJudge.temporaryDirectory()
        let trainer = try JudgeTrainer(
            network: network, configuration: settings, examples: .pairwise(pairs), directory: directory)
        let result = try trainer.train()
        #expect((result.bestValidation ?? 0) >= 0.9, "best validation \(String(describing: result.bestValidation))")
        #expect(trainer.validate(.pairwise(pairs)) >= 0.9)
        let metrics = MetricsLog.read(directory.appendingPathComponent("metrics.jsonl"))
        #expect(metrics.count == result.steps)
        #expect(metrics.contains { $0["validation"] != nil })
        let svg = try String(contentsOf: directory.appendingPathComponent("learning-curve.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("<polyline"))
    }

    /// A run stopped after step 3 and resumed by a fresh process (new network, same seed) ends
    /// with exactly the weights and losses of an uninterrupted run.
    @Test func interruptedRunResumesBitIdentically() throws {
        let pairs = TinyJudge.pairs(24, ties: true)
        var settings = JudgeTrainingConfiguration(objective: .bradleyTerry)
        settings.epochs = 2
        settings.batchSize = 4
        settings.validFraction = 0.2
        settings.checkpointEvery = 1
        func run(_ directory: URL, stopAfter: Int?) throws -> (EncoderJudgeNetwork, JudgeTrainingResult) {
            let network = try TinyJudge.network(mode: .lora(rank: 2, alpha: 4), texts: pairs.flatMap { [$0.a, $0.b] })
            let trainer = try JudgeTrainer(
                network: network, configuration: settings, examples: .pairwise(pairs), directory: directory)
            trainer.stopAfterStep = stopAfter
            return (network, try trainer.train())
        }
        let straight = TinyJudge.temporaryDirectory()
        let (a, resultA) = try run(straight, stopAfter: nil)
        let interrupted = TinyJudge.temporaryDirectory()
        _ = try run(interrupted, stopAfter: 3)
        let (b, resultB) = try run(interrupted, stopAfter: nil)
        #expect(resultB.resumedFromStep == 3)
        #expect(resultA.steps == resultB.steps && resultA.bestValidation == resultB.bestValidation)
        for ((name, x), (_, y)) in zip(a.trainableParameters, b.trainableParameters) {
            #expect(x.scalars == y.scalars, "\(name) differs after resuming")
        }
        let lossesA = MetricsLog.read(straight.appendingPathComponent("metrics.jsonl")).map { $0["loss"] }
        let lossesB = MetricsLog.read(interrupted.appendingPathComponent("metrics.jsonl")).map { $0["loss"] }
        #expect(lossesA == lossesB)
        // Other settings refuse to resume.
        settings.epochs = 3
        #expect(throws: JudgeCheckpointMismatch.self) { _ = try run(interrupted, stopAfter: nil) }
    }

    /// Pointwise heads learn a graded task: the score is the number of "good" words (1–5).
    @Test(arguments: [JudgeObjective.ordinal, .classification, .regression])
    func pointwiseHeadsLearnAGradedTask(objective: JudgeObjective) throws {
        let scale = try #require(
            try Rubric.load(
                contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Rubrics/summeval-consistency.yaml")
            ).criteria[0].scale)
        let items = (0..<50).map { i -> PointwiseExample in
            let level = i % 5
            let response = (Array(repeating: "good", count: level) + Array(repeating: "bad", count: 4 - level))
                .joined(separator: " ")
            return PointwiseExample(
                id: "item-\(i)",
                text: JudgeText(criterion: "rate", prompt: "question \(i)", reference: nil, response: response),
                score: Double(level + 1), level: level, weight: 1)
        }
        let network = try TinyJudge.network(
            mode: .full, head: objective.headKind, levels: 5, features: false, texts: items.map(\.text))
        var settings = JudgeTrainingConfiguration(objective: objective)
        settings.epochs = 12
        settings.batchSize = 10
        settings.learningRate = 3e-3
        settings.headLearningRate = 3e-2
        settings.validFraction = 0.2
        settings.patience = 100
        let trainer = try JudgeTrainer(
            network: network, configuration: settings, examples: .pointwise(items, scale: scale),
            directory: TinyJudge.temporaryDirectory())
        let result = try trainer.train()
        #expect((result.bestValidation ?? 0) > 0.8, "best Spearman \(String(describing: result.bestValidation))")
        let predictions = network.pointwisePredictions(items.map(\.text), scale: scale)
        #expect(predictions.allSatisfy { $0.score >= 1 && $0.score <= 5 })
        if objective != .regression {
            for p in predictions { #expect(abs((p.distribution ?? [:]).values.reduce(0, +) - 1) < 1e-6) }
        }
    }
}
