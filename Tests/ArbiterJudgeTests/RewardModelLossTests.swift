// RewardModelLossTests: the judge-training losses against TRL 1.9.0's RewardTrainer (the
// reward_model_loss cases of Tests/Fixtures/grpo/trl_grpo.json), against naive Double references
// (forward), and against central differences of those references (gradients, GradientCheck),
// including the ordinal cut points through JudgeHead's ordered parametrisation.
//
// Tolerances. Forward: |Float32 − Double reference| ≤ 1e-5 on O(1) losses: each is a short chain
// (≤ ~20 roundings of 6e-8 relative, transcendental functions within an ulp or two), so the error
// stays near 1e-6. Gradients: |analytic − numeric| ≤ 1e-4 + 1e-3·|numeric|, as the op tests use
// (Float32 backward against Double central differences with error ≪ 1e-8: a 100× margin over the
// noise, while a wrong derivative is off by O(0.1–1)).
import ArbiterCore
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@testable import ArbiterJudge

private let forwardTolerance = 1e-5

private func expectGradients(_ report: GradientCheck.Report, _ what: String) {
    #expect(report.forwardMaxAbs <= forwardTolerance, "\(what): \(report)")
    #expect(report.gradientErrorRatio(absolute: 1e-4, relative: 1e-3) <= 1, "\(what): \(report)")
}

private func normals(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SeededRNG(seed: seed)
    return (0..<count).map { _ in scale * rng.nextNormal() }
}

// MARK: naive Double references

private func logSigmoid(_ x: Double) -> Double { Swift.min(x, 0) - log1p(exp(-abs(x))) }
private func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

private func weightedMean(_ losses: [Double], _ weights: [Float]?) -> Double {
    guard let weights else { return losses.reduce(0, +) / Double(losses.count) }
    let w = weights.map(Double.init)
    return zip(losses, w).reduce(0) { $0 + $1.0 * $1.1 } / w.reduce(0, +)
}

private func referenceDavidson(_ a: [Double], _ b: [Double], _ winners: [PairwiseVerdict], _ logNu: Double) -> [Double]
{
    zip(zip(a, b), winners).map { pair, winner in
        let d = pair.0 - pair.1
        let z = exp(d / 2) + exp(-d / 2) + exp(logNu)
        switch winner {
        case .a: return -log(exp(d / 2) / z)
        case .b: return -log(exp(-d / 2) / z)
        case .tie: return -log(exp(logNu) / z)
        }
    }
}

/// −log(σ(c_j − s) − σ(c_{j−1} − s)) per example, the textbook formula in Double.
private func referenceCumulativeLink(_ s: [Double], _ c: [Double], _ levels: [Int]) -> [Double] {
    zip(s, levels).map { s, j in
        let upper = j < c.count ? sigmoid(c[j] - s) : 1
        let lower = j > 0 ? sigmoid(c[j - 1] - s) : 0
        return -log(upper - lower)
    }
}

/// −log softmax(row)[label] per row of a (N, L) matrix.
private func referenceCrossEntropy(_ x: [Double], width: Int, _ levels: [Int]) -> [Double] {
    levels.enumerated().map { n, j in
        let row = Array(x[(n * width)..<((n + 1) * width)])
        let top = row.max() ?? 0
        return -(row[j] - top - log(row.map { exp($0 - top) }.reduce(0, +)))
    }
}

// MARK: Bradley–Terry against TRL 1.9.0

private struct TRLFixture: Decodable {
    struct Section: Decodable {
        struct Case: Decodable {
            struct Metrics: Decodable {
                let minReward, meanReward, maxReward, accuracy, margin: Double
            }
            let margin: [Float]?
            let centerRewardsCoefficient: Float?
            let loss: Double
            let gradChosen, gradRejected: [Double]
            let metrics: Metrics
        }
        let chosenRewards, rejectedRewards: [Float]
        let cases: [Case]
    }
    /// The reward_model_loss section (the keys are read from snake case).
    let rewardModelLoss: Section

