// OptimizerStateTests: save → restore → continue gives parameters bit-identical to an
// uninterrupted run, both in memory and through the safetensors encoding; bad state is refused.
import ArbiterTensor
import Foundation
import Testing

@Suite struct OptimizerStateTests {
    private func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    private func resumed<O: Optimizer>(_ make: () throws -> O, through file: URL?) throws -> (
        straight: [[Float]], resumed: [[Float]]
    ) {
        let schedule = LRSchedule.cosine(warmupSteps: 2, totalSteps: 8, minLR: 0.01)
        let lr: (Int) -> Float = { schedule.learningRate(at: $0, base: 0.1) }
        var straight = try make()
        var w1: [Float] = [1, -2, 0.5]
        var b1: [Float] = [0.25, -0.75]
        try runOptimizerOnQuadratic(&straight, weight: &w1, bias: &b1, steps: 7, learningRate: lr)

        var first = try make()
        var w2: [Float] = [1, -2, 0.5]
        var b2: [Float] = [0.25, -0.75]
        try runOptimizerOnQuadratic(&first, weight: &w2, bias: &b2, steps: 3, learningRate: lr)
        var state = first.state()
        if let file {
            try state.write(to: file)
            let reread = try OptimizerState(contentsOf: file)
            #expect(reread == state)
            state = reread
        }
        var second = try O(restoring: state)
        #expect(second.stepCount == 3)
        try runOptimizerOnQuadratic(&second, weight: &w2, bias: &b2, steps: 4, learningRate: lr)
        return ([w1, b1], [w2, b2])
    }

    @Test(arguments: [false, true])
    func adamWResumesBitExactly(throughFile: Bool) throws {
        let directory = try makeSafeTensorsScratchDirectory("adamw-state")
        defer { try? FileManager.default.removeItem(at: directory) }
        let runs = try resumed(
            {
                AdamW(
                    configuration: try AdamW.Configuration(
                        learningRate: 0.1, beta1: 0.8, beta2: 0.95, epsilon: 1e-7, weightDecay: 0.1))
            },
            through: throughFile ? directory.appendingPathComponent("adamw.safetensors") : nil)
        #expect(runs.straight.map(bits) == runs.resumed.map(bits))
    }

    @Test(arguments: [false, true])
    func sgdResumesBitExactly(nesterov: Bool) throws {
        let directory = try makeSafeTensorsScratchDirectory("sgd-state")
        defer { try? FileManager.default.removeItem(at: directory) }
        let runs = try resumed(
            {
                SGD(
                    configuration: try SGD.Configuration(
                        learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: nesterov))
            },
            through: directory.appendingPathComponent("sgd.safetensors"))
        #expect(runs.straight.map(bits) == runs.resumed.map(bits))
    }

    @Test func encodingNamesAndMetadata() throws {
        var adam = AdamW()
        var values: [String: [Float]] = ["layer.0.weight": [1, 2]]
        try adam.step(values: &values, gradients: ["layer.0.weight": [0.1, 0.3]], learningRate: 0.01)
        let (entries, metadata) = adam.state().encoded()
        #expect(Set(entries.map(\.name)) == ["adamw.m.layer.0.weight", "adamw.v.layer.0.weight"])
        #expect(metadata["arbiter.optimizer"] == "adamw")
        #expect(metadata["arbiter.step"] == "1")
        #expect(metadata["arbiter.hyperparameter.beta2"] == "0.999")
        let state = try OptimizerState(
            file: SafeTensorsFile(data: SafeTensorsWriter.serialize(entries, metadata: metadata)))
        #expect(state.slots["m"]?["layer.0.weight"].map(bits) == adam.state().slots["m"]?["layer.0.weight"].map(bits))
    }

    @Test func badStateIsRefused() throws {
        let adamState = AdamW().state()
        #expect(throws: OptimizerError.wrongKind(expected: "sgd", found: "adamw")) { try SGD(restoring: adamState) }
        var missing = adamState
        missing.hyperparameters["beta1"] = nil
        #expect(throws: OptimizerError.self) { try AdamW(restoring: missing) }
        var unpaired = adamState
        unpaired.slots = ["m": ["p": [0, 0]], "v": ["p": [0]]]
        #expect(throws: OptimizerError.self) { try AdamW(restoring: unpaired) }
        var unknownSlot = adamState
        unknownSlot.slots = ["m": [:], "v": [:], "w": [:]]
        #expect(throws: OptimizerError.self) { try AdamW(restoring: unknownSlot) }
        var badValue = adamState
        badValue.hyperparameters["beta1"] = 1.5
        #expect(throws: OptimizerError.self) { try AdamW(restoring: badValue) }

        let noKind = try SafeTensorsWriter.serialize([], metadata: ["arbiter.step": "1"])
        #expect(throws: OptimizerError.self) { try OptimizerState(file: SafeTensorsFile(data: noKind)) }
        let badStep = try SafeTensorsWriter.serialize([], metadata: ["arbiter.optimizer": "sgd", "arbiter.step": "-1"])
        #expect(throws: OptimizerError.self) { try OptimizerState(file: SafeTensorsFile(data: badStep)) }
        let foreign = try SafeTensorsWriter.serialize(
            [SafeTensorsEntry(name: "other.m.p", shape: [1], values: [0])],
            metadata: ["arbiter.optimizer": "adamw", "arbiter.step": "1"])
        #expect(throws: OptimizerError.self) { try OptimizerState(file: SafeTensorsFile(data: foreign)) }
        let half = try SafeTensorsWriter.serialize(
            [SafeTensorsEntry(name: "adamw.m.p", shape: [1], values: [0], dtype: .float16)],
            metadata: ["arbiter.optimizer": "adamw", "arbiter.step": "1"])
        #expect(throws: OptimizerError.self) { try OptimizerState(file: SafeTensorsFile(data: half)) }
    }
}
