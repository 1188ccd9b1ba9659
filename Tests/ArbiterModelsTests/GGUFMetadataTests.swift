// GGUFMetadataTests: the reader against gguf-py's view of the real SmolLM2 file
// (Fixtures/gguf/gguf_metadata.json): header, every metadata key with type and value, every
// tensor record. Tolerance: exact (parsing).
import ArbiterModels
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct GGUFMetadataTests {
    let reference: [String: Any]
    let file: GGUFFile

    init() throws {
        reference = try #require(try Fixtures.json("gguf/gguf_metadata.json") as? [String: Any])
        file = try GGUFFile(contentsOf: try TestModels.smolLM2GGUF())
    }

    @Test func header() throws {
        #expect(reference["magic"] as? String == "GGUF")
        #expect(Int(file.version) == reference["version"] as? Int)
        #expect(file.tensors.count == reference["tensor_count"] as? Int)
        #expect(file.metadata.count == reference["kv_count"] as? Int)
        #expect(file.metadataOrder.count == file.metadata.count)
        #expect(file.alignment == reference["alignment"] as? Int)
        #expect(file.dataOffset == reference["data_section_offset"] as? Int)
        #expect(file.fileSize == reference["file_size"] as? Int)
    }

    @Test func everyMetadataValue() throws {
        let meta = try #require(reference["metadata"] as? [String: [String: Any]])
        #expect(Set(meta.keys) == Set(file.metadataOrder))
        for (key, entry) in meta {
            let value = try #require(file.metadata[key], "missing \(key)")
            let type = try #require(entry["type"] as? String)
            #expect(value.type.name == type, "\(key)")
            if type == "ARRAY" {
                let array = try #require(value.arrayValue)
                #expect(array.elementType.name == entry["element_type"] as? String, "\(key)")
                #expect(array.count == entry["length"] as? Int, "\(key)")
                let first = try #require(entry["first5"] as? [Any])
                switch array {
                case .strings(let s): #expect(Array(s.prefix(5)) == first.compactMap { $0 as? String }, "\(key)")
                case .int32s(let v): #expect(v.prefix(5).map { Int($0) } == first.compactMap { $0 as? Int }, "\(key)")
                default: Issue.record("unexpected array type for \(key)")
                }
            } else {
                try expectScalar(value, equals: try #require(entry["value"]), key: key)
            }
        }
    }

    private func expectScalar(_ value: GGUFValue, equals expected: Any, key: String) throws {
        switch value {
        case .string(let s): #expect(s == expected as? String, "\(key)")
        case .bool(let b): #expect(b == (expected as? NSNumber)?.boolValue, "\(key)")
        case .float32(let f): #expect(Double(f) == (expected as? NSNumber)?.doubleValue, "\(key)")
        case .float64(let d): #expect(d == (expected as? NSNumber)?.doubleValue, "\(key)")
        default:
            let i = try #require(value.intValue, "\(key)")
            #expect(i == (expected as? NSNumber)?.intValue, "\(key)")
        }
    }

    @Test func convenienceAccessors() throws {
        #expect(file.metadata["general.architecture"]?.stringValue == "llama")
        #expect(file.metadata["llama.block_count"]?.intValue == 30)
        #expect(file.metadata["llama.rope.freq_base"]?.doubleValue == 100000)
        #expect(file.metadata["tokenizer.ggml.add_bos_token"]?.boolValue == false)
        let tokens = try #require(file.metadata["tokenizer.ggml.tokens"]?.stringArray)
        #expect(tokens.count == 49152)
        #expect(tokens[2] == "<|im_end|>")
        let types = try #require(file.metadata["tokenizer.ggml.token_type"]?.int32Array)
        #expect(types.count == 49152)
        #expect(types.filter { $0 == 3 }.count == 17)
        #expect(file.metadata["tokenizer.ggml.merges"]?.stringArray?.count == 48900)
        #expect(file.metadata["tokenizer.ggml.tokens"]?.floatArray == nil)
        #expect(file.metadata["general.name"]?.intValue == nil)
    }

    @Test func everyTensorRecord() throws {
        let tensors = try #require(reference["tensors"] as? [[String: Any]])
        #expect(tensors.count == file.tensors.count)
        for (ref, info) in zip(tensors, file.tensors) {
            #expect(info.name == ref["name"] as? String)
            #expect(info.type.name == ref["ggml_type"] as? String, "\(info.name)")
            #expect(Int(info.type.rawValue) == ref["ggml_type_id"] as? Int, "\(info.name)")
            #expect(info.shape == ref["gguf_shape_ne"] as? [Int], "\(info.name)")
            #expect(info.rowMajorShape == ref["torch_shape"] as? [Int], "\(info.name)")
            #expect(info.elementCount == ref["n_elements"] as? Int, "\(info.name)")
            #expect(info.byteCount == ref["n_bytes"] as? Int, "\(info.name)")
            #expect(info.offset == ref["offset_in_data_section"] as? Int, "\(info.name)")
            #expect(file.dataOffset + info.offset == ref["absolute_file_offset"] as? Int, "\(info.name)")
            #expect(file.tensor(named: info.name) == info)
        }
        #expect(file.tensor(named: "output.weight") == nil)
    }
}