    static func load() throws -> Section {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(TRLFixture.self, from: Fixtures.data("grpo/trl_grpo.json")).rewardModelLoss
    }
}

/// TRL ran in float64 on the rewards 1.2, 0.3, … ; here they are Float32 (relative rounding
/// ≤ 2⁻²⁴ ≈ 6e-8) and the loss and its gradient pass through about ten Float32 operations
/// (subtract, log1p∘exp or σ, a 4-term mean, the centring square), each within an ulp or two, so
/// the expected relative error is a few 1e-7. 1e-6 relative (+ 1e-9 absolute for exact zeros)
/// holds them while any formula difference (the square of the sum vs the sum of squares, a
/// margin of the wrong sign, a sum instead of a mean) moves values by 1e-2 or more.
@Test func bradleyTerryMatchesTRLRewardTrainer() throws {
    let fixture = try TRLFixture.load()
    #expect(fixture.cases.count == 4)
    func close(_ a: Float, _ b: Double) -> Bool { isClose(Double(a), b, absolute: 1e-9, relative: 1e-6) }
    for trl in fixture.cases {
        let n = fixture.chosenRewards.count
        let chosen = Tensor(fixture.chosenRewards, shape: [n], requiresGrad: true)
        let rejected = Tensor(fixture.rejectedRewards, shape: [n], requiresGrad: true)
        let loss = RewardModelLoss.bradleyTerry(
            chosen: chosen, rejected: rejected, margin: trl.margin, centerCoefficient: trl.centerRewardsCoefficient)
        #expect(loss.shape == [])
        loss.backward()
        let label = "margin \(String(describing: trl.margin)), c \(String(describing: trl.centerRewardsCoefficient))"
        #expect(close(loss.scalars[0], trl.loss), "\(label): loss \(loss.scalars[0]) vs \(trl.loss)")
        let gc = try #require(chosen.grad).scalars
        let gr = try #require(rejected.grad).scalars
        #expect(zip(gc, trl.gradChosen).allSatisfy(close), "\(label): ∂/∂chosen \(gc) vs \(trl.gradChosen)")
        #expect(zip(gr, trl.gradRejected).allSatisfy(close), "\(label): ∂/∂rejected \(gr) vs \(trl.gradRejected)")

        let m = RewardModelLoss.bradleyTerryMetrics(chosen: fixture.chosenRewards, rejected: fixture.rejectedRewards)
        let t = trl.metrics
        // The metrics of Float32 rewards against TRL's float64 ones: the same 1e-6 relative.
        #expect(isClose(m.minReward, t.minReward, absolute: 1e-9, relative: 1e-6))
        #expect(isClose(m.meanReward, t.meanReward, absolute: 1e-9, relative: 1e-6))
        #expect(isClose(m.maxReward, t.maxReward, absolute: 1e-9, relative: 1e-6))
        #expect(m.accuracy == t.accuracy)  // 2.0 vs 2.0 counts as wrong: a strict >
        #expect(isClose(m.margin, t.margin, absolute: 1e-9, relative: 1e-6))
    }
}

@Test func bradleyTerryGradientsWithMarginCentringAndWeights() {
    let n = 5
    let margin: [Float] = [0.5, 0, 1, 0.25, -0.3]
    let weights: [Float] = [1, 2, 0.5, 0, 3]
    let c: Float = 0.05
    let report = GradientCheck.check(
        inputs: [(normals(n, seed: 1), [n]), (normals(n, seed: 2), [n, 1])],
        forward: {
            RewardModelLoss.bradleyTerry(
                chosen: $0[0], rejected: $0[1], margin: margin, centerCoefficient: c, weights: weights)
        },
        reference: { x in
            let bt = (0..<n).map { -logSigmoid(x[0][$0] - x[1][$0] - Double(margin[$0])) }
            let centre = (0..<n).map { (x[0][$0] + x[1][$0]) * (x[0][$0] + x[1][$0]) }
            return [weightedMean(bt, weights) + Double(c) * weightedMean(centre, weights)]
        })
    expectGradients(report, "bradleyTerry")
}

