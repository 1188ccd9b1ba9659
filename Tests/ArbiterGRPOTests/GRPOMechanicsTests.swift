// GRPOMechanicsTests: the policy-gradient path through a tiny model against finite differences
// (the surrogate Σ stats · ∂loss/∂stats must give d loss / d weight), dynamic sampling, the trust
// gate over a saved audit, and the hacking monitor's alarm.
import ArbiterAgreement
import ArbiterModels
import ArbiterReward
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@testable import ArbiterGRPO

/// ASCII share for the prompt "hello", a constant 0.5 for every other prompt.
struct HelloOnlyReward: RewardFunction {
    let name = "hello"
    func score(_ batch: RewardBatch) async throws -> RewardScores {
        RewardScores(
            values: zip(batch.prompts, batch.completionTokenIDs).map { prompt, ids in
                prompt == "hello" ? Double(ids.filter { $0 < 128 }.count) / Double(max(ids.count, 1)) : 0.5
            })
    }
}

@Suite(.serialized) struct GRPOMechanicsTests {
    @Test(arguments: [PolicyLossType.dapo, .grpo, .drGRPO])
    func policyGradientThroughTinyModelMatchesFiniteDifferences(lossType: PolicyLossType) throws {
        var c = try GRPOTrainerTests.configuration(dir: try GRPOTrainerTests.temporaryDirectory("fd"), maxSteps: 1)
        c.lossType = lossType
        c.beta = 0.04
        c.delta = 1.5
        c.temperature = 0.9
        let trainer = try GRPOTrainerTests.trainer(c)
        let tokenizer = trainer.policy.language.tokenizer
        let prompts = ["hello", "ab"].map { tokenizer.encode($0) }
        let completions = [[104, 105, 33], [120, 121], [65, 66, 67, 68], [97]]
        let batch = GRPOBatch(
            promptIDs: [prompts[0], prompts[0], prompts[1], prompts[1]], completions: completions,
            mask: completions.map { Array(repeating: true, count: $0.count) }, advantages: [0.8, -0.5, 0.3, -0.6],
            rolloutEntropies: completions.map { Array(repeating: 0, count: $0.count) }, metrics: [:])
        // Old and reference log-probs a little off the current ones: ratios ≠ 1 inside the clip range.
        let current = Tensor.noGrad {
            GRPOPolicy.column(
                trainer.policy.tokenStatistics(prompts: batch.promptIDs, completions: completions), 0)
        }
        let currentRows = GRPOTrainer.split(current, lengths: completions.map(\.count))
        let old = currentRows.enumerated().map { b, row in row.enumerated().map { $1 + 0.03 * Float((b + $0) % 3 - 1) }
        }
        let ref = currentRows.enumerated().map { b, row in row.enumerated().map { $1 - 0.2 + 0.1 * Float((b * $0) % 2) }
        }
        let parameters = trainer.policy.trainableParameters
        parameters.zeroGrad()
        let items = Double(completions.map(\.count).reduce(0, +))
        for range in [0..<2, 2..<4] {
            _ = trainer.backpropagate(
                batch: batch, range: range, old: old, reference: ref, itemsInBatch: items, microBatches: 2)
        }
        func loss() -> Double {
            Tensor.noGrad {
                [0..<2, 2..<4].map {
                    trainer.backpropagate(
                        batch: batch, range: $0, old: old, reference: ref, itemsInBatch: items, microBatches: 2
                    ).loss
                }.reduce(0, +)
            }
        }
        let probes: [(String, Int)] = [
            ("blk.0.attn_q.weight", 17), ("blk.0.ffn_down.weight", 40), ("blk.0.attn_v.weight", 3),
            ("token_embd.weight", 104 * 16 + 5), ("output_norm.weight", 7), ("blk.0.ffn_gate.weight", 100),
        ]
        for (name, index) in probes {
            let tensor = try #require(parameters[name])
            let analytic = Double(try #require(tensor.grad).scalars[index])
            let h: Float = 2e-3
            let saved = tensor.storage[index]
            tensor.storage[index] = saved + h
            let plus = loss()
            tensor.storage[index] = saved - h
            let minus = loss()
            tensor.storage[index] = saved
            let numeric = (plus - minus) / Double(2 * h)
            #expect(
                abs(analytic - numeric) <= 2e-4 + 2e-2 * abs(numeric),
                "\(lossType) \(name)[\(index)]: analytic \(analytic), numeric \(numeric)")
        }
    }

