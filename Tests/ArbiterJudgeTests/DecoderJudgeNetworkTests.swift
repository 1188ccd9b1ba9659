// DecoderJudgeNetworkTests: the decoder judge networks on the tiny Llama GGUF
// (`GGUFTestWriter.tinyLlama`: hidden 16, one block, byte-level tokenizer, ChatML template):
// output shapes for every head and backbone; padding invariance (a text scores the same alone and
// beside longer texts, within 1e-5); truncation keeps the response's tokens and is counted;
// finite differences of Σ outputs·w against backward for sampled head and LoRA parameters; one
// AdamW step moves every trainable parameter and no frozen one (frozen weights record no
// gradient); a LoRA-trained network gives the same outputs merged and unmerged; seeded
// initialisation; typed refusals. The verdict network's softmax over the scale levels equals the
// distribution probability-weighted judging reads from the merged model through LocalChatBackend.
import ArbiterChat
import ArbiterCore
import ArbiterModels
import ArbiterRubric
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@testable import ArbiterJudge

@Suite struct DecoderJudgeNetworkTests {
    /// The tiny model's file, written once; every test loads its own copy (networks own theirs).
    static let file = Result { try GGUFTestWriter.tinyLlama(contextLength: 512, layers: 1, seed: 11).write() }

    static func model() throws -> LanguageModel { try LanguageModel.load(try file.get(), options: .exact) }

    /// One numeric 1–3 criterion with short templates, so prompts stay a few hundred bytes.
    static let rubricYAML = """
        name: tiny
        version: 1.0.0
        description: A tiny rubric.
        templates:
          system: "Judge {{criteria}} {{scale}}"
          user: "{{prompt}}\\n--\\n{{response}}"
        criteria:
          - id: quality
            description: Overall quality.
            scale:
              type: numeric
              min: 1
              max: 3
              levels:
                - score: 1
                  descriptor: Bad.
                - score: 2
                  descriptor: Okay.
                - score: 3
                  descriptor: Good.
        """

    static func rubric() throws -> Rubric { try Rubric.parse(rubricYAML, format: .yaml) }

    static let short = JudgeText(criterion: "Overall quality.", prompt: "Hi?", reference: nil, response: "Hello.")
    static let long = JudgeText(
        criterion: "Overall quality.", prompt: String(repeating: "Tell me about abc. ", count: 3),
        reference: "A reference answer.", response: String(repeating: "It is about ab and c. ", count: 2))

    static let other = JudgeText(criterion: "Tone.", prompt: "Why?", reference: "No.", response: "Yes.")

    static func scalar(_ kind: JudgeHeadKind = .scalar, _ backbone: DecoderBackbone, maxLength: Int = 512)
        throws -> DecoderScalarJudgeNetwork
    {
        try DecoderScalarJudgeNetwork(
            model: model(), head: kind, levels: 3, backbone: backbone, maxLength: maxLength, seed: 5)
    }

    static func verdict(_ backbone: DecoderBackbone = .lora(rank: 2, alpha: 4), maxLength: Int = 512)
        throws -> DecoderVerdictJudgeNetwork
    {
        try DecoderVerdictJudgeNetwork(
            model: model(), rubric: rubric(), backbone: backbone, maxLength: maxLength, seed: 5)
    }

