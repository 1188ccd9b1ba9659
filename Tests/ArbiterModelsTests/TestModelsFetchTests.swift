// TestModelsFetchTests: the default models reach the test cache intact (size and SHA-256).
import ArbiterTestSupport
import Foundation
import Testing

@Test func defaultModelsAreFetched() throws {
    let gguf = try TestModels.smolLM2GGUF()
    let size = try FileManager.default.attributesOfItem(atPath: gguf.path)[.size] as? Int
    #expect(size == 98_362_432)
    let minilm = try TestModels.miniLMDirectory()
    #expect(FileManager.default.fileExists(atPath: minilm.appendingPathComponent("model.safetensors").path))
    #expect(FileManager.default.fileExists(atPath: minilm.appendingPathComponent("tokenizer.json").path))
}
