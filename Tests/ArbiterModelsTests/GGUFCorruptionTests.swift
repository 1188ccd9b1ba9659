// GGUFCorruptionTests: synthetic GGUF files (GGUFTestWriter) read back exactly, and broken ones
// (truncated at every length, bit-flipped, wrong magic/version, mislabelled types, bad offsets,
// absurd counts, bad UTF-8, 300 seeded random mutations) each either parse or throw a GGUFError
// whose message names the file — never trap.
import ArbiterCore
import ArbiterModels
import ArbiterTestSupport
import Foundation
import Testing

enum SyntheticGGUF {
    static func randomBytes(_ n: Int, _ rng: inout SplitMix64) -> [UInt8] {
        (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    /// A small valid file: eleven KV pairs of assorted types, six tensors of six types.
    static func writer() -> GGUFTestWriter {
        var rng = SplitMix64(seed: 42)
        let f32 = (0..<16).map { Float($0) * 0.5 - 3 }
        let f32Bytes = f32.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        // F16 values 1, -2, 0.5, ... (exact halves).
        let halves: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x0000, 0x8000, 0x7C00, 0x0001, 0x4248]
        let f16Bytes = halves.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        var q8 = randomBytes(2 * 34, &rng)
        q8[0] = 0x00
        q8[1] = 0x3C  // d = 1 in the first block
        q8[34] = 0x00
        q8[35] = 0x38  // d = 0.5 in the second
        return GGUFTestWriter(
            version: 3,
            metadata: [
                ("general.architecture", .string("llama")),
                ("general.alignment", .uint32(32)),
                ("test.u8", .uint8(7)),
                ("test.i16", .int16(-300)),
                ("test.i64", .int64(-5_000_000_000)),
                ("test.f32", .float32(1e-5)),
                ("test.f64", .float64(2.5)),
                ("test.flag", .bool(true)),
                ("tokenizer.ggml.tokens", .strings(["<s>", "é", "你好", "", "Ġthe"])),
                ("tokenizer.ggml.token_type", .int32s([3, 1, 1, 1, 1])),
                ("test.scores", .floats([0.5, -1, 3])),
                ("test.nested", .nestedStrings([["a", "b"], [], ["c"]])),
            ],
            tensors: [
                .init(name: "a.f32", dims: [8, 2], typeID: 0, data: f32Bytes),
                .init(name: "b.f16", dims: [8], typeID: 1, data: f16Bytes),
                .init(name: "c.q8_0", dims: [32, 2], typeID: 8, data: q8),
                .init(name: "d.q4_0", dims: [64], typeID: 2, data: randomBytes(2 * 18, &rng)),
                .init(name: "e.q4_k", dims: [256], typeID: 12, data: randomBytes(144, &rng)),
                .init(name: "f.q6_k", dims: [256, 1], typeID: 14, data: randomBytes(210, &rng)),
            ])
    }

    /// Parses `bytes` from a temporary file: nil when it parsed (and every tensor then decoded or
    /// threw a GGUFError), the error otherwise. Any trap fails the whole test run.
    static func outcome(_ bytes: [UInt8], reusing scratch: URL? = nil) throws -> GGUFError? {
        let url: URL
        if let scratch {
            url = scratch
            try Data(bytes).write(to: url)
        } else {
            url = try GGUFTestWriter.writeTemporary(bytes, named: "case.gguf")
        }
        defer { if scratch == nil { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) } }
        do {
            let file = try GGUFFile(contentsOf: url)
            for info in file.tensors where info.type.canDequantize {
                let values = try? file.dequantize(info)
                #expect(values == nil || values?.count == info.elementCount)
            }
            return nil
        } catch {
            #expect(
                error.errorDescription?.contains(url.path) == true || error.errorDescription?.contains("tensor") == true
            )
            return error
        }
    }
}

@Suite struct GGUFCorruptionTests {
    let good = SyntheticGGUF.writer().bytes()

