// PromptLimitTests: prompts a user can type that the model cannot take as they are, on the tiny
// chat model (context 32): an empty prompt starts from BOS (or is a typed error without one), a
// one-token prompt works, and a prompt that leaves no room in the context is a typed
// context-length error for generation and for every scorer, never a trap or an empty answer.
// Also the block-count and non-regular-file refusals of loading.
import ArbiterTensor
import ArbiterTestSupport
import Foundation
import Testing

@testable import ArbiterModels

@Suite struct PromptLimitTests {
    static func model(contextLength: Int = 32, withBOS: Bool = true) throws -> LanguageModel {
        try LanguageModel.load(TinyChatModel.file(contextLength: contextLength, withBOS: withBOS))
    }

    @Test func emptyPromptStartsFromBOSAndOneTokenPromptsWork() throws {
        let lm = try Self.model()
        let options = try GenerationOptions(maxNewTokens: 3)
        let empty = try lm.generate(prompt: [], options: options)
        let bos = try lm.generate(prompt: [TinyChatModel.bos], options: options)
        #expect(empty == bos)
        #expect(empty.tokens.count == 3 || empty.finishReason == .stopToken)
        #expect(try lm.conditioningIDs([]) == [TinyChatModel.bos])
        #expect(try lm.conditioningIDs([5, 6]) == [5, 6])
        let one = try lm.generate(prompt: [104], options: options)
        #expect(!one.tokens.isEmpty)
        let scored = try lm.model.logProbabilities(prompt: [104], completion: [105, 106])
        #expect(scored.count == 2 && scored.allSatisfy { $0.isFinite && $0 <= 0 })
        // Batches with no rows give no results.
        #expect(try lm.generate(prompts: [], options: options).isEmpty)
    }

    /// A corrupt weight (NaN in the final norm) makes every logit NaN: generation, scoring and
    /// candidate probabilities throw `.nonFiniteLogits` instead of returning tokens picked from
    /// NaN or NaN scores (which `score --json` could not even print).
    @Test func nonFiniteLogitsAreATypedError() throws {
        var writer = GGUFTestWriter.tinyLlama(contextLength: 32)
        let norm = try #require(writer.tensors.firstIndex { $0.name == "output_norm.weight" })
        writer.tensors[norm].data.replaceSubrange(0..<4, with: withUnsafeBytes(of: Float.nan.bitPattern) { Array($0) })
        let lm = try LanguageModel.load(writer.write(named: "nan-norm.gguf"))
        let options = try GenerationOptions(maxNewTokens: 3)
        #expect(throws: GenerationError.nonFiniteLogits) { try lm.generate(prompt: [104], options: options) }
        #expect(throws: GenerationError.nonFiniteLogits) {
            try lm.model.logProbabilities(prompt: [104], completion: [105, 106])
        }
        #expect(throws: GenerationError.nonFiniteLogits) {
            try lm.model.candidateProbabilities(prompt: [104], candidates: [49, 50])
        }
        #expect(GenerationError.nonFiniteLogits.errorDescription?.contains("corrupt") == true)
    }

    @Test func emptyPromptWithoutBOSIsATypedError() throws {
        let lm = try Self.model(withBOS: false)
        #expect(throws: GenerationError.emptyPrompt) { try lm.generate(prompt: []) }
        #expect(throws: GenerationError.emptyPrompt) { try lm.conditioningIDs([]) }
        #expect(throws: GenerationError.emptyPrompt) { try lm.model.logProbabilities(prompt: [], completion: [104]) }
        #expect(throws: GenerationError.emptyPrompt) {
            try lm.model.completionLogProbs(pairs: [(prompt: [], completion: [104])])
        }
        #expect(throws: GenerationError.emptyPrompt) {
            try lm.model.candidateProbabilities(prompt: [], candidates: [104])
        }
        #expect(GenerationError.emptyPrompt.localizedDescription.contains("at least one token"))
    }

    @Test func promptsPastTheContextAreTypedErrors() throws {
        let lm = try Self.model(contextLength: 16)
        let prompt = Array(repeating: 120, count: 16)
        let error = GenerationError.contextLength(promptTokens: 16, completionTokens: 1, contextLength: 16)
        #expect(throws: error) { try lm.generate(prompt: prompt) }
        #expect(throws: error) { try lm.generate(prompts: [[104], prompt]) }
        #expect(throws: error) { try lm.model.candidateProbabilities(prompt: prompt, candidates: [104]) }
        #expect(error.localizedDescription.contains("16 tokens"))
        // One position left: exactly one new token, reported as a context-length stop.
        let last = try lm.generate(prompt: Array(prompt.dropLast()), options: try GenerationOptions(maxNewTokens: 5))
        #expect(last.tokens.count == 1)
        #expect(last.finishReason == .contextLength || last.finishReason == .stopToken)
        // Scoring: prompt + completion must fit.
        let scoring = GenerationError.contextLength(promptTokens: 10, completionTokens: 7, contextLength: 16)
        let ten = Array(repeating: 120, count: 10)
        #expect(throws: scoring) {
            try lm.model.logProbabilities(prompt: ten, completion: Array(repeating: 121, count: 7))
        }
        #expect(throws: scoring) {
            try lm.model.completionLogProbs(pairs: [(prompt: ten, completion: Array(repeating: 121, count: 7))])
        }
        #expect(try lm.model.logProbabilities(prompt: ten, completion: Array(repeating: 121, count: 6)).count == 6)
    }

    @Test func blockCountBeyondTheTensorTableIsRefusedBeforeAllocating() throws {
        let url = try TinyChatModel.file(blockCount: 2_147_483_647)
        let file = try GGUFFile(contentsOf: url)
        #expect(throws: LlamaError.self) { try LlamaModel.verifiedTensors(file) }
        do {
            _ = try LanguageModel.load(url)
            Issue.record("a 2^31-block configuration with one block of tensors loaded")
        } catch let error as LlamaError {
            guard case .invalidKey(_, let key, let value, let reason) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(key == "llama.block_count" && value == "2147483647")
            #expect(reason.contains("1 block"))
        }
    }

    @Test func nonRegularFilesAreRefusedWithoutBlocking() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("model.gguf")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        #expect {
            try GGUFFile(contentsOf: fifo)
        } throws: { error in
            guard case GGUFError.cannotOpen(_, let reason) = error else { return false }
            return reason.contains("FIFO")
        }
        #expect(throws: (any Error).self) { try LanguageModel.load(fifo) }
        #expect {
            try SafeTensorsFile(contentsOf: fifo)
        } throws: { error in
            "\(error)".contains("FIFO")
        }
        let json = dir.appendingPathComponent("config.json")
        #expect(mkfifo(json.path, 0o600) == 0)
        #expect {
            try BERTConfiguration(configJSON: json)
        } throws: { error in
            (error as? BERTError)?.localizedDescription.contains("FIFO") == true
        }
        // A directory named like a model is refused the same way.
        let folder = dir.appendingPathComponent("folder.gguf")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        #expect {
            try GGUFFile(contentsOf: folder)
        } throws: { error in
            guard case GGUFError.cannotOpen(_, let reason) = error else { return false }
            return reason.contains("directory")
        }
    }
}
