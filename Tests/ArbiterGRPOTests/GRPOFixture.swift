// GRPOFixture: Tests/Fixtures/grpo/trl_grpo.json (TRL 1.9.0's own values; see its README) decoded
// with JSONDecoder, which reads every digit (JSONSerialization's NSDecimalNumber loses the last
// bits of float32 decimals). `null` (NaN) decodes as nil. Not here: any comparison (the tests).
import ArbiterGRPO
import ArbiterTestSupport
import Foundation

struct GRPOFixture: Decodable {
    struct AdvantageCase: Decodable {
        var name: String
        var numGenerations: Int
        var rewardFuncNames: [String]
        var rewardFuncOutputs: [[Double?]]  // (K)(B)
        var rewardWeights: [Double]?
        var multiObjectiveAggregation: String?
        var scaleRewards: String?
        var normalizeAdvantages: Bool?
        var beta: Double?
        var advantages: [Double]  // (B) float32 values
        var advantagesF64: [Double]  // (B)
        var metrics: [String: Double?]

        /// (B)(K): the function outputs transposed to rows.
        var rows: [[Double?]] {
            (0..<rewardFuncOutputs[0].count).map { i in rewardFuncOutputs.map { $0[i] } }
        }

        var label: String {
            [name, multiObjectiveAggregation, scaleRewards, normalizeAdvantages.map { "normalize=\($0)" }]
                .compactMap { $0 }.joined(separator: "/")
        }
    }

    struct LossFixture: Decodable {
        var completionMask: [[Int]]  // (B, T)
        var perTokenLogps: [[Double]]  // (B, T)
        var oldPerTokenLogps: [[Double]]  // (B, T)
        var refPerTokenLogps: [[Double]]  // (B, T)
        var entropies: [[Double]]  // (B, T)
        var advantages: [Double]  // (B)
        var numItemsInBatch: Int
    }

    struct LossConfig: Decodable {
        var lossType: String
        var beta: Double
        var epsilon: Double
        var epsilonHigh: Double?
        var delta: Double?
        var importanceSamplingLevel: String
        var numIterations: Int
        var useBiasCorrectionKl: Bool?
        var topEntropyQuantile: Double?
        var entropyCoef: Double?
        var offPolicyMaskThreshold: Double?
    }

    struct LossCase: Decodable {
        var fixture: String
        var config: LossConfig
        var loss: Double
        var gradPerTokenLogps: [[Double]]  // (B, T)
        var metrics: [String: Double?]
    }

    struct GRPOLoss: Decodable {
        var fixtures: [String: LossFixture]
        var maxCompletionLength: Int
        var numProcesses: Int
        var cases: [LossCase]
    }

    struct RLOOLossConfig: Decodable {
        var epsilon: Double
        var epsilonHigh: Double?
        var oldLogps: String
    }

    struct RLOOLossCase: Decodable {
        var config: RLOOLossConfig
        var advantages: [Double]
        var oldLogps: [Double]
        var loss: Double
        var gradPerTokenLogps: [[Double]]
        var metrics: [String: Double?]
    }

    struct RLOOLoss: Decodable {
        var cases: [RLOOLossCase]
    }

    var advantages: [AdvantageCase]
    var rlooAdvantages: [AdvantageCase]
    var grpoLoss: GRPOLoss
    var rlooLoss: RLOOLoss

    /// The parsed fixture (decoded once per process).
    static func load() throws -> GRPOFixture {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(GRPOFixture.self, from: Fixtures.data("grpo/trl_grpo.json"))
    }
}

extension GRPOFixture.LossFixture {
    /// The policy-loss inputs of this fixture; old log-probs only with num_iterations > 1 (TRL
    /// then passes them), reference log-probs only when beta ≠ 0.
    func inputs(oldGiven: Bool, referenceGiven: Bool) -> PolicyLossInputs {
        PolicyLossInputs(
            batchSize: completionMask.count, positions: completionMask[0].count,
            logProbs: perTokenLogps.flatMap { $0 }, oldLogProbs: oldGiven ? oldPerTokenLogps.flatMap { $0 } : nil,
            referenceLogProbs: referenceGiven ? refPerTokenLogps.flatMap { $0 } : nil,
            mask: completionMask.flatMap { $0 }.map { $0 != 0 }, advantages: advantages,
            entropies: entropies.flatMap { $0 }, itemsInBatch: Double(numItemsInBatch))
    }
}

extension GRPOFixture.LossConfig {
    func configuration(maxCompletionLength: Int) -> PolicyLossConfiguration {
        guard let type = PolicyLossType(rawValue: lossType),
            let level = ImportanceSamplingLevel(rawValue: importanceSamplingLevel)
        else {
            preconditionFailure("unknown loss type or level in the fixture: \(lossType) \(importanceSamplingLevel)")
        }
        return PolicyLossConfiguration(
            lossType: type, beta: beta, epsilon: epsilon, epsilonHigh: epsilonHigh, delta: delta,
            importanceSamplingLevel: level, useBiasCorrectionKL: useBiasCorrectionKl ?? false,
            topEntropyQuantile: topEntropyQuantile ?? 1, entropyCoefficient: entropyCoef ?? 0,
            offPolicyMaskThreshold: offPolicyMaskThreshold, maxCompletionLength: maxCompletionLength)
    }

    var label: String {
        var parts = [lossType, "beta=\(beta)", "eh=\(epsilonHigh.map { "\($0)" } ?? "nil")", importanceSamplingLevel]
        parts.append("it=\(numIterations)")
        if let delta { parts.append("delta=\(delta)") }
        if useBiasCorrectionKl == true { parts.append("biasKL") }
        if let topEntropyQuantile { parts.append("topH=\(topEntropyQuantile)") }
        if let entropyCoef { parts.append("Hcoef=\(entropyCoef)") }
        if let offPolicyMaskThreshold { parts.append("opsm=\(offPolicyMaskThreshold)") }
        return parts.joined(separator: " ")
    }
}

/// Distance in float32 units in the last place (0: the same Float; NaN vs NaN counts 0).
func ulps(_ a: Float, _ b: Float) -> Int {
    if a.isNaN && b.isNaN { return 0 }
    if a.isNaN || b.isNaN { return .max }
    if a == b { return 0 }
    func ordered(_ x: Float) -> Int64 {
        let bits = Int64(x.bitPattern)
        return x.sign == .minus ? -(bits & 0x7FFF_FFFF) : bits
    }
    return Int(abs(ordered(a) - ordered(b)))
}