    @Test func syntheticFileRoundTrips() throws {
        let url = try GGUFTestWriter.writeTemporary(good, named: "good.gguf")
        let file = try GGUFFile(contentsOf: url)
        #expect(file.version == 3)
        #expect(file.metadataOrder.first == "general.architecture")
        #expect(file.metadataOrder.count == 12)
        #expect(file.metadata["test.u8"] == .uint8(7))
        #expect(file.metadata["test.i16"]?.intValue == -300)
        #expect(file.metadata["test.i64"] == .int64(-5_000_000_000))
        #expect(file.metadata["test.f32"] == .float32(1e-5))
        #expect(file.metadata["test.f64"]?.doubleValue == 2.5)
        #expect(file.metadata["test.flag"]?.boolValue == true)
        #expect(file.metadata["tokenizer.ggml.tokens"]?.stringArray == ["<s>", "é", "你好", "", "Ġthe"])
        #expect(file.metadata["tokenizer.ggml.token_type"]?.int32Array == [3, 1, 1, 1, 1])
        #expect(file.metadata["test.scores"]?.floatArray == [0.5, -1, 3])
        #expect(
            file.metadata["test.nested"] == .array(.arrays([.strings(["a", "b"]), .strings([]), .strings(["c"])])))
        #expect(file.tensors.map(\.name) == ["a.f32", "b.f16", "c.q8_0", "d.q4_0", "e.q4_k", "f.q6_k"])
        #expect(file.tensors.map(\.type) == [.f32, .f16, .q8_0, .q4_0, .q4_K, .q6_K])
        #expect(file.tensors.allSatisfy { $0.offset % 32 == 0 })
        #expect(file.dataOffset % 32 == 0)
        let a = try file.dequantize(named: "a.f32")
        #expect(a == (0..<16).map { Float($0) * 0.5 - 3 })
        #expect(file.tensor(named: "a.f32")?.rowMajorShape == [2, 8])
        let b = try file.dequantize(named: "b.f16")
        #expect(Array(b.prefix(5)) == [1, -2, 0.5, 0, 0])
        #expect(b[4].sign == .minus && b[5] == .infinity && b[6] == 0x1p-24 && b[7] == 3.140625)
        let c = try file.dequantize(named: "c.q8_0")
        let raw = try file.withTensorBytes(try #require(file.tensor(named: "c.q8_0"))) { Array($0) }
        #expect(c[0] == Float(Int8(bitPattern: raw[2])))
        #expect(c[32] == 0.5 * Float(Int8(bitPattern: raw[36])))
        #expect(throws: GGUFError.self) { try file.dequantize(named: "nope") }
    }

    @Test func everyTruncationThrows() throws {
        var failures: [Int] = []
        let headerLength = try GGUFFile(contentsOf: try GGUFTestWriter.writeTemporary(good, named: "t.gguf")).dataOffset
        // Every cut inside the header and tensor table, every 5th inside the tensor data.
        let lengths =
            Array(0..<headerLength) + Array(stride(from: headerLength, to: good.count, by: 5)) + [good.count - 1]
        let scratch = try GGUFTestWriter.writeTemporary([], named: "cut.gguf")
        defer { try? FileManager.default.removeItem(at: scratch.deletingLastPathComponent()) }
        for length in lengths {
            guard let error = try SyntheticGGUF.outcome(Array(good.prefix(length)), reusing: scratch) else {
                failures.append(length)
                continue
            }
            if length < 24 {
                if case .truncated = error {} else if case .cannotOpen = error {} else { failures.append(length) }
            }
        }
        #expect(failures.isEmpty, "prefixes that parsed: \(failures.prefix(10))")
        #expect(try SyntheticGGUF.outcome(good) == nil)
    }