@Test func integerWeightsEqualRepeatedExamples() {
    let chosen: [Float] = [0.3, -1.2, 2.0]
    let rejected: [Float] = [0.1, 0.4, -0.5]
    let weighted = RewardModelLoss.bradleyTerry(
        chosen: Tensor(chosen, shape: [3]), rejected: Tensor(rejected, shape: [3]), centerCoefficient: 0.1,
        weights: [2, 1, 3])
    let repeated = RewardModelLoss.bradleyTerry(
        chosen: Tensor([0.3, 0.3, -1.2, 2.0, 2.0, 2.0], shape: [6]),
        rejected: Tensor([0.1, 0.1, 0.4, -0.5, -0.5, -0.5], shape: [6]), centerCoefficient: 0.1)
    // Two Float32 sums of a few O(1) terms in different orders: a few ulps apart.
    #expect(isClose(Double(weighted.scalars[0]), Double(repeated.scalars[0]), absolute: 1e-6))
}

// MARK: Davidson ties

private let davidsonWinners: [PairwiseVerdict] = [.a, .b, .tie, .a, .tie, .b]

@Test func davidsonForwardAndGradients() {
    let n = davidsonWinners.count
    let weights: [Float] = [1, 0.5, 2, 1, 1.5, 0.25]
    for w in [nil, weights] {
        let report = GradientCheck.check(
            inputs: [(normals(n, seed: 3), [n]), (normals(n, seed: 4), [n]), ([-0.7], [1])],
            forward: {
                RewardModelLoss.davidson(
                    scoreA: $0[0], scoreB: $0[1], winners: davidsonWinners, logTieStrength: $0[2], weights: w)
            },
            reference: { x in [weightedMean(referenceDavidson(x[0], x[1], davidsonWinners, x[2][0]), w)] })
        expectGradients(report, "davidson, weights \(String(describing: w))")
    }
}

@Test func davidsonWithoutTiesIsBradleyTerryAsTieStrengthVanishes() {
    let winners: [PairwiseVerdict] = [.a, .b, .b, .a]
    let a = normals(4, seed: 5, scale: 2)
    let b = normals(4, seed: 6, scale: 2)
    let sa = Tensor(a, shape: [4], requiresGrad: true)
    let sb = Tensor(b, shape: [4], requiresGrad: true)
    let davidson = RewardModelLoss.davidson(
        scoreA: sa, scoreB: sb, winners: winners, logTieStrength: Tensor([-40], shape: [1]))
    davidson.backward()
    let chosen = zip(zip(a, b), winners).map { $1 == .a ? $0.0 : $0.1 }
    let rejected = zip(zip(a, b), winners).map { $1 == .a ? $0.1 : $0.0 }
    let bt = RewardModelLoss.bradleyTerry(chosen: Tensor(chosen, shape: [4]), rejected: Tensor(rejected, shape: [4]))
    // ν = e^−40 ≈ 4e-18 changes Z by far less than one Float32 ulp: the two agree to rounding.
    #expect(isClose(Double(davidson.scalars[0]), Double(bt.scalars[0]), absolute: 1e-6))
    // ∂/∂s_A = −(1/N)·(1 − σ(d)) for an A win, +(1/N)·σ(d) for a B win (d = s_A − s_B).
    let expected = (0..<4).map { i -> Double in
        let d = Double(a[i] - b[i])
        return winners[i] == .a ? -(1 - sigmoid(d)) / 4 : sigmoid(d) / 4
    }
    #expect(maxAbsDifference(sa.grad?.scalars ?? [], expected) < 1e-6)
    #expect(maxAbsDifference(sb.grad?.scalars ?? [], expected.map { -$0 }) < 1e-6)
}

