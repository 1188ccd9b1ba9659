// DequantizeTests: Float32 decoding against gguf.quants.dequantize (gguf 0.19.0).
// dequant_types.json: random blocks of all 12 supported non-F32 types, bit-exact.
// dequant.json: real SmolLM2 tensors (Q8_0, Q4_1, F32): first 64 values and row 1's first 16
// bit-exact; sum, sum of squares, max |x| over the whole tensor at relative 1e-9 (Double
// accumulation on both sides; only the summation order differs).
import ArbiterModels
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

func bytes(fromHex hex: String) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(hex.utf8.count / 2)
    var high: UInt8?
    for c in hex.utf8 {
        let v: UInt8 = c <= 57 ? c - 48 : (c | 0x20) - 87
        if let h = high {
            out.append(h << 4 | v)
            high = nil
        } else {
            high = v
        }
    }
    return out
}

/// Count of positions whose Float32 bit patterns differ (treating every NaN as equal).
func bitMismatches(_ got: [Float], _ want: [Float]) -> Int {
    guard got.count == want.count else { return max(got.count, want.count) }
    return zip(got, want).filter { $0.bitPattern != $1.bitPattern && !($0.isNaN && $1.isNaN) }.count
}

/// One `dequant_types.json` entry.
struct DequantTypeCase: Sendable, CustomTestStringConvertible {
    let name: String
    let typeID: Int
    let blockSize: Int
    let typeSize: Int
    let raw: [UInt8]
    let values: [Float]
    var testDescription: String { name }

    static let all: [DequantTypeCase] = {
        let doc = (try? Fixtures.json("gguf/dequant_types.json")) as? [String: Any]
        let types = doc?["types"] as? [[String: Any]] ?? []
        return types.map { e in
            DequantTypeCase(
                name: e["type"] as? String ?? "?", typeID: e["type_id"] as? Int ?? -1,
                blockSize: e["block_size"] as? Int ?? -1, typeSize: e["bytes_per_block"] as? Int ?? -1,
                raw: bytes(fromHex: e["raw_hex"] as? String ?? ""),
                values: (e["values"] as? [Double] ?? []).map { Float($0) })
        }
    }()
}

@Suite struct DequantizeTests {
    @Test func fixtureCoversEveryDequantizableType() {
        let names = Set(DequantTypeCase.all.map(\.name))
        let supported = Set(GGMLType.allCases.filter { $0.canDequantize && $0 != .f32 }.map(\.name))
        #expect(names == supported)
        #expect(names.count == 12)
    }

    @Test(arguments: DequantTypeCase.all) func typeIsBitExact(_ entry: DequantTypeCase) throws {
        let type = try #require(GGMLType(rawValue: UInt32(entry.typeID)))
        #expect(type.name == entry.name)
        #expect(type.blockSize == entry.blockSize)
        #expect(type.typeSize == entry.typeSize)
        #expect(entry.values.count > 0)
        let got = try Dequantizer.dequantize(type: type, bytes: entry.raw, count: entry.values.count)
        #expect(
            bitMismatches(got, entry.values) == 0, "\(type.name): max abs diff \(maxAbsDifference(got, entry.values))")
    }

    @Test func rejectsWrongByteCounts() {
        #expect(throws: GGUFError.self) {
            try Dequantizer.dequantize(type: .q4_1, bytes: [UInt8](repeating: 0, count: 19), count: 32)
        }
        #expect(throws: GGUFError.self) {
            try Dequantizer.dequantize(type: .q4_1, bytes: [UInt8](repeating: 0, count: 20), count: 31)
        }
        #expect(throws: GGUFError.self) { try Dequantizer.dequantize(type: .q4_K, bytes: [], count: -256) }
        #expect(throws: GGUFError.self) {
            try Dequantizer.dequantize(type: .iq2_XXS, bytes: [UInt8](repeating: 0, count: 66), count: 256)
        }
        #expect((try? Dequantizer.dequantize(type: .q8_0, bytes: [], count: 0)) == [])
    }

    @Test func halfConversionIsExactForEveryPattern() {
        // Widening is exact, so converting back with the platform's round-to-nearest Float→Float16
        // must give the same bits for every non-NaN pattern (checked without the Float16 type:
        // decode, then verify sign/exponent/mantissa arithmetically).
        for bits in 0...0xFFFF {
            let h = UInt16(bits)
            let f = HalfPrecision.float(fromFloat16Bits: h)
            let exponent = Int(h >> 10) & 0x1F
            let mantissa = Double(h & 0x3FF)
            let sign: Double = h & 0x8000 != 0 ? -1 : 1
            if exponent == 31 {
                #expect(mantissa == 0 ? f.isInfinite : f.isNaN)
                continue
            }
            let expected =
                exponent == 0
                ? sign * mantissa * 0x1p-24
                : sign * (1 + mantissa / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
            #expect(Double(f) == expected, "half 0x\(String(bits, radix: 16))")
            if Double(f) != expected { return }
        }
    }
}