    /// Every LoRA B made small and random (a fresh adapter's B is 0, which hides A's gradient).
    static func perturbAdapters(_ network: some JudgeNetwork) {
        var rng = SeededRNG(seed: 3)
        for (name, tensor) in network.trainableParameters where name.hasSuffix(".lora_b") {
            tensor.assign(Tensor.randomNormal(tensor.shape, standardDeviation: 0.3, using: &rng).scalars)
        }
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test func outputShapesForEveryHeadAndBackbone() throws {
        let texts = [Self.short, Self.other]
        for (kind, width) in [(JudgeHeadKind.scalar, 1), (.ordinal, 1), (.classification, 3)] {
            for backbone in [DecoderBackbone.frozen, .lora(rank: 2, alpha: 4), .full] {
                let network = try Self.scalar(kind, backbone)
                #expect(network.headKind == kind && network.outputWidth == width)
                let out = network.outputs(texts)
                #expect(out.shape == [2, width] && out.scalars.allSatisfy(\.isFinite))
                #expect(network.cutpoints?.shape == (kind == .ordinal ? [2] : nil))
                // Inference under noGrad gives the same values and records nothing.
                let quiet = Tensor.noGrad { network.outputs(texts) }
                #expect(quiet.node == nil && Self.maxDifference(quiet.scalars, out.scalars) <= 1e-6)
            }
        }
        let verdict = try Self.verdict()
        #expect(verdict.headKind == .verdict && verdict.outputWidth == 3 && verdict.cutpoints == nil)
        let digits = ["1", "2", "3"].map { verdict.model.tokenizer.encode($0, addSpecialTokens: false)[0] }
        #expect(verdict.levelTokenIDs == digits)
        let out = Tensor.noGrad { verdict.outputs(texts) }  // (2, 3)
        #expect(out.shape == [2, 3])
        // Log-probabilities under the whole vocabulary: negative, summing to less than 1.
        for b in 0..<2 {
            let p = out.scalars[(3 * b)..<(3 * b + 3)].map { Foundation.exp(Double($0)) }
            #expect(p.allSatisfy { $0 > 0 && $0 < 1 } && p.reduce(0, +) < 1)
        }
    }

    @Test func aTextScoresTheSameAloneAndBesideLongerTexts() throws {
        let scalar = try Self.scalar(.classification, .lora(rank: 2, alpha: 4))
        Self.perturbAdapters(scalar)
        let verdict = try Self.verdict()
        Self.perturbAdapters(verdict)
        for network in [scalar, verdict] as [any JudgeNetwork] {
            let alone = Tensor.noGrad { network.outputs([Self.short]) }.scalars
            let batch = Tensor.noGrad { network.outputs([Self.long, Self.short, Self.long]) }.scalars
            let k = network.outputWidth
            #expect(Self.maxDifference(alone, Array(batch[k..<(2 * k)])) <= 1e-5)
            // Recorded (training) forward agrees too.
            let recorded = network.outputs([Self.long, Self.short]).scalars
            #expect(Self.maxDifference(alone, Array(recorded[k..<(2 * k)])) <= 1e-5)
        }
    }

    @Test func truncationKeepsTheResponseAndIsCounted() throws {
        let full = try Self.scalar(.scalar, .frozen)
        let untouched = full.encode(Self.long)
        #expect(!untouched.truncated)
        let tokenizer = full.model.tokenizer
        let response = tokenizer.encode(Self.long.response, addSpecialTokens: false)
        let reference = tokenizer.encode(Self.long.reference ?? "", addSpecialTokens: false)
        #expect(Array(untouched.tokens[untouched.responseTokens]) == response)
        // Cut by less than the reference's length: only the reference loses tokens.
        let small = try Self.scalar(.scalar, .frozen, maxLength: untouched.tokens.count - reference.count / 2)
        let cut = small.encode(Self.long)
        #expect(cut.truncated && cut.tokens.count == small.maxLength)
        #expect(Array(cut.tokens[cut.responseTokens]) == response)
        let prompt = tokenizer.encode(Self.long.prompt, addSpecialTokens: false)
        #expect(VerdictSearch.contains(prompt, in: cut.tokens))
        // Cut by more than the whole context: the response and the template's ending survive.
        let tiny = try Self.scalar(.scalar, .frozen, maxLength: untouched.tokens.count - prompt.count - reference.count)
        let cutMore = tiny.encode(Self.long)
        #expect(cutMore.truncated && cutMore.tokens.count == tiny.maxLength)
        #expect(Array(cutMore.tokens[cutMore.responseTokens]) == response)
        #expect(cutMore.tokens.suffix(3) == untouched.tokens.suffix(3))
        #expect(tiny.truncatedCount([Self.short, Self.long, Self.long]) == 2)
        #expect(tiny.outputs([Self.short, Self.long]).shape == [2, 1])

        // The verdict prompt: cut where it is too long, the response kept whole.
        let verdict = try Self.verdict()
        let whole = verdict.encode(Self.long)
        #expect(!whole.truncated && Array(whole.tokens[whole.responseTokens]) == response)
        let shortVerdict = try Self.verdict(maxLength: whole.tokens.count - prompt.count / 2)
        let verdictCut = shortVerdict.encode(Self.long)
        #expect(verdictCut.truncated && verdictCut.tokens.count <= shortVerdict.maxLength)
        #expect(Array(verdictCut.tokens[verdictCut.responseTokens]) == response)
        // The prompt still ends with the verdict prefix.
        let prefix = tokenizer.encode("[RESULT] ", addSpecialTokens: false)
        #expect(Array(verdictCut.tokens.suffix(prefix.count)) == prefix)
        #expect(shortVerdict.truncatedCount([Self.short, Self.long]) == 1)
    }

    /// Central differences (Float32, h = 1e-3) of L = Σ outputs·w for a few sampled scalars of
    /// each trainable tensor kind, against backward. Tolerance 2e-3 + 3 %: Float32 rounding of L
    /// over 2h is ~1e-4 here.
    @Test func finiteDifferencesMatchBackward() throws {
        let scalar = try Self.scalar(.classification, .lora(rank: 2, alpha: 4))
        let verdict = try Self.verdict()
        for network in [scalar, verdict] as [any JudgeNetwork] {
            Self.perturbAdapters(network)
            let texts = [Self.short, JudgeText(criterion: "Tone.", prompt: "Why?", reference: "No.", response: "Yes.")]
            var rng = SeededRNG(seed: 9)
            let w = Tensor.randomNormal([2, network.outputWidth], using: &rng)
            func loss() -> Double { Double(Tensor.noGrad { network.outputs(texts).multiplying(w).sum().item() }) }
            let parameters = network.trainableParameters
            parameters.zeroGrad()
            network.outputs(texts).multiplying(w).sum().backward()
            var checked = 0
            for (name, tensor) in parameters
            where name.hasPrefix("head") || name.hasPrefix("blk.0.attn_q") {
                let grad = try #require(tensor.grad, "\(name) has no gradient").scalars
                for index in [0, tensor.count - 1] {
                    var values = tensor.scalars
                    let saved = values[index]
                    let h: Float = 1e-3
                    values[index] = saved + h
                    tensor.assign(values)
                    let plus = loss()
                    values[index] = saved - h
                    tensor.assign(values)
                    let minus = loss()
                    values[index] = saved
                    tensor.assign(values)
                    let numeric = (plus - minus) / (2 * Double(h))
                    let error = abs(Double(grad[index]) - numeric)
                    #expect(error <= 2e-3 + 0.03 * abs(numeric), "\(name)[\(index)]: \(grad[index]) vs \(numeric)")
                    checked += 1
                }
            }
            #expect(checked == (network is DecoderScalarJudgeNetwork ? 8 : 4))
        }
    }

    /// Every model weight's values, by name, and the adapters'.
    static func snapshot(_ model: LlamaModel) -> [String: [Float]] {
        var all: [String: [Float]] = [:]
        for (name, tensor) in model.parameters { all[name] = tensor.scalars }
        for (name, tensor) in model.loraParameters { all[name] = tensor.scalars }
        return all
    }

    /// Two AdamW steps (weight decay 0: only gradients move values; the second step reaches LoRA's
    /// A, whose gradient is 0 while B is) on L = Σ outputs·w.
    static func step(_ network: some JudgeNetwork, steps: Int = 2, learningRate: Float = 1e-2) throws {
        var adam = try AdamW(configuration: AdamW.Configuration(learningRate: learningRate, weightDecay: 0))
        var rng = SeededRNG(seed: 21)
        let w = Tensor.randomNormal([2, network.outputWidth], using: &rng)
        for _ in 0..<steps {
            let parameters = network.trainableParameters
            parameters.zeroGrad()
            var loss = network.outputs([Self.short, Self.other]).multiplying(w).sum()
            // The cut points enter only ordinal losses, not the outputs.
            if let cutpoints = network.cutpoints { loss = loss + cutpoints.sum() }
            loss.backward()
            try adam.step(parameters, learningRate: learningRate)
        }
    }

    @Test func aStepMovesEveryTrainableParameterAndNoFrozenOne() throws {
        let cases: [(any JudgeNetwork, DecoderBackbone)] = [
            (try Self.scalar(.ordinal, .frozen), .frozen),
            (try Self.scalar(.scalar, .lora(rank: 2, alpha: 4)), .lora(rank: 2, alpha: 4)),
            (try Self.scalar(.classification, .full), .full),
            (try Self.verdict(), .lora(rank: 2, alpha: 4)),
            (try Self.verdict(.full), .full),
        ]
        for (network, backbone) in cases {
            let model =
                (network as? DecoderScalarJudgeNetwork)?.model.model
                ?? (network as? DecoderVerdictJudgeNetwork)?.model.model
            let decoder = try #require(model)
            let trainable = network.trainableParameters
            let names = Set(trainable.names)
            let headNames = trainable.names.filter { $0.hasPrefix("head.") }
            switch backbone {
            case .frozen: #expect(names == Set(headNames) && names.contains("head.cutpoints"))
            case .lora: #expect(names == Set(decoder.loraParameters.names + headNames))
            case .full: #expect(names == Set(decoder.parameters.names + headNames))
            }
            let before = Self.snapshot(decoder)
            let headBefore = trainable.map { ($0.name, $0.tensor.scalars) }
            try Self.step(network)
            for (name, tensor) in decoder.parameters where !names.contains(name) {
                #expect(tensor.grad == nil && !tensor.requiresGrad, "\(name) recorded a gradient")
            }
            let after = Self.snapshot(decoder)
            for (name, values) in before {
                #expect((values != after[name]) == names.contains(name), "\(backbone): \(name)")
            }
            for (name, values) in headBefore where name.hasPrefix("head.") {
                #expect(trainable[name]?.scalars != values, "\(name) did not move")
            }
        }
    }

    @Test func loraTrainedNetworkGivesTheSameOutputsMergedAndUnmerged() throws {
        let scalar = try Self.scalar(.classification, .lora(rank: 2, alpha: 4))
        let verdict = try Self.verdict()
        let cases: [(any JudgeNetwork, LlamaModel)] = [(scalar, scalar.model.model), (verdict, verdict.model.model)]
        for (network, decoder) in cases {
            try Self.step(network, steps: 3, learningRate: 5e-2)
            let texts = [Self.short, Self.long]
            let unmerged = Tensor.noGrad { network.outputs(texts) }.scalars
            decoder.mergeLoRA()
            let merged = Tensor.noGrad { network.outputs(texts) }.scalars
            decoder.unmergeLoRA()
            #expect(Self.maxDifference(unmerged, merged) <= 1e-5, "\(unmerged) vs \(merged)")
            #expect(Self.maxDifference(unmerged, Tensor.noGrad { network.outputs(texts) }.scalars) <= 1e-5)
        }
    }

    @Test func seededInitialisationRepeats() throws {
        let a = try Self.scalar(.classification, .lora(rank: 2, alpha: 4))
        let b = try Self.scalar(.classification, .lora(rank: 2, alpha: 4))
        for ((n1, t1), (n2, t2)) in zip(a.trainableParameters, b.trainableParameters) {
            #expect(n1 == n2 && t1.scalars == t2.scalars)
        }
        let c = try DecoderScalarJudgeNetwork(
            model: Self.model(), head: .classification, levels: 3, backbone: .lora(rank: 2, alpha: 4),
            maxLength: 512, seed: 6)
        #expect(c.trainableParameters["head.weight"]?.scalars != a.trainableParameters["head.weight"]?.scalars)
    }

    @Test func refusalsAreTyped() throws {
        #expect(throws: DecoderJudgeError.unsupportedHead(.verdict)) { try Self.scalar(.verdict, .frozen) }
        #expect(throws: DecoderJudgeError.frozenVerdictJudge) { try Self.verdict(.frozen) }
        #expect(throws: DecoderJudgeError.maxLengthBeyondContext(maxLength: 513, contextLength: 512)) {
            try Self.scalar(.scalar, .frozen, maxLength: 513)
        }
        do {
            _ = try Self.scalar(.scalar, .frozen, maxLength: 20)
            Issue.record("a max length below the template's tokens was accepted")
        } catch let error as DecoderJudgeError {
            guard case .maxLengthTooSmall(20, let needed) = error else { throw error }
            #expect(needed > 20 && error.localizedDescription.contains("--max-length \(needed)"))
        }
        // "good" and "great" both start with the byte "g".
        let labels = Self.rubricYAML.replacingOccurrences(
            of: "type: numeric\n      min: 1\n      max: 3\n      levels:\n        - score: 1\n",
            with: "type: ordinal\n      levels:\n        - label: bad\n"
        ).replacingOccurrences(of: "- score: 2", with: "- label: good").replacingOccurrences(
            of: "- score: 3", with: "- label: great")
        let rubric = try Rubric.parse(labels, format: .yaml)
        #expect(
            throws: DecoderJudgeError.levelTokensNotDistinct(
                criterion: "quality", labels: ["bad", "good", "great"], token: "g")
        ) {
            try DecoderVerdictJudgeNetwork(
                model: Self.model(), rubric: rubric, backbone: .lora(rank: 2, alpha: 4), maxLength: 512, seed: 1)
        }
    }

    /// The trained verdict network's softmax over the levels is what probability-weighted judging
    /// of the merged model reads (LocalChatBackend, top-20 alternatives after "[RESULT] "): every
    /// level within 1e-4 (both fp32 on the same weights; the backend decodes through the KV-cache
    /// path, the network through the batched forward).
    @Test func verdictDistributionIsWhatProbabilityWeightedJudgingReads() async throws {
        let network = try Self.verdict()
        // Cross-entropy on the verdict token (every level, and level 3 / level 1 once more) until
        // the levels lead the vocabulary.
        var adam = try AdamW(configuration: AdamW.Configuration(learningRate: 5e-2, weightDecay: 0))
        let texts = [Self.short, Self.long]
        for _ in 0..<8 {
            let parameters = network.trainableParameters
            parameters.zeroGrad()
            let out = network.outputs(texts)  // (2, 3)
            out.reshaped([6, 1]).embedding([0, 1, 2, 3, 4, 5, 2, 3]).mean().negated().backward()
            try adam.step(parameters, learningRate: 5e-2)
        }
        network.model.model.mergeLoRA()
        let logProbabilities = Tensor.noGrad { network.outputs(texts) }  // (2, 3)
        let backend = try LocalChatBackend(model: network.model, name: "tiny")
        let judge = try RubricJudge.pointwise(
            name: "tiny", rubric: Self.rubric(), backend: backend,
            options: RubricJudgeOptions(
                call: try JudgeCallSettings(maxConcurrency: 1), probabilityWeighted: true, verdictPrefix: "[RESULT] "))
        let samples = texts.enumerated().map { i, t in
            JudgeSample(id: "s\(i)", prompt: t.prompt, response: t.response, reference: t.reference)
        }
        let judgments = await judge.judge(samples)
        #expect(judgments.count == 2)
        for (b, judgment) in judgments.enumerated() {
            let distribution = try #require(judgment.distribution, "\(judgment)")
            let row = logProbabilities.scalars[(3 * b)..<(3 * b + 3)].map(Double.init)
            let mass = row.map { Foundation.exp($0) }.reduce(0, +)
            #expect(mass > 0.1 && distribution.count == 3, "the levels hold p = \(mass) after training")
            for (level, logp) in zip([1.0, 2, 3], row) {
                #expect(abs((distribution[level] ?? 0) - Foundation.exp(logp) / mass) <= 1e-4, "level \(level)")
            }
        }
    }
}

/// Contiguous-run search for the tests.
enum VerdictSearch {
    static func contains(_ needle: [Int], in haystack: [Int]) -> Bool {
        DecoderVerdictJudgeNetwork.find(needle, in: haystack) != nil
    }
}
