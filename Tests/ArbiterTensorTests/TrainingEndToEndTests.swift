// TrainingEndToEndTests: the training stack end to end through its public glue: Parameters →
// AdamW (LR schedule, global-norm clipping) on a small MLP and on a 2-layer character-level
// transformer (ArbiterTestSupport.TinyTransformer: a tiny random LlamaModel), reproducibility
// (same seed → bit-identical losses), checkpoint save → load → continue equal to an
// uninterrupted run bit for bit (through Checkpoint.save/load on disk), and a smoke check that
// every trainable parameter moved.
import ArbiterCore
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct TrainingEndToEndTests {
    // MARK: MLP with AdamW + cosine schedule + clipping

    /// The quadrant problem (label = x0·x1 > 0) on 64 fixed points; returns the loss curve and
    /// the largest pre-clip gradient norm seen.
    static func trainMLP(steps: Int = 150, seed: UInt64 = 7) throws -> (losses: [Float], maxNorm: Double) {
        let baseLR: Float = 0.03
        let maxGradNorm: Float = 0.5
        let schedule = LRSchedule.cosine(warmupSteps: 10, totalSteps: steps, minLR: 0.003)
        var rng = SeededRNG(seed: seed)
        let n = 64
        let x = Tensor.randomUniform([n, 2], in: -1...1, using: &rng)  // (N, 2)
        let labels = (0..<n).map { x[$0, 0] * x[$0, 1] > 0 ? 1 : 0 }
        let w1 = Tensor.randomNormal([2, 32], standardDeviation: 1, using: &rng)  // (2, H)
        let b1 = Tensor.zeros([32])  // (H)
        let w2 = Tensor.randomNormal([32, 2], standardDeviation: 0.2, using: &rng)  // (H, 2)
        let b2 = Tensor.zeros([2])  // (2)
        let parameters = Parameters([("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2)])
        var optimizer = AdamW(configuration: try .init(learningRate: baseLR, weightDecay: 0.01))
        var losses: [Float] = []
        var maxNorm = 0.0
        for step in 0..<steps {
            let logits = (x.matmul(w1) + b1).tanh().matmul(w2) + b2  // (N, 2)
            let loss = logits.crossEntropy(targets: labels)
            parameters.zeroGrad()
            loss.backward()
            maxNorm = max(maxNorm, parameters.clipGradients(maxNorm: maxGradNorm))
            try optimizer.step(parameters, learningRate: schedule.learningRate(at: step, base: baseLR))
            losses.append(loss.item())
        }
        return (losses, maxNorm)
    }

    @Test func mlpTrainsWithAdamWCosineAndClipping() throws {
        let run = try Self.trainMLP()
        let start = try #require(run.losses.first)
        let end = try #require(run.losses.last)
        #expect(start > 0.6)  // ≈ ln 2 untrained
        #expect(end < 0.1, "final loss \(end)")
        #expect(run.maxNorm > 0.5, "clipping never engaged (max norm \(run.maxNorm)); the test would not exercise it")
        #expect(try Self.trainMLP().losses == run.losses)
    }

    // MARK: character-level transformer

    static let block = TinyTransformer.Configuration(modelDim: 32, heads: 4, kvHeads: 2, ffnDim: 64)
    static let batch = 4, length = 32, baseLR: Float = 0.03, totalSteps = 60

    /// A fresh model from `seed`, its AdamW optimizer and the data RNG.
    static func makeRun(seed: UInt64) throws -> (model: TinyTransformer, optimizer: AdamW, data: SeededRNG) {
        var rng = SeededRNG(seed: seed)
        let model = TinyTransformer(
            vocabulary: TinyCorpus.characters.count, configuration: block, layers: 2, using: &rng)
        let optimizer = AdamW(configuration: try .init(learningRate: baseLR, beta2: 0.99, weightDecay: 0.01))
        return (model, optimizer, SeededRNG(seed: seed &+ 1))
    }

    /// Runs steps `range` (cosine schedule over `totalSteps`, clip at 1); returns their losses.
    static func train(
        _ model: TinyTransformer, _ optimizer: inout AdamW, _ data: inout SeededRNG, steps range: Range<Int>
    ) throws -> [Float] {
        let schedule = LRSchedule.cosine(warmupSteps: 5, totalSteps: totalSteps, minLR: baseLR / 10)
        var losses: [Float] = []
        for step in range {
            let (inputs, targets) = TinyCorpus.batch(batch, length: length, using: &data)
            let loss = model.loss(inputs: inputs, targets: targets, batch: batch, length: length)
            model.parameters.zeroGrad()
            loss.backward()
            model.parameters.clipGradients(maxNorm: 1)
            try optimizer.step(model.parameters, learningRate: schedule.learningRate(at: step, base: baseLR))
            losses.append(loss.item())
        }
        return losses
    }

    @Test func characterTransformerLearnsReproduciblyAndEveryParameterMoves() throws {
        var (model, optimizer, data) = try Self.makeRun(seed: 11)
        let initial = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.tensor.scalars) })
        let losses = try Self.train(model, &optimizer, &data, steps: 0..<Self.totalSteps)
        let start = try #require(losses.first)
        let tail = losses.suffix(5).reduce(0, +) / 5
        #expect(
            abs(start - Float(Foundation.log(Double(TinyCorpus.characters.count)))) < 0.2,
            "initial loss \(start) should be ≈ ln V")
        // Thresholds: the corpus's unigram entropy is 2.92 nats and its empirical bigram entropy
        // 1.94 (ln V = 3.53); this run reaches ≈ 1.95, so < 2.3 proves it learned to use context.
        #expect(tail < 2.3, "mean loss of the last 5 steps \(tail); losses \(losses)")
        let unchanged = model.parameters.filter { initial[$0.name] == $0.tensor.scalars }.map(\.name)
        #expect(unchanged.isEmpty, "parameters that never changed: \(unchanged)")
        #expect(model.parameters.count == 1 + 2 * 9 + 2)

        // Same seed, same losses bit for bit (the first 10 steps suffice: any divergence compounds).
        var again = try Self.makeRun(seed: 11)
        #expect(try Self.train(again.model, &again.optimizer, &again.data, steps: 0..<10) == Array(losses.prefix(10)))
    }

    @Test func checkpointResumeMatchesAnUninterruptedRunBitForBit() throws {
        let steps = 12
        let cut = 6
        var whole = try Self.makeRun(seed: 5)
        let expected = try Self.train(whole.model, &whole.optimizer, &whole.data, steps: 0..<steps)

        var first = try Self.makeRun(seed: 5)
        let head = try Self.train(first.model, &first.optimizer, &first.data, steps: 0..<cut)
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("arbiter-resume-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("step-\(cut)")
        try Checkpoint(parameters: first.model.parameters, optimizer: first.optimizer, rng: first.data, step: cut).save(
            to: target)

        // A model from another seed: everything that matters must come from the checkpoint.
        var second = try Self.makeRun(seed: 99)
        let restored = try Checkpoint(contentsOf: target).restore(into: second.model.parameters, optimizer: AdamW.self)
        #expect(restored.step == cut)
        #expect(restored.rng == first.data)
        #expect(restored.optimizer == first.optimizer)
        second.optimizer = restored.optimizer
        second.data = restored.rng
        let rest = try Self.train(second.model, &second.optimizer, &second.data, steps: restored.step..<steps)
        #expect(head + rest == expected)
        for (name, tensor) in whole.model.parameters {
            #expect(second.model.parameters[name]?.scalars == tensor.scalars, "parameter \(name) differs after resume")
        }
    }

    @Test func parametersRoundTripThroughSafeTensorsAndRejectMismatches() throws {
        var rng = SeededRNG(seed: 3)
        let a = Parameters([
            ("w", Tensor.randomNormal([3, 4], using: &rng)), ("b", Tensor.randomNormal([4], using: &rng)),
        ])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "arbiter-params-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try a.save(to: url)
        let b = Parameters([("w", Tensor.zeros([3, 4])), ("b", Tensor.zeros([4]))])
        try b.load(from: url)
        #expect(b["w"]?.scalars == a["w"]?.scalars && b["b"]?.scalars == a["b"]?.scalars)

        let wrongShape = Parameters([("w", Tensor.zeros([4, 3])), ("b", Tensor.zeros([4]))])
        #expect(throws: ParametersError.shapeMismatch(source: url.path, name: "w", expected: [4, 3], found: [3, 4])) {
            try wrongShape.load(from: url)
        }
        #expect(wrongShape["b"]?.scalars == [0, 0, 0, 0])  // all or nothing
        let missing = Parameters([("w", Tensor.zeros([3, 4])), ("b", Tensor.zeros([4])), ("c", Tensor.zeros([1]))])
        #expect(throws: ParametersError.missingTensor(source: url.path, name: "c")) { try missing.load(from: url) }
        let extra = Parameters([("w", Tensor.zeros([3, 4]))])
        #expect(throws: ParametersError.unexpectedTensor(source: url.path, name: "b")) { try extra.load(from: url) }
    }

    @Test func optimizerStepSkipsParametersWithoutGradientAndClippingMatchesTheFlatRule() throws {
        let used = Tensor([1, 2], shape: [2])
        let unused = Tensor([5, 6], shape: [2])
        let parameters = Parameters([("used", used), ("unused", unused)])
        (used * Tensor([30, 40], shape: [2])).sum().backward()  // grad (30, 40), norm 50
        #expect(parameters.gradientNorm() == 50)
        #expect(parameters.clipGradients(maxNorm: 5) == 50)
        let g = try #require(used.grad?.scalars)
        #expect(abs(g[0] - 3) < 1e-5 && abs(g[1] - 4) < 1e-5)
        var sgd = try SGD(configuration: .init(learningRate: 1))
        try sgd.step(parameters, learningRate: 1)
        #expect(unused.scalars == [5, 6])
        #expect(used.scalars != [1, 2])
        #expect(sgd.stepCount == 1)
    }

    @Test(arguments: ["1,2,3", "1,2,3,4,x", "1,2,3,4,", "0,0,0,0", "", "a,b,c,d"])
    func checkpointRejectsBadRNGMetadata(_ text: String) {
        let checkpoint = Checkpoint(
            tensors: [], optimizer: nil, metadata: ["arbiter.training.rng": text, "arbiter.training.step": "-1"])
        #expect(throws: CheckpointError.self) { try checkpoint.trainingRNG() }
        #expect(throws: CheckpointError.self) { try checkpoint.trainingStep() }
        #expect(throws: CheckpointError.self) { try checkpoint.trainingOptimizer(AdamW.self) }
    }

    /// 200 seeded random byte mutations of a saved training checkpoint's files: loading and
    /// restoring either succeeds or throws a typed error, never traps.
    @Test func mutatedCheckpointFilesThrowOrLoadNeverTrap() throws {
        var rng = SeededRNG(seed: 17)
        let parameters = Parameters([
            ("w", Tensor.randomNormal([4, 3], using: &rng)), ("b", Tensor.randomNormal([3], using: &rng)),
        ])
        ((parameters["w"]?.sum() ?? Tensor(scalar: 0)) + (parameters["b"]?.sum() ?? Tensor(scalar: 0))).backward()
        var optimizer = AdamW()
        try optimizer.step(parameters, learningRate: 0.1)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "arbiter-fuzz-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Checkpoint(parameters: parameters, optimizer: optimizer, rng: rng, step: 1).save(to: directory)
        let files = ["model.safetensors", "optimizer.safetensors", "checkpoint.json"]
        let originals = try files.map { try Data(contentsOf: directory.appendingPathComponent($0)) }
        var loaded = 0
        var rejected = 0
        for _ in 0..<200 {
            let f = Int(rng.next() % UInt64(files.count))
            var bytes = [UInt8](originals[f])
            for _ in 0...(rng.next() % 3) {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[i] ^= UInt8(1 << (rng.next() % 8))
                case 1: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                default: bytes.removeSubrange(i...)
                }
                if bytes.isEmpty { break }
            }
            let url = directory.appendingPathComponent(files[f])
            try Data(bytes).write(to: url)
            let target = Parameters([("w", Tensor.zeros([4, 3])), ("b", Tensor.zeros([3]))])
            do {
                _ = try Checkpoint(contentsOf: directory).restore(into: target, optimizer: AdamW.self)
                loaded += 1
            } catch {
                #expect(error is LocalizedError)
                rejected += 1
            }
            try originals[f].write(to: url)
        }
        #expect(loaded + rejected == 200 && rejected > 0)
    }
}
