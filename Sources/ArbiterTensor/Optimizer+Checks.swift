// Optimizer+Checks: the validation every optimizer runs before touching memory, so a failed step
// leaves parameters and state exactly as they were. Not the update rules themselves.

enum OptimizerChecks {
    /// Throws unless names are unique, each gradient matches its values, existing per-parameter
    /// state has the right size, and the learning rate is finite and non-negative.
    static func validate(
        _ buffers: [ParameterBuffer], learningRate: Float, slots: [(name: String, state: [String: [Float]])]
    ) throws(OptimizerError) {
        guard learningRate.isFinite, learningRate >= 0 else {
            throw .invalidHyperparameter(name: "learningRate", value: learningRate, requirement: "finite and >= 0")
        }
        var seen = Set<String>()
        for buffer in buffers {
            guard seen.insert(buffer.name).inserted else { throw .duplicateParameter(buffer.name) }
            guard buffer.gradient.count == buffer.value.count else {
                throw .gradientCountMismatch(
                    parameter: buffer.name, values: buffer.value.count, gradients: buffer.gradient.count)
            }
            for slot in slots {
                if let existing = slot.state[buffer.name], existing.count != buffer.value.count {
                    throw .stateCountMismatch(
                        parameter: buffer.name, slot: slot.name, state: existing.count, values: buffer.value.count)
                }
            }
        }
    }

    /// Throws unless `value` is finite and within `range`.
    static func require(_ name: String, _ value: Float, in range: ClosedRange<Float>, _ requirement: String)
        throws(OptimizerError)
    {
        guard value.isFinite, range.contains(value) else {
            throw .invalidHyperparameter(name: name, value: value, requirement: requirement)
        }
    }
}