@Test func davidsonProbabilitiesMatchTheNaiveFormula() {
    for (d, logNu) in [(0.0, 0.0), (1.3, -0.5), (-2.2, 1.1), (0.4, -30)] as [(Double, Double)] {
        let p = RewardModelLoss.davidsonProbabilities(difference: Float(d), logTieStrength: Float(logNu))
        let z = exp(d / 2) + exp(-d / 2) + exp(logNu)
        // Float inputs (d, log ν exact here up to 6e-8 relative) read in Double: agree to 1e-7.
        #expect(isClose(p.a, exp(d / 2) / z, absolute: 1e-7))
        #expect(isClose(p.b, exp(-d / 2) / z, absolute: 1e-7))
        #expect(isClose(p.tie, exp(logNu) / z, absolute: 1e-7))
        #expect(isClose(p.a + p.b + p.tie, 1, absolute: 1e-12))
    }
    // At d = 0 the tie takes ν / (2 + ν); huge differences stay finite and certain.
    #expect(
        isClose(RewardModelLoss.davidsonProbabilities(difference: 0, logTieStrength: 0).tie, 1.0 / 3, absolute: 1e-12))
    let far = RewardModelLoss.davidsonProbabilities(difference: 5000, logTieStrength: 0)
    #expect(far.a == 1 && far.b == 0 && far.tie == 0)
}

// MARK: mean squared error

@Test func meanSquaredErrorForwardAndGradients() {
    let targets: [Float] = [1, 2, 3, 4, 5]
    let cases: [(shape: [Int], weights: [Float]?)] = [([5], nil), ([5, 1], [1, 0, 2, 0.5, 1])]
    for (shape, w) in cases {
        let report = GradientCheck.check(
            inputs: [(normals(5, seed: 7, scale: 3), shape)],
            forward: { RewardModelLoss.meanSquaredError(predicted: $0[0], targets: targets, weights: w) },
            reference: { x in [weightedMean(zip(x[0], targets).map { ($0 - Double($1)) * ($0 - Double($1)) }, w)] })
        // Squared errors up to ~50: the forward tolerance scales with them (1e-5 relative).
        #expect(report.forwardMaxAbs <= 5e-4, "\(report)")
        #expect(report.gradientErrorRatio(absolute: 1e-4, relative: 1e-3) <= 1, "\(report)")
    }
}

// MARK: cumulative link

private let ordinalLevels = [0, 1, 2, 3, 1, 2, 0]  // L = 4, every level present
private let ordinalCutpoints: [Float] = [-1.1, 0.2, 1.3]

@Test func cumulativeLinkForwardAndGradients() {
    let n = ordinalLevels.count
    for w in [nil, [1, 2, 0.5, 1, 0, 3, 1] as [Float]?] {
        let report = GradientCheck.check(
            inputs: [(normals(n, seed: 8, scale: 1.5), [n]), (ordinalCutpoints, [3])],
            forward: {
                RewardModelLoss.cumulativeLink(scores: $0[0], cutpoints: $0[1], levels: ordinalLevels, weights: w)
            },
            reference: { x in [weightedMean(referenceCumulativeLink(x[0], x[1], ordinalLevels), w)] })
        expectGradients(report, "cumulativeLink, weights \(String(describing: w))")
    }
}

@Test func cumulativeLinkWithTwoLevelsIsLogistic() {
    // L = 2: P(y = 1) = σ(s − c₀), so the loss is Bradley–Terry of s against c₀.
    let s: [Float] = [0.4, -1.0, 2.5]
    let levels = [1, 0, 1]
    let loss = RewardModelLoss.cumulativeLink(
        scores: Tensor(s, shape: [3, 1]), cutpoints: Tensor([0.3], shape: [1]), levels: levels)
    let expected = zip(s, levels).map { -logSigmoid(($1 == 1 ? 1 : -1) * (Double($0) - 0.3)) }.reduce(0, +) / 3
    #expect(isClose(Double(loss.scalars[0]), expected, absolute: 1e-6))
}