    @Test func truncationMessageNamesWhatAndWhere() throws {
        let url = try GGUFTestWriter.writeTemporary(Array(good.prefix(40)), named: "short.gguf")
        let error = try #require(throws: GGUFError.self) { try GGUFFile(contentsOf: url) }
        let message = try #require(error.errorDescription)
        #expect(
            message.contains("short.gguf") && message.contains("byte 32") && message.contains("metadata key #0")
                && message.contains("file ends"), "\(message)")
        #expect(message.contains("re-download"))
    }

    @Test func headerErrorsAreTyped() throws {
        var bad = good
        bad[0] = UInt8(ascii: "X")
        #expect(throws: GGUFError.self) {
            if case .badMagic = try SyntheticGGUF.outcome(bad) { throw GGUFError.missingTensor(path: "", tensor: "") }
        }
        for version: UInt32 in [0, 1, 4, 0xFFFF_FFFF] {
            var w = SyntheticGGUF.writer()
            w.version = version
            guard case .unsupportedVersion(_, let v) = try SyntheticGGUF.outcome(w.bytes()) else {
                Issue.record("version \(version) accepted")
                continue
            }
            #expect(v == version)
        }
        var bigEndian = SyntheticGGUF.writer()
        bigEndian.version = UInt32(3).byteSwapped
        #expect(try SyntheticGGUF.outcome(bigEndian.bytes())?.errorDescription?.contains("big-endian") == true)
        var v2 = SyntheticGGUF.writer()
        v2.version = 2
        #expect(try SyntheticGGUF.outcome(v2.bytes()) == nil)
        // Absurd tensor / KV counts must be rejected before any allocation.
        for offset in [8, 16] {
            var huge = good
            for i in 0..<8 { huge[offset + i] = 0xFF }
            guard case .implausibleCount = try SyntheticGGUF.outcome(huge) else {
                Issue.record("count at \(offset) accepted")
                continue
            }
        }
        let dir = FileManager.default.temporaryDirectory
        #expect(throws: GGUFError.self) { try GGUFFile(contentsOf: dir) }
        #expect(throws: GGUFError.self) {
            try GGUFFile(contentsOf: dir.appendingPathComponent("missing-\(UUID()).gguf"))
        }
    }

    @Test func badMetadataIsTyped() throws {
        func outcome(_ edit: (inout GGUFTestWriter) -> Void) throws -> GGUFError? {
            var w = SyntheticGGUF.writer()
            edit(&w)
            return try SyntheticGGUF.outcome(w.bytes())
        }
        guard
            case .unknownValueType(_, let key, 13, _) = try outcome({
                $0.metadata.append(("x.bad", .raw(typeID: 13, payload: [0])))
            })
        else {
            Issue.record("value type 13 accepted")
            return
        }
        #expect(key == "x.bad")
        guard
            case .invalidUTF8 = try outcome({
                $0.metadata.append(("x.utf8", .raw(typeID: 8, payload: [2, 0, 0, 0, 0, 0, 0, 0, 0xC3, 0x28])))
            })
        else {
            Issue.record("invalid UTF-8 accepted")
            return
        }
        guard
            case .truncated = try outcome({
                $0.metadata.append(
                    ("x.len", .raw(typeID: 8, payload: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])))
            })
        else {
            Issue.record("huge string accepted")
            return
        }
        guard
            case .implausibleCount = try outcome({
                $0.metadata.append(
                    ("x.arr", .raw(typeID: 9, payload: [8, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8))))
            })
        else {
            Issue.record("huge array accepted")
            return
        }
        guard case .duplicate(_, _, "test.u8") = try outcome({ $0.metadata.append(("test.u8", .uint8(1))) }) else {
            Issue.record("duplicate key accepted")
            return
        }
        for alignment: GGUFTestWriter.Value in [.uint32(0), .uint32(24), .string("32")] {
            guard case .badAlignment = try outcome({ $0.metadata[1] = ("general.alignment", alignment) }) else {
                Issue.record("alignment \(alignment) accepted")
                return
            }
        }
        var deep: [UInt8] = []
        for _ in 0..<6 { deep += [9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0] }
        deep += [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        guard case .implausibleCount = try outcome({ $0.metadata.append(("x.deep", .raw(typeID: 9, payload: deep))) })
        else {
            Issue.record("deep nesting accepted")
            return
        }
    }

    @Test func badTensorRecordsAreTyped() throws {
        func outcome(_ edit: (inout GGUFTestWriter) -> Void) throws -> GGUFError? {
            var w = SyntheticGGUF.writer()
            edit(&w)
            return try SyntheticGGUF.outcome(w.bytes())
        }
        guard case .unknownTensorType(_, "a.f32", 99, _) = try outcome({ $0.tensors[0].typeID = 99 }) else {
            Issue.record("type 99 accepted")
            return
        }
        guard case .unknownTensorType = try outcome({ $0.tensors[0].typeID = 4 }) else {
            Issue.record("removed type 4 accepted")
            return
        }
        // Mislabelled: the last tensor (F32 data is only 64 bytes) claimed as far bigger Q8_0 rows.
        guard case .badTensorData(_, "f.q6_k", _, _, _) = try outcome({ $0.tensors[5].dims = [256, 64] }) else {
            Issue.record("oversized tensor accepted")
            return
        }
        guard case .badShape = try outcome({ $0.tensors[2].dims = [33, 2] }) else {
            Issue.record("partial block accepted")
            return
        }
        guard case .badShape = try outcome({ $0.tensors[0].dims = [UInt64.max, 2] }) else {
            Issue.record("huge dimension accepted")
            return
        }
        guard case .badShape = try outcome({ $0.tensors[0].dims = [1 << 40, 1 << 40] }) else {
            Issue.record("overflowing shape accepted")
            return
        }
        guard case .implausibleCount = try outcome({ $0.tensors[0].dims = [1, 1, 1, 1, 1] }) else {
            Issue.record("5 dimensions accepted")
            return
        }
        guard case .badTensorData = try outcome({ $0.tensors[1].offsetOverride = 1 << 40 }) else {
            Issue.record("out-of-range offset accepted")
            return
        }
        guard case .badTensorData = try outcome({ $0.tensors[1].offsetOverride = UInt64.max - 31 }) else {
            Issue.record("wrapping offset accepted")
            return
        }
        guard case .badTensorData = try outcome({ $0.tensors[1].offsetOverride = 72 }) else {
            Issue.record("misaligned offset accepted")
            return
        }
        guard case .duplicate(_, _, "a.f32") = try outcome({ $0.tensors[1].name = "a.f32" }) else {
            Issue.record("duplicate tensor accepted")
            return
        }
        // A type that parses but cannot be dequantised is reported when decoding, naming the tensor.
        var w = SyntheticGGUF.writer()
        w.tensors[3] = .init(name: "d.iq4_nl", dims: [64], typeID: 20, data: [UInt8](repeating: 1, count: 36))
        let file = try GGUFFile(contentsOf: try w.write())
        let error = try #require(throws: GGUFError.self) { try file.dequantize(named: "d.iq4_nl") }
        #expect(error.errorDescription?.contains("d.iq4_nl") == true)
    }

    @Test func everySingleBitFlipInTheHeaderParsesOrThrows() throws {
        var rng = SplitMix64(seed: 7)
        var parsed = 0
        var thrown = 0
        let headerLength = try GGUFFile(contentsOf: try GGUFTestWriter.writeTemporary(good, named: "h.gguf")).dataOffset
        #expect(headerLength > 400)
        let scratch = try GGUFTestWriter.writeTemporary([], named: "flip.gguf")
        defer { try? FileManager.default.removeItem(at: scratch.deletingLastPathComponent()) }
        for index in 0..<headerLength {
            var bad = good
            bad[index] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            if try SyntheticGGUF.outcome(bad, reusing: scratch) == nil { parsed += 1 } else { thrown += 1 }
        }
        #expect(parsed + thrown == headerLength)
        #expect(thrown > 0)
    }

    @Test func seededFuzzOf300MutationsNeverTraps() throws {
        var rng = SplitMix64(seed: 20_261_123)
        var parsed = 0
        var thrown = 0
        let scratch = try GGUFTestWriter.writeTemporary([], named: "fuzz.gguf")
        defer { try? FileManager.default.removeItem(at: scratch.deletingLastPathComponent()) }
        for _ in 0..<300 {
            var bad = good
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let position = Int.random(in: 0..<bad.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: bad[position] = UInt8.random(in: 0...255, using: &rng)
                case 1: bad[position] ^= 0x80
                case 2: bad.removeSubrange(position..<min(bad.count, position + Int.random(in: 1...16, using: &rng)))
                case 3:
                    bad.insert(
                        contentsOf: SyntheticGGUF.randomBytes(Int.random(in: 1...8, using: &rng), &rng), at: position)
                default:  // overwrite a 32/64-bit little-endian field with an extreme value
                    let extreme: [UInt8] = Bool.random(using: &rng) ? [0xFF, 0xFF, 0xFF, 0xFF] : [0, 0, 0, 0x80]
                    for (k, byte) in extreme.enumerated() where position + k < bad.count { bad[position + k] = byte }
                }
                if bad.isEmpty { bad = [0] }
            }
            if try SyntheticGGUF.outcome(bad, reusing: scratch) == nil { parsed += 1 } else { thrown += 1 }
        }
        #expect(parsed + thrown == 300)
        #expect(thrown > 100)
    }
}
