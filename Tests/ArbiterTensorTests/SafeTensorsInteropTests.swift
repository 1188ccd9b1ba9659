// SafeTensorsInteropTests: a file written by the reference Python implementation (fixture
// safetensors/python_written.safetensors, made by make_python_written.py next to it) reads back
// with the right names, shapes and values, and SafeTensorsWriter reproduces it byte for byte.
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct SafeTensorsInteropTests {
    /// The float32 inputs of the "brain" tensor (numpy's float32 values of the script's literals).
    static let brainInputs: [Float] = [
        0.10000000149011612, 0.3333333432674408, 3.1415927410125732, -9.999999680285692e+37,
        65519.98828125, 1.00390625, 1.01171875, 3.3999999521443642e+38, .infinity, .nan,
    ]

    /// The tensors the Python script saved, rebuilt with the same float32 arithmetic.
    static func entries() -> [SafeTensorsEntry] {
        [
            SafeTensorsEntry(name: "layer.weight", shape: [3, 4], values: (0..<12).map { Float($0) / 7 - 0.5 }),
            SafeTensorsEntry(name: "layer.bias", shape: [3], values: [1.5, -2.25, 3e-3]),
            SafeTensorsEntry(name: "a_scalar", shape: [], values: [3.25]),
            SafeTensorsEntry(name: "empty", shape: [0, 5], values: []),
            SafeTensorsEntry(name: "half", shape: [2, 3], values: (0..<6).map { Float($0) / 3 - 1 }, dtype: .float16),
            SafeTensorsEntry(name: "brain", shape: [10], values: brainInputs, dtype: .bfloat16),
            SafeTensorsEntry(
                name: "zz_half_big", shape: [4], values: [65504, -0.0, 6.097555160522461e-05, 1.1920928955078125e-07],
                dtype: .float16),
        ]
    }

    @Test func readsPythonWrittenFile() throws {
        let file = try SafeTensorsFile(contentsOf: Fixtures.url("safetensors/python_written.safetensors"))
        #expect(file.metadata == ["format": "np"])
        #expect(file.names == ["a_scalar", "empty", "layer.bias", "layer.weight", "brain", "half", "zz_half_big"])
        #expect(file.info("layer.weight")?.shape == [3, 4])
        #expect(file.info("a_scalar")?.shape == [])
        #expect(file.info("half")?.dtype == .float16)
        // Values as printed by numpy after `load_file` (see make_python_written.py).
        #expect(try file.floats("layer.bias") == [1.5, -2.25, 0.003000000026077032])
        #expect(try file.floats("half") == [-1.0, -0.66650390625, -0.333251953125, 0.0, 0.333251953125, 0.66650390625])
        #expect(
            try file.floats("zz_half_big").map(\.bitPattern)
                == [Float(65504), -0.0, 6.097555160522461e-05, 1.1920928955078125e-07].map(\.bitPattern))
        #expect(try file.floats("layer.weight")[1] == -0.3571428656578064)
        #expect(try file.floats("empty").isEmpty)
        // ml_dtypes' bfloat16 bit patterns (rounded to nearest even, NaN kept quiet).
        let brain = try file.floats("brain")
        #expect(
            brain.map { UInt16($0.bitPattern >> 16) } == [
                15821, 16043, 16457, 65174, 18304, 16256, 16258, 32640, 32640, 32704,
            ])
        #expect(brain.allSatisfy { $0.bitPattern & 0xFFFF == 0 })
    }

    @Test func writerMatchesReferenceBytes() throws {
        let reference = try Fixtures.data("safetensors/python_written.safetensors")
        let ours = try SafeTensorsWriter.serialize(Self.entries(), metadata: ["format": "np"])
        #expect(ours.count == reference.count)
        #expect(ours == reference)
    }
}