@Test func cumulativeLinkGradientsThroughJudgeHeadCutpoints() {
    // θ → c₀ = θ₀, cᵢ = cᵢ₋₁ + softplus(θᵢ) → loss: the gradient reaches the head's parameters.
    let n = ordinalLevels.count
    let report = GradientCheck.check(
        inputs: [(normals(n, seed: 9), [n]), ([-0.8, 0.3, -1.2], [3])],
        forward: { x in
            let head = JudgeHead(
                kind: .ordinal, weight: .zeros([1, 2]), bias: .zeros([1]), cutpointParameters: x[1])
            return RewardModelLoss.cumulativeLink(scores: x[0], cutpoints: head.cutpoints!, levels: ordinalLevels)
        },
        reference: { x in
            var c = [x[1][0]]
            for i in 1..<x[1].count { c.append(c[i - 1] + log1p(exp(x[1][i]))) }
            return [weightedMean(referenceCumulativeLink(x[0], c, ordinalLevels), nil)]
        })
    expectGradients(report, "cumulativeLink through JudgeHead.cutpoints")
}

@Test func cumulativeLinkStaysFiniteFarFromItsCutpoints() {
    // s = ±60 against cut points near 0: a middle level's probability is ~e^−60, where the plain
    // difference of two Float32 sigmoids is 0 (−log 0 = ∞). The stable form keeps the exact value.
    let scores: [Float] = [60, -60, 60, -60]
    let levels = [1, 2, 3, 0]
    let loss = RewardModelLoss.cumulativeLink(
        scores: Tensor(scores, shape: [4]), cutpoints: Tensor(ordinalCutpoints, shape: [3]), levels: levels)
    let reference = (0..<4).map { i -> Double in
        // log(σ(a) − σ(b)) = log σ(a) + log σ(−b) + log(1 − e^{b−a}), in Double.
        let s = Double(scores[i])
        let c = ordinalCutpoints.map(Double.init)
        let j = levels[i]
        let up = j < 3 ? logSigmoid(c[j] - s) : 0
        let down = j > 0 ? logSigmoid(s - c[j - 1]) : 0
        let gap = j > 0 && j < 3 ? log(-expm1(-(c[j] - c[j - 1]))) : 0
        return -(up + down + gap)
    }
    let expected = reference.reduce(0, +) / 4
    #expect(loss.scalars[0].isFinite)
    // ~60 per example: the Float32 relative error (~1e-6) sets the tolerance.
    #expect(
        isClose(Double(loss.scalars[0]), expected, absolute: 0, relative: 1e-5), "\(loss.scalars[0]) vs \(expected)")
}

@Test func cumulativeLinkKeepsNarrowMiddleLevelsPrecise() {
    // A middle level between cut points 1e-3 apart: 1 − e^{−g} formed in Float32 would keep only
    // ~3 digits (its spacing near 1 is 6e-8 against 1e-3, an error of ~6e-5 in the log); the
    // tanh form keeps Float32's relative precision, so the loss matches Double to ~1e-6.
    let cutpoints: [Float] = [-0.5, -0.499, 1]
    let scores: [Float] = [-0.4, 0.3, -2]
    let loss = RewardModelLoss.cumulativeLink(
        scores: Tensor(scores, shape: [3]), cutpoints: Tensor(cutpoints, shape: [3]), levels: [1, 1, 1])
    let c = cutpoints.map(Double.init)
    let expected =
        scores.map { s -> Double in
            let s = Double(s)
            return -(logSigmoid(c[1] - s) + logSigmoid(s - c[0]) + log(-expm1(-(c[1] - c[0]))))
        }.reduce(0, +) / 3
    #expect(isClose(Double(loss.scalars[0]), expected, absolute: 5e-6), "\(loss.scalars[0]) vs \(expected)")
}

