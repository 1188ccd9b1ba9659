// LRSchedule: learning-rate schedules as a pure function of the step, nanoGPT/llm.c style.
// Steps count from 0. Warmup ramps linearly as base·(step+1)/warmupSteps so the first step
// already moves; decays are clamped once totalSteps is reached. Not an optimizer.
import Foundation

/// How the learning rate evolves over training.
public enum LRSchedule: Sendable, Equatable {
    /// What happens after a linear warmup.
    public enum AfterWarmup: Sendable, Equatable {
        /// Stay at the base rate.
        case constant
        /// Decay linearly from the base rate at `warmupSteps` to 0 at `totalSteps`.
        case linearDecayToZero(totalSteps: Int)
    }

    /// The base rate at every step.
    case constant
    /// Linear warmup over `warmupSteps` steps, then `then`.
    case linearWarmup(warmupSteps: Int, then: AfterWarmup)
    /// Linear warmup, then a half-cosine from the base rate at `warmupSteps` down to `minLR` at
    /// `totalSteps`, and `minLR` afterwards.
    case cosine(warmupSteps: Int, totalSteps: Int, minLR: Float)

    /// The learning rate for 0-based `step` given the base rate (negative steps count as 0).
    public func learningRate(at step: Int, base: Float) -> Float {
        let step = max(0, step)
        let b = Double(base)
        switch self {
        case .constant:
            return base
        case .linearWarmup(let warmup, let after):
            if step < warmup { return Float(b * Double(step + 1) / Double(warmup)) }
            switch after {
            case .constant:
                return base
            case .linearDecayToZero(let total):
                return Float(b * (1 - Self.progress(step, warmup, total)))
            }
        case .cosine(let warmup, let total, let minLR):
            if step < warmup { return Float(b * Double(step + 1) / Double(warmup)) }
            let coefficient = 0.5 * (1 + cos(Double.pi * Self.progress(step, warmup, total)))
            return Float(Double(minLR) + coefficient * (b - Double(minLR)))
        }
    }

    /// Fraction of the decay phase done at `step`, clamped to [0, 1] (1 when the phase is empty).
    private static func progress(_ step: Int, _ warmup: Int, _ total: Int) -> Double {
        let span = total - warmup
        guard span > 0 else { return 1 }
        return min(1, max(0, Double(step - warmup) / Double(span)))
    }
}