    /// Rows with advantage 0 skip the forward (β = 0, μ = 1): the loss, the gradient and the
    /// clip metrics equal the full forward's; the entropy metric uses the rollout's entropies.
    @Test(arguments: [PolicyLossType.dapo, .grpo, .bnpo, .drGRPO, .cispo, .sapo])
    func zeroAdvantageRowsSkipTheForwardWithTheSameGradient(lossType: PolicyLossType) throws {
        var c = try GRPOTrainerTests.configuration(dir: try GRPOTrainerTests.temporaryDirectory("skip"), maxSteps: 1)
        c.lossType = lossType
        c.beta = 0
        c.numIterations = 1
        c.temperature = 0.9
        var full = c
        full.skipZeroAdvantageRows = false
        #expect(c.skipsZeroAdvantageRows && !full.skipsZeroAdvantageRows)
        let skipping = try GRPOTrainerTests.trainer(c)
        let reference = try GRPOTrainerTests.trainer(full)
        let tokenizer = skipping.policy.language.tokenizer
        let prompts = ["hello", "ab"].map { tokenizer.encode($0) }
        let completions = [[104, 105, 33], [120, 121], [65, 66, 67, 68], [97], [98, 99]]
        let promptIDs = [prompts[0], prompts[0], prompts[1], prompts[1], prompts[1]]
        let entropies = Tensor.noGrad {
            GRPOPolicy.column(skipping.policy.tokenStatistics(prompts: promptIDs, completions: completions), 1)
        }
        let batch = GRPOBatch(
            promptIDs: promptIDs, completions: completions,
            mask: completions.map { Array(repeating: true, count: $0.count) }, advantages: [0.8, 0, -0.3, 0, 0],
            rolloutEntropies: GRPOTrainer.split(entropies, lengths: completions.map(\.count)), metrics: [:])
        let items = Double(completions.map(\.count).reduce(0, +))
        var results: [[PolicyLossResult]] = []
        var gradients: [[String: [Float]]] = []
        for trainer in [skipping, reference] {
            let parameters = trainer.policy.trainableParameters
            parameters.zeroGrad()
            results.append(
                [0..<3, 3..<5].map {  // the second micro-batch is all zero: no forward at all when skipping
                    trainer.backpropagate(
                        batch: batch, range: $0, old: nil, reference: nil, itemsInBatch: items, microBatches: 2)
                })
            var grads: [String: [Float]] = [:]
            for name in ["blk.0.attn_q.weight", "blk.0.ffn_down.weight", "token_embd.weight", "output_norm.weight"] {
                grads[name] = try #require(parameters[name]?.grad).scalars
            }
            gradients.append(grads)
        }
        for (a, b) in zip(results[0], results[1]) {
            #expect(abs(a.loss - b.loss) <= 1e-6 * max(1, abs(b.loss)), "\(lossType) loss \(a.loss) vs \(b.loss)")
            for (key, value) in b.metrics {
                let other = try #require(a.metrics[key], "\(key) missing")
                let tolerance = key == "entropy" ? 1e-5 : 0
                #expect(
                    abs(other - value) <= tolerance || (other.isNaN && value.isNaN),
                    "\(lossType) \(key) \(other) vs \(value)")
            }
        }
        for (name, expected) in gradients[1] {
            let got = try #require(gradients[0][name])
            let scale = expected.map { abs($0) }.max() ?? 0
            #expect(scale > 0, "\(name): the non-zero rows give a gradient")
            let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= 1e-5 * scale, "\(lossType) \(name): max |Δ| \(worst) of scale \(scale)")
        }
    }

    @Test func dynamicSamplingDropsGroupsWithoutSignal() async throws {
        var c = try GRPOTrainerTests.configuration(dir: try GRPOTrainerTests.temporaryDirectory("dyn"), maxSteps: 1)
        c.dynamicSampling = true
        c.maxResampleRounds = 12
        c.numGenerations = 4
        c.promptsPerStep = 2
        let language = try LanguageModel.load(try GRPOTrainerTests.modelFile.get(), options: .exact)
        let data = try PromptDataset.load(c.trainData, promptField: c.promptField)
        let trainer = try GRPOTrainer(configuration: c, language: language, dataset: data, rewards: [HelloOnlyReward()])
        var state = try trainer.freshState()
        let batch = try await trainer.collectBatch(step: 1, state: &state)
        #expect(batch.completions.count == 8)  // P groups of G, whatever was dropped
        let dropped = try #require(batch.metrics["dynamic_sampling/dropped_groups"])
        let rounds = try #require(batch.metrics["dynamic_sampling/rounds"])
        #expect(dropped >= 1 && rounds >= 2, "dropped \(dropped) in \(rounds) rounds")
        #expect(state.dataPosition == 2 + Int(dropped))  // every drawn prompt was kept or dropped
        // The kept groups are the informative ones ("hello"): no zero-std group when two were found.
        #expect(batch.metrics["frac_reward_zero_std"] == 0)
    }

    @Test func trustGateRefusesAJudgeWhoseAuditFails() throws {
        let dir = try GRPOTrainerTests.temporaryDirectory("gate")
        func audit(alpha: Double) throws -> URL {
            let url = dir.appendingPathComponent("audit-\(alpha).json")
            let json = """
                {"arbiter_audit_version": 2, "judges": {"trained:j": {"criteria": {"consistency": \
                {"krippendorff_alpha": {"value": \(alpha), "ci_low": \(alpha - 0.1), "ci_high": \(alpha + 0.1)}}}}}}
                """
            try Data(json.utf8).write(to: url)
            return url
        }
        var spec = GRPORewardSpec(name: "judge", kind: .judge("trained:/nonexistent"))
        spec.require = "alpha>=0.6"
        spec.audit = try audit(alpha: 0.31)
        var c = try GRPOTrainerTests.configuration(dir: dir, maxSteps: 1)
        c.rewards = [spec]
        do {
            _ = try GRPOTrainer.prepare(c)
            Issue.record("a judge below its gate was accepted")
        } catch let refusal as GRPOTrustGateRefusal {
            #expect(refusal.reward == "judge")
            #expect(refusal.evidence.contains("FAIL") && refusal.evidence.contains("0.31"), "\(refusal.evidence)")
            #expect(refusal.localizedDescription.contains("--force"))
        }
        spec.audit = try audit(alpha: 0.72)
        #expect(try spec.trustGateResult()?.passed == true)
        spec.require = "alpha.ci_low>=0.7"
        #expect(try spec.trustGateResult()?.passed == false)
        #expect(throws: AuditError.self) {
            try TrustGate(parsing: "alpha>=0.6").evaluate(reportJSON: Data("{}".utf8), source: "x.json")
        }
    }

    @Test func hackingMonitorFiresWhenTheJudgeRisesAndTheCheckFalls() {
        let judge = GRPORewardSpec(name: "judge", kind: .judge("trained:x"))
        let check = GRPORewardSpec(name: "exact", kind: .verifier("exact-match"))
        var monitor = GRPOMonitor(specs: [judge, check], window: 3, history: [])
        var warnings: [String?] = []
        for step in 1...5 {
            var m: [String: Double] = [
                "step": Double(step), "rewards/judge/mean": 0.2 * Double(step),
                "rewards/exact/mean": step <= 2 ? 0.5 : 0.5 - 0.1 * Double(step), "completions/mean_length": 10,
            ]
            warnings.append(monitor.observe(step: step, metrics: &m))
            #expect(m["monitor/judge_minus_exact"] != nil)
        }
        #expect(warnings[0] == nil && warnings[1] == nil)
        #expect(warnings[4]?.contains("judge rises") == true)
        // Both rising: no alarm.
        var calm = GRPOMonitor(specs: [judge, check], window: 3, history: [])
        for step in 1...5 {
            var m: [String: Double] = [
                "step": Double(step), "rewards/judge/mean": Double(step), "rewards/exact/mean": Double(step),
            ]
            #expect(calm.observe(step: step, metrics: &m) == nil && m["monitor/hacking_alarm"] == 0)
        }
    }
}