@Test func cumulativeLinkCoincidingCutpointsAreFloored() {
    // A middle level between equal cut points has probability 0: the loss is large but finite,
    // and so is its gradient.
    let scores = Tensor([0.5], shape: [1], requiresGrad: true)
    let cutpoints = Tensor([0, 0, 1], shape: [3], requiresGrad: true)
    let loss = RewardModelLoss.cumulativeLink(scores: scores, cutpoints: cutpoints, levels: [1])
    loss.backward()
    #expect(loss.scalars[0].isFinite && loss.scalars[0] > 60)
    let gradients = (scores.grad?.scalars ?? [.nan]) + (cutpoints.grad?.scalars ?? [.nan])
    #expect(gradients.allSatisfy { $0.isFinite }, "\(gradients)")
}

@Test func cumulativeLinkProbabilitiesAndExpectedLevel() {
    let scores: [Float] = [-2, 0.1, 0.9, 3]
    for s in scores {
        let p = RewardModelLoss.cumulativeLinkProbabilities(score: s, cutpoints: ordinalCutpoints)
        #expect(p.count == 4)
        #expect(isClose(p.reduce(0, +), 1, absolute: 1e-12))
        // Each probability is exp(−loss) of its level (Float32 loss: 1e-6 relative).
        for j in 0..<4 {
            let loss = RewardModelLoss.cumulativeLink(
                scores: Tensor([s], shape: [1]), cutpoints: Tensor(ordinalCutpoints, shape: [3]), levels: [j])
            #expect(isClose(exp(-Double(loss.scalars[0])), p[j], absolute: 1e-9, relative: 1e-5))
        }
        let expected = RewardModelLoss.cumulativeLinkExpectedLevel(score: s, cutpoints: ordinalCutpoints)
        #expect(isClose(expected, p.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element }, absolute: 1e-12))
    }
    // The expected level rises with the score (proportional odds) and spans 0...L − 1.
    let levels = scores.map { RewardModelLoss.cumulativeLinkExpectedLevel(score: $0, cutpoints: ordinalCutpoints) }
    #expect(zip(levels, levels.dropFirst()).allSatisfy { $0 < $1 })
    #expect(RewardModelLoss.cumulativeLinkExpectedLevel(score: -100, cutpoints: ordinalCutpoints) < 1e-9)
    #expect(RewardModelLoss.cumulativeLinkExpectedLevel(score: 100, cutpoints: ordinalCutpoints) > 3 - 1e-9)
}

// MARK: classification and verdict

private let classLevels = [2, 0, 1, 2, 0]
private let classWeights: [Float] = [1, 3, 0.5, 0, 2]

@Test func classificationForwardAndGradients() {
    let n = classLevels.count
    for w in [nil, classWeights] {
        let report = GradientCheck.check(
            inputs: [(normals(n * 3, seed: 10, scale: 2), [n, 3])],
            forward: { RewardModelLoss.classification(logits: $0[0], levels: classLevels, weights: w) },
            reference: { x in [weightedMean(referenceCrossEntropy(x[0], width: 3, classLevels), w)] })
        expectGradients(report, "classification, weights \(String(describing: w))")
    }
}

@Test func verdictForwardAndGradients() {
    let n = classLevels.count
    // Log-probabilities of 3 verdict tokens under a vocabulary of 5 (so rows sum below 1).
    let vocabulary = normals(n * 5, seed: 11, scale: 2)
    let logProbabilities = Tensor(vocabulary, shape: [n, 5]).logSoftmax().slice(alongAxis: 1, 0..<3).scalars
    for w in [nil, classWeights] {
        let report = GradientCheck.check(
            inputs: [(logProbabilities, [n, 3])],
            forward: { RewardModelLoss.verdict(logProbabilities: $0[0], levels: classLevels, weights: w) },
            reference: { x in [weightedMean(classLevels.enumerated().map { -x[0][$0.offset * 3 + $0.element] }, w)] })
        expectGradients(report, "verdict, weights \(String(describing: w))")
    }
}
