// SafeTensorsRoundTripTests: the writer reproduces the reference Rust writer's byte layout
// (ordering, compact JSON, space padding to 8 bytes) and every dtype/shape survives a round trip.
import ArbiterTensor
import Foundation
import Testing

@Suite struct SafeTensorsRoundTripTests {
    /// The layout of the reference implementation's `test_serialization` case: one F32 tensor
    /// "attn.0" of shape [1, 2, 3] holding 0...5; its header is exactly 64 bytes, so no padding.
    @Test func matchesReferenceLayoutWithoutPadding() throws {
        let data = try SafeTensorsWriter.serialize(
            [SafeTensorsEntry(name: "attn.0", shape: [1, 2, 3], values: [0, 1, 2, 3, 4, 5])], metadata: [:])
        let values: [Float] = [0, 1, 2, 3, 4, 5]
        let expected = safeTensorsImage(
            header: #"{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"#,
            data: values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } })
        #expect(Array(data) == expected)
        #expect(Array(data.prefix(8)) == [64, 0, 0, 0, 0, 0, 0, 0])
    }

    /// The reference `test_serialization_forced_alignement` case: "attn0" of shape [1, 1, 2, 3]
    /// gives 65 header bytes, padded with 7 spaces to 72.
    @Test func padsHeaderWithSpacesToEightBytes() throws {
        let data = try SafeTensorsWriter.serialize(
            [SafeTensorsEntry(name: "attn0", shape: [1, 1, 2, 3], values: [0, 1, 2, 3, 4, 5])], metadata: [:])
        let json = #"{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}"#
        #expect(json.utf8.count == 65)
        #expect(Array(data.prefix(8)) == [72, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(data[8..<80]) == Array(json.utf8) + Array(repeating: 0x20, count: 7))
        for nameLength in 1...17 {
            let image = try SafeTensorsWriter.serialize(
                [SafeTensorsEntry(name: String(repeating: "x", count: nameLength), shape: [1], values: [1])],
                metadata: nameLength.isMultiple(of: 2) ? ["k": "v"] : [:])
            let file = try SafeTensorsFile(data: image)
            #expect(file.dataSectionOffset % 8 == 0, "name length \(nameLength)")
        }
    }

    /// The reference `test_empty` cases: no tensors gives `{}` plus 6 spaces; metadata comes first.
    @Test func emptyFilesMatchReference() throws {
        let empty = try SafeTensorsWriter.serialize([], metadata: [:])
        #expect(Array(empty) == [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32])
        let withMetadata = try SafeTensorsWriter.serialize([], metadata: ["framework": "pt"])
        let json = #"{"__metadata__":{"framework":"pt"}}"# + "     "
        #expect(Array(withMetadata) == [40, 0, 0, 0, 0, 0, 0, 0] + Array(json.utf8))
        let file = try SafeTensorsFile(data: withMetadata)
        #expect(file.names.isEmpty)
        #expect(file.metadata == ["framework": "pt"])
    }

    /// Tensors are laid out by descending dtype alignment, then by name (byte order).
    @Test func ordersByAlignmentThenName() throws {
        let data = try SafeTensorsWriter.serialize(
            [
                SafeTensorsEntry(name: "b16", shape: [1], values: [1], dtype: .bfloat16),
                SafeTensorsEntry(name: "z", shape: [1], values: [1], dtype: .float32),
                SafeTensorsEntry(name: "h", shape: [2], values: [1, 2], dtype: .float16),
                SafeTensorsEntry(name: "B", shape: [1], values: [1], dtype: .float32),
                SafeTensorsEntry(name: "a", shape: [1], values: [1], dtype: .float32),
            ], metadata: [:])
        let file = try SafeTensorsFile(data: data)
        #expect(file.names == ["B", "a", "z", "b16", "h"])
        #expect(file.info("h")?.dataOffsets == 14..<18)
    }

    @Test func roundTripsEveryWritableDTypeAndShape() throws {
        let exact: [Float] = [0, -0.0, 1, -2.5, 0.375, 1024, -65504, 0x1p-14, 0x1p-24, .infinity, -.infinity]
        let awkward: [Float] = [0.1, 1.0 / 3.0, 3.14159265, 1e-8, 70000, -1e38, 65519.99, 65520]
        let entries = [
            SafeTensorsEntry(name: "scalar", shape: [], values: [42.5]),
            SafeTensorsEntry(name: "empty", shape: [0, 3], values: []),
            SafeTensorsEntry(name: "empty16", shape: [4, 0], values: [], dtype: .float16),
            SafeTensorsEntry(name: "f32", shape: [2, 4], values: awkward),
            SafeTensorsEntry(name: "f16exact", shape: [11], values: exact, dtype: .float16),
            SafeTensorsEntry(
                name: "bf16exact", shape: [1, 11], values: exact.map { $0 == 0x1p-24 ? 0x1p-126 : $0 }, dtype: .bfloat16
            ),
            SafeTensorsEntry(name: "f16round", shape: [8], values: awkward, dtype: .float16),
            SafeTensorsEntry(name: "bf16round", shape: [8], values: awkward, dtype: .bfloat16),
            SafeTensorsEntry(name: "nan", shape: [1], values: [.nan], dtype: .float16),
        ]
        let directory = try makeSafeTensorsScratchDirectory("safetensors-roundtrip")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("t.safetensors")
        let metadata = ["format": "pt", "quote\"and\\slash/": "line\nbreak\ttab \u{1} é 漢字 🎉"]
        try SafeTensorsWriter.write(entries, metadata: metadata, to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["t.safetensors"])
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.metadata == metadata)
        #expect(Set(file.names) == Set(entries.map(\.name)))
        for entry in entries {
            let info = try #require(file.info(entry.name))
            #expect(info.shape == entry.shape)
            #expect(info.dtype == entry.dtype)
            #expect(info.dataOffsets.count == entry.values.count * entry.dtype.byteSize)
        }
        #expect(try file.floats("scalar") == [42.5])
        #expect(try file.floats("empty") == [])
        #expect(try file.floats("empty16") == [])
        #expect(try file.floats("f32").map(\.bitPattern) == awkward.map(\.bitPattern))
        #expect(try file.floats("f16exact").map(\.bitPattern) == exact.map(\.bitPattern))
        // Nearest binary16 / bfloat16 values of `awkward`, made once in Python: numpy's
        // `astype(np.float16)` (round to nearest even) and an exact `fractions.Fraction` rounding
        // to 8 significant bits for bfloat16.
        let f16: [Float] = [0.0999755859375, 0.333251953125, 3.140625, 0, .infinity, -.infinity, 65504, .infinity]
        #expect(try file.floats("f16round") == f16)
        let bf16: [Float] = [
            0.10009765625, 0.333984375, 3.140625, 1.0011717677116394e-08, 70144, -9.969209968386869e+37, 65536, 65536,
        ]
        #expect(try file.floats("bf16round") == bf16)
        #expect(try file.floats("nan").first?.isNaN == true)
        #expect(throws: SafeTensorsError.tensorNotFound(path: url.path, tensor: "missing")) {
            try file.floats("missing")
        }
    }

    @Test func writerRejectsInconsistentTensors() throws {
        let cases: [SafeTensorsEntry] = [
            SafeTensorsEntry(name: "a", shape: [2, 2], values: [1, 2, 3]),
            SafeTensorsEntry(name: "a", shape: [-1], values: []),
            SafeTensorsEntry(name: "__metadata__", shape: [1], values: [1]),
            SafeTensorsEntry(name: "a", shape: [1], values: [1], dtype: .int64),
        ]
        for entry in cases {
            #expect(throws: SafeTensorsError.self) { try SafeTensorsWriter.serialize([entry], metadata: [:]) }
        }
        let twice = [
            SafeTensorsEntry(name: "a", shape: [1], values: [1]), SafeTensorsEntry(name: "a", shape: [1], values: [2]),
        ]
        #expect(throws: SafeTensorsError.self) { try SafeTensorsWriter.serialize(twice, metadata: [:]) }
    }

    @Test func readsOtherDTypes() throws {
        var data: [UInt8] = []
        for v: Int64 in [-3, 0, 511] { withUnsafeBytes(of: v.littleEndian) { data += $0 } }
        for v: Int32 in [7, -8] { withUnsafeBytes(of: v.littleEndian) { data += $0 } }
        withUnsafeBytes(of: (1.5 as Double).bitPattern.littleEndian) { data += $0 }
        data += [0x00, 0x02, 0xFF, 0x38, 0x7E]  // BOOL 0, BOOL 2, I8 -1, F8_E4M3 1.0, F8_E4M3 448
        let header =
            #"{"i":{"dtype":"I64","shape":[3],"data_offsets":[0,24]},"j":{"dtype":"I32","shape":[2],"data_offsets":[24,32]},"d":{"dtype":"F64","shape":[],"data_offsets":[32,40]},"b":{"dtype":"BOOL","shape":[2],"data_offsets":[40,42]},"c":{"dtype":"I8","shape":[1],"data_offsets":[42,43]},"e":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[43,45]}}"#
        let file = try SafeTensorsFile(data: Data(safeTensorsImage(header: header, data: data)))
        #expect(file.names == ["i", "j", "d", "b", "c", "e"])
        #expect(try file.floats("i") == [-3, 0, 511])
        #expect(try file.floats("j") == [7, -8])
        #expect(try file.floats("d") == [1.5])
        #expect(try file.floats("b") == [0, 1])
        #expect(try file.floats("c") == [-1])
        #expect(try file.floats("e") == [1, 448])
    }

    /// The writer replaces files by rename, so an open (memory-mapped) reader keeps seeing the
    /// old, complete file while the new one takes its place.
    @Test func openFileSurvivesAtomicReplacement() throws {
        let directory = try makeSafeTensorsScratchDirectory("safetensors-replace")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("w.safetensors")
        try SafeTensorsWriter.write(
            [(name: "w", shape: [3], values: [1, 2, 3], dtype: .float32)], metadata: [:], to: url)
        let old = try SafeTensorsFile(contentsOf: url)
        try SafeTensorsWriter.write(
            [(name: "w", shape: [1], values: [9], dtype: .float32)], metadata: ["v": "2"], to: url)
        #expect(try old.floats("w") == [1, 2, 3])
        let new = try SafeTensorsFile(contentsOf: url)
        #expect(try new.floats("w") == [9])
        #expect(new.metadata == ["v": "2"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["w.safetensors"])
        #expect(throws: SafeTensorsError.self) {
            try SafeTensorsFile(contentsOf: directory.appendingPathComponent("missing"))
        }
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: directory) }
    }
}
