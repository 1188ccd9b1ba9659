// PolicyLossParityTests: every GRPO loss type, option and metric against TRL 1.9.0's
// `_compute_loss` (214 cases) and RLOO's (4 cases) in Tests/Fixtures/grpo/trl_grpo.json, the
// issue's loss claims by name, and central finite differences of the hand-derived gradients.
// Tolerances: Double loss/gradient/metrics to 1e-12 relative (floor 1e-3, so ~1e-15 absolute near
// 0); float32 clip metrics bit-exact; finite differences (h = 1e-6) to 1e-7 relative (floor 1e-2).
import ArbiterGRPO
import Testing

@Suite struct PolicyLossParityTests {
    /// |a − b| ≤ 1e-12 · max(|b|, 1e-3).
    static func close(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= 1e-12 * max(abs(b), 1e-3)
    }

    @Test func everyGRPOLossCaseMatchesTRL() throws {
        let loss = try GRPOFixture.load().grpoLoss
        #expect(loss.cases.count == 214 && loss.numProcesses == 1)
        for c in loss.cases {
            let fixture = try #require(loss.fixtures[c.fixture])
            let configuration = c.config.configuration(maxCompletionLength: loss.maxCompletionLength)
            let inputs = fixture.inputs(oldGiven: c.config.numIterations > 1, referenceGiven: c.config.beta != 0)
            let got = GRPO.policyLoss(inputs, configuration)
            let label = "\(c.fixture) \(c.config.label)"
            #expect(Self.close(got.loss, c.loss), "\(label): loss \(got.loss) vs \(c.loss)")
            let expected = c.gradPerTokenLogps.flatMap { $0 }
            let worst = zip(got.gradLogProbs, expected).filter { !Self.close($0, $1) }
            #expect(worst.isEmpty, "\(label): gradient \(got.gradLogProbs) vs \(expected)")
            #expect((got.gradEntropies != nil) == (c.config.entropyCoef != nil), "\(label)")
            #expect(Set(got.metrics.keys) == Set(c.metrics.keys), "\(label): \(got.metrics.keys.sorted())")
            for (key, value) in c.metrics {
                let value = value ?? .nan
                let mine = got.metrics[key] ?? -1
                let ok = key.contains("clip") ? mine == value : Self.close(mine, value)
                #expect(ok, "\(label) \(key): \(mine) vs \(value)")
            }
        }
    }

    @Test func everyRLOOLossCaseMatchesTRL() throws {
        let fixture = try GRPOFixture.load()
        let main = try #require(fixture.grpoLoss.fixtures["main"])
        #expect(fixture.rlooLoss.cases.count == 4)
        for c in fixture.rlooLoss.cases {
            var inputs = main.inputs(oldGiven: false, referenceGiven: false)
            inputs.advantages = c.advantages
            let got = GRPO.rlooLoss(
                inputs, oldSequenceLogProbs: c.oldLogps, epsilon: c.config.epsilon, epsilonHigh: c.config.epsilonHigh)
            #expect(Self.close(got.loss, c.loss), "\(c.config.oldLogps): \(got.loss) vs \(c.loss)")
            let expected = c.gradPerTokenLogps.flatMap { $0 }
            #expect(zip(got.gradLogProbs, expected).allSatisfy { Self.close($0, $1) }, "\(got.gradLogProbs)")
            #expect(Set(got.metrics.keys) == Set(c.metrics.keys))
            for (key, value) in c.metrics {
                let mine = got.metrics[key] ?? -1
                #expect(key.contains("clip") ? mine == value : Self.close(mine, value ?? .nan), "\(key)")
            }
        }
    }

    // MARK: the loss claims

    /// Step 0 (β = 0, μ = 1, ratio 1): every token's loss is −A, so dapo's loss is
    /// −Σ_b A_b·len_b / Σ len = −a(10 − 20 + 10 − 20)/60 = a/3 = +0.2886.
    @Test func dapoLossAtStepZeroIsPlus02886() {
        let a = Double(Float(0.8658754229545593))
        let lengths = [10, 20, 10, 20]
        let t = 20
        let inputs = PolicyLossInputs(
            batchSize: 4, positions: t, logProbs: (0..<4 * t).map { -0.5 - Double($0 % 7) / 10 },
            mask: lengths.flatMap { length in (0..<t).map { $0 < length } }, advantages: [a, -a, a, -a],
            itemsInBatch: 60)
        let got = GRPO.policyLoss(inputs, PolicyLossConfiguration(lossType: .dapo, maxCompletionLength: t))
        #expect(abs(got.loss - a / 3) < 1e-12)
        #expect(abs(got.loss - 0.2886) < 5e-5)
        #expect(abs(got.gradLogProbs[0] + a / 60) < 1e-15 && abs(got.gradLogProbs[t + 19] - a / 60) < 1e-15)
        #expect(got.gradLogProbs[10] == 0)
    }