@Suite struct DequantizeSmolLM2Tests {
    @Test func referenceTensorsMatch() throws {
        let doc = try #require(try Fixtures.json("gguf/dequant.json") as? [String: Any])
        let entries = try #require(doc["tensors"] as? [[String: Any]])
        let file = try GGUFFile(contentsOf: try TestModels.smolLM2GGUF())
        #expect(entries.count == 6)
        for entry in entries {
            let name = try #require(entry["name"] as? String)
            let info = try #require(file.tensor(named: name))
            #expect(info.type.name == entry["ggml_type"] as? String)
            #expect(info.rowMajorShape == entry["torch_shape"] as? [Int])
            let raw = try file.withTensorBytes(info) { Array($0.prefix(2 * info.type.typeSize)) }
            let hex = (entry["first_block_raw_hex"] as? String ?? "") + (entry["second_block_raw_hex"] as? String ?? "")
            #expect(raw == bytes(fromHex: hex), "\(name) raw blocks")

            let values = try file.dequantize(info)
            #expect(values.count == entry["n_elements"] as? Int)
            let first64 = try #require(entry["first64"] as? [Double]).map { Float($0) }
            #expect(bitMismatches(Array(values.prefix(64)), first64) == 0, "\(name) first64")
            if let row1 = entry["row1_first16"] as? [Double] {
                let rowLength = info.shape[0]
                #expect(
                    bitMismatches(Array(values[rowLength..<(rowLength + 16)]), row1.map { Float($0) }) == 0,
                    "\(name) row1")
            }
            var sum = 0.0
            var sumSquares = 0.0
            var maxAbs = 0.0
            for v in values {
                let x = Double(v)
                sum += x
                sumSquares += x * x
                maxAbs = max(maxAbs, abs(x))
            }
            let refSum = try #require(entry["sum"] as? Double)
            #expect(isClose(sum, refSum, absolute: 0, relative: 1e-9), "\(name) sum \(sum) vs \(refSum)")
            #expect(
                isClose(sumSquares, try #require(entry["sum_sq"] as? Double), absolute: 0, relative: 1e-9),
                "\(name) sum_sq")
            #expect(maxAbs == entry["max_abs"] as? Double, "\(name) max_abs")
        }
    }
}

@Suite struct DequantizeViewsTests {
    @Test func rowsAndBuffersMatchTheWholeTensor() throws {
        let file = try GGUFFile(contentsOf: try TestModels.smolLM2GGUF())
        for name in ["blk.0.attn_k.weight", "blk.3.ffn_down.weight", "output_norm.weight"] {
            let info = try #require(file.tensor(named: name))
            let whole = try file.dequantize(info)
            let rowLength = info.shape[0]
            let rowCount = info.elementCount / rowLength
            let rows = try file.dequantize(info, rows: (rowCount / 2)..<rowCount)
            #expect(rows == Array(whole[(rowCount / 2 * rowLength)...]), "\(name)")
            #expect(try file.dequantize(info, rows: 0..<0).isEmpty)
            #expect(throws: GGUFError.self) { try file.dequantize(info, rows: 0..<(rowCount + 1)) }
            var buffer = [Float](repeating: .nan, count: info.elementCount)
            try buffer.withUnsafeMutableBufferPointer { b throws(GGUFError) in try file.dequantize(info, into: b) }
            #expect(buffer == whole, "\(name)")
            var short = [Float](repeating: 0, count: info.elementCount - 1)
            #expect(throws: GGUFError.self) {
                try short.withUnsafeMutableBufferPointer { b throws(GGUFError) in try file.dequantize(info, into: b) }
            }
        }
        // Embedding rows of the Q8_0 table straight from the file: row 1 equals dequant.json's row1.
        let embedding = try #require(file.tensor(named: "token_embd.weight"))
        let row = try file.dequantize(embedding, rows: 1..<2)
        #expect(row.count == 576)
        let doc = try #require(try Fixtures.json("gguf/dequant.json") as? [String: Any])
        let entry = try #require(
            (doc["tensors"] as? [[String: Any]])?.first { $0["name"] as? String == "token_embd.weight" })
        let reference = try #require(entry["row1_first16"] as? [Double]).map { Float($0) }
        #expect(bitMismatches(Array(row.prefix(16)), reference) == 0)
    }
}
