import ArbiterCore
import ArbiterTensor
// SafeTensorsCorruptionTests: malformed files give a typed SafeTensorsError naming the problem,
// never a trap: hand-made bad headers, every truncation, every single-bit flip, and 300 seeded
// random mutations of a small valid file.
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct SafeTensorsCorruptionTests {
    /// A small valid file with metadata, three dtypes, a scalar and a zero-size tensor.
    static func validImage() throws -> [UInt8] {
        Array(
            try SafeTensorsWriter.serialize(
                [
                    SafeTensorsEntry(name: "weight", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
                    SafeTensorsEntry(name: "bias", shape: [3], values: [0.5, -0.5, 0.25], dtype: .float16),
                    SafeTensorsEntry(name: "scale", shape: [], values: [2], dtype: .bfloat16),
                    SafeTensorsEntry(name: "none", shape: [0], values: []),
                ], metadata: ["format": "pt"]))
    }

    private static let data16 = [UInt8](repeating: 0, count: 16)

    /// Each malformed header maps to the error case that names its problem.
    @Test(arguments: [
        (#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}"#, "invalidJSON"),
        (#"["a"]"#, "invalidJSON"),
        (#"{"a":{"dtype":"F32","shape":[4]}}"#, "invalidField"),
        (#"{"a":{"shape":[4],"data_offsets":[0,16]}}"#, "invalidField"),
        (#"{"a":{"dtype":7,"shape":[4],"data_offsets":[0,16]}}"#, "invalidField"),
        (#"{"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}"#, "invalidField"),
        (#"{"a":{"dtype":"F32","shape":[4.0],"data_offsets":[0,16]}}"#, "invalidField"),
        (#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0]}}"#, "invalidField"),
        (#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16,16]}}"#, "invalidField"),
        (#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,99999999999999999999999]}}"#, "invalidField"),
        (#"{"a":[]}"#, "invalidField"),
        (#"{"a":{"dtype":"F32","dtype":"F16","shape":[4],"data_offsets":[0,16]}}"#, "invalidField"),
        (#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}} x"#, "invalidJSON"),
        (#"{"a":{"dtype":"F32","shape":[04],"data_offsets":[0,16]}}"#, "invalidJSON"),
        (#"{"a":{"dtype":"F33","shape":[4],"data_offsets":[0,16]}}"#, "unknownDType"),
        (#"{"a":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}}"#, "sizeMismatch"),
        (#"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#, "sizeMismatch"),
        (
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
            "invalidOffsets"
        ),
        (
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}"#,
            "invalidOffsets"
        ),
        (#"{"a":{"dtype":"F32","shape":[0],"data_offsets":[16,0]}}"#, "invalidOffsets"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, "incompleteBuffer"),
        (
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#,
            "duplicateName"
        ),
        (
            #"{"__metadata__":{"k":"v"},"__metadata__":{},"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#,
            "duplicateName"
        ),
        (#"{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, "invalidMetadata"),
        (#"{"__metadata__":["k"],"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, "invalidMetadata"),
    ])
    func malformedHeaderIsNamed(header: String, expected: String) throws {
        let error = try #require(
            safeTensorsFailure(safeTensorsImage(header: header, data: Self.data16)) as? SafeTensorsError)
        #expect(String(describing: error).hasPrefix(expected), "\(error)")
        #expect(error.errorDescription?.contains("test.safetensors") == true)
    }

    @Test func headerLengthProblems() throws {
        #expect(safeTensorsFailure([1, 2, 3]) as? SafeTensorsError == .fileTooSmall(path: "test.safetensors", size: 3))
        var huge: [UInt8] = []
        withUnsafeBytes(of: UInt64(100_000_001).littleEndian) { huge += $0 }
        #expect(
            safeTensorsFailure(huge + [0x7B, 0x7D]) as? SafeTensorsError
                == .headerTooLarge(path: "test.safetensors", length: 100_000_001))
        var beyond: [UInt8] = []
        withUnsafeBytes(of: UInt64(50).littleEndian) { beyond += $0 }
        #expect(
            safeTensorsFailure(beyond + Array("{}".utf8)) as? SafeTensorsError
                == .headerBeyondFile(path: "test.safetensors", length: 50, fileSize: 10))
        #expect(safeTensorsFailure([UInt8](repeating: 0xFF, count: 8)) is SafeTensorsError)
    }

    @Test func deepNestingAndBadUTF8AreRejected() {
        let deep = String(repeating: "[", count: 100_000)
        #expect(safeTensorsFailure(safeTensorsImage(header: deep, data: [])) is SafeTensorsError)
        var bad = safeTensorsImage(header: #"{"__metadata__":{"k":"ab"}}"#, data: [])
        bad[bad.count - 4] = 0xC3  // a lone UTF-8 lead byte inside the string
        #expect(safeTensorsFailure(bad) is SafeTensorsError)
        #expect(safeTensorsFailure(safeTensorsImage(header: #"{"a\ud800":1}"#, data: [])) is SafeTensorsError)
    }

    @Test func everyTruncationThrows() throws {
        let image = try Self.validImage()
        #expect(safeTensorsFailure(image) == nil)
        for length in 0..<image.count {
            #expect(safeTensorsFailure(Array(image.prefix(length))) is SafeTensorsError, "length \(length)")
        }
        #expect(safeTensorsFailure(image + [0]) is SafeTensorsError)
    }

    /// Every single-bit flip either still parses (e.g. a flipped data byte) or throws a typed error.
    @Test func everyBitFlipParsesOrThrows() throws {
        let image = try Self.validImage()
        var parsed = 0
        var rejected = 0
        for index in image.indices {
            for bit in 0..<8 {
                var copy = image
                copy[index] ^= 1 << bit
                if let error = safeTensorsFailure(copy) {
                    #expect(error is SafeTensorsError)
                    rejected += 1
                } else {
                    parsed += 1
                    try readEverything(copy)
                }
            }
        }
        #expect(rejected > 0 && parsed > 0)
    }

    /// 300 seeded random mutations (overwrite, insert, delete, truncate, splice digits).
    @Test func randomMutationsParseOrThrow() throws {
        let image = try Self.validImage()
        var generator = SplitMix64(seed: 0x5AFE)
        var outcomes = (parsed: 0, rejected: 0)
        for _ in 0..<300 {
            var copy = image
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                guard !copy.isEmpty else { break }
                let at = Int.random(in: 0..<copy.count, using: &generator)
                switch Int.random(in: 0..<5, using: &generator) {
                case 0: copy[at] = UInt8.random(in: 0...255, using: &generator)
                case 1: copy.insert(UInt8.random(in: 0...255, using: &generator), at: at)
                case 2: copy.remove(at: at)
                case 3: copy = Array(copy.prefix(at))
                default: copy[at] = Array("0123456789-.e,[]{}\"".utf8).randomElement(using: &generator) ?? 0
                }
            }
            if let error = safeTensorsFailure(copy) {
                #expect(error is SafeTensorsError)
                outcomes.rejected += 1
            } else {
                outcomes.parsed += 1
                try readEverything(copy)
            }
        }
        #expect(outcomes.rejected > 150)
    }

    /// A file that opened must let every tensor be read with the advertised element count.
    private func readEverything(_ bytes: [UInt8]) throws {
        let file = try SafeTensorsFile(data: Data(bytes))
        for info in file.tensors {
            #expect(try file.floats(info.name).count == info.elementCount)
        }
    }
}