    /// β = 0, one iteration, a full group with equal lengths: the grpo loss is exactly 0 but each
    /// token's gradient is −A/(T·B).
    @Test func grpoLossOfFullGroupIsZeroWithNonZeroGradient() throws {
        let fixture = try #require(try GRPOFixture.load().grpoLoss.fixtures["equal_lengths"])
        let inputs = fixture.inputs(oldGiven: false, referenceGiven: false)
        let got = GRPO.policyLoss(inputs, PolicyLossConfiguration(lossType: .grpo, maxCompletionLength: 8))
        #expect(got.loss == 0)
        let a = fixture.advantages[0]
        #expect(got.gradLogProbs.allSatisfy { abs(abs($0) - a / 24) < 1e-15 })
        #expect(abs(got.gradLogProbs[0] + 0.0360781) < 1e-7)
    }

    // MARK: finite differences

    /// Configurations with every gradient path: delta, sequence level, k3 KL with and without bias
    /// correction, luspo's unmasked mean, cispo/vespo's detached weights, sapo, the entropy bonus.
    static let gradientConfigurations: [PolicyLossConfiguration] = [
        .init(lossType: .dapo, epsilonHigh: 0.28, delta: 1.5, maxCompletionLength: 8),
        .init(lossType: .grpo, importanceSamplingLevel: .sequence, maxCompletionLength: 8),
        .init(lossType: .grpo, beta: 0.04, useBiasCorrectionKL: true, maxCompletionLength: 8),
        .init(lossType: .bnpo, beta: 0.04, importanceSamplingLevel: .sequence, maxCompletionLength: 8),
        .init(
            lossType: .drGRPO, beta: 0.04, importanceSamplingLevel: .sequence, useBiasCorrectionKL: true,
            maxCompletionLength: 8),
        .init(lossType: .luspo, beta: 0.04, maxCompletionLength: 8),
        .init(lossType: .luspo, importanceSamplingLevel: .sequence, maxCompletionLength: 8),
        .init(lossType: .cispo, epsilonHigh: 5, maxCompletionLength: 8),
        .init(lossType: .sapo, beta: 0.04, importanceSamplingLevel: .sequence, maxCompletionLength: 8),
        .init(lossType: .vespo, maxCompletionLength: 8),
        .init(lossType: .dapo, entropyCoefficient: 0.01, maxCompletionLength: 8),
        .init(lossType: .grpo, beta: 0.04, entropyCoefficient: 0.01, maxCompletionLength: 8),
    ]

    @Test(arguments: gradientConfigurations)
    func gradientMatchesFiniteDifferences(_ configuration: PolicyLossConfiguration) throws {
        let fixture = try #require(try GRPOFixture.load().grpoLoss.fixtures["main"])
        var inputs = fixture.inputs(oldGiven: true, referenceGiven: true)
        inputs.gradientAccumulationSteps = 2  // exercises the accumulation divisor
        let got = GRPO.policyLoss(inputs, configuration)
        let h = 1e-6
        func difference(_ change: (inout PolicyLossInputs, Double) -> Void) -> Double {
            var plus = inputs
            var minus = inputs
            change(&plus, h)
            change(&minus, -h)
            return (GRPO.policyLoss(plus, configuration).loss - GRPO.policyLoss(minus, configuration).loss) / (2 * h)
        }
        // cispo and vespo weight logp by a detached function of the ratio (TRL's surrogate): move the
        // old log-prob with logp so the ratio, and that weight, stay fixed.
        let detachedWeight = [.cispo, .vespo].contains(configuration.lossType)
        for i in inputs.logProbs.indices {
            let numeric = difference { inputs, step in
                inputs.logProbs[i] += step
                if detachedWeight { inputs.oldLogProbs![i] += step }
            }
            #expect(abs(numeric - got.gradLogProbs[i]) <= 1e-7 * max(abs(numeric), 1e-2), "logp \(i)")
        }
        if configuration.entropyCoefficient != 0 {
            let gradEntropies = try #require(got.gradEntropies)
            for i in inputs.logProbs.indices {
                let numeric = difference { $0.entropies![i] += $1 }
                #expect(abs(numeric - gradEntropies[i]) <= 1e-7 * max(abs(numeric), 1e-2), "entropy \(i)")
            }
        } else {
            #expect(got.gradEntropies == nil)
        }
    }
}
