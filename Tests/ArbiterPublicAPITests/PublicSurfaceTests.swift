// PublicSurfaceTests: pins the public API a user reaches with a plain `import Arbiter`
// (no @testable): a symbol that stops being public breaks this file's build, and each test
// exercises the symbol on a small real input.
import Arbiter
import Foundation
import Testing

@Test func tensorAutogradAndOptimizerArePublic() throws {
    BLASThreads.set(1)
    #expect(BLASThreads.current == 1)
    var rng = SeededRNG(seed: 1)
    let w = Tensor.randomNormal([3, 2], mean: 0, standardDeviation: 0.1, using: &rng, requiresGrad: true)
    let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
    let loss = x.matmul(w).softmax(alongAxis: 1).sum()
    loss.backward()
    // Each softmax row sums to 1 whatever w is: the loss is constant and every gradient is 0.
    #expect(abs(loss.item() - 2) < 1e-6)
    #expect(w.grad?.shape == [3, 2] && w.grad?.scalars.allSatisfy { abs($0) < 1e-6 } == true)
    let single = x.matmul(w).sum()
    w.zeroGrad()
    single.backward()
    // d/dw Σ x·w = column sums of x: (1+4, 2+5, 3+6) for each of the 2 columns.
    #expect(w.grad?.scalars == [5, 5, 7, 7, 9, 9])
    var parameters = Parameters()
    parameters.add("w", w)
    #expect(parameters.names == ["w"])
}

@Test func rubricAndVerifiersArePublic() throws {
    let rubrics = Fixtures.repositoryRoot.appendingPathComponent("Rubrics/summeval-consistency.yaml")
    let rubric = try Rubric.load(contentsOf: rubrics)
    #expect(rubric.criteria.count == 1)
    #expect(!rubric.contentHash.isEmpty)
    let messages = rubric.renderPointwise(prompt: "Summarise.", response: "A summary.", reference: nil)
    #expect(messages.contains { $0.content.contains("A summary.") })
    let verifier = ExactMatchVerifier(normalization: [.trim, .caseFold])
    let pass = try verifier.check("  Paris ", reference: "paris").get()
    let fail = try verifier.check("Lyon", reference: "paris").get()
    #expect(pass.score == 1 && fail.score == 0)
}

@Test func agreementStatisticsArePublic() throws {
    let a = [1, 2, 3, 4, 5, 1, 2, 3]
    let b = [1, 2, 3, 4, 4, 1, 3, 3]
    // References: quadratic-weighted κ by its definition and scipy.stats.spearmanr, both in numpy.
    let kappa = try #require(try Agreement.cohenKappa(a, b, categories: [1, 2, 3, 4, 5], weighting: .quadratic))
    #expect(abs(kappa - 0.915_789_473_684_210_5) < 1e-12)
    let correlations = try Correlations(a.map(Double.init), b.map(Double.init))
    #expect(abs((correlations.spearman ?? 0) - 0.956_145_051_055_436_3) < 1e-12)
}

@Test func modelRuntimeTypesArePublic() {
    #expect(ArbiterModelsInfo.supportedGGUFVersions.contains(3))
    #expect(ModelStore.defaultRegistry.map(\.name).contains("smollm2-135m"))
    #expect(GGMLType.q4_1.blockSize == 32)
}

/// The repository root, found from this file (the test support target is internal to tests).
enum Fixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

@Test func chatSeamTemplatesAndServerArePublic() throws {
    let messages: [ChatMessage] = [.system("Judge."), ChatMessage(role: "user", content: "Hi")]
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    #expect(String(decoding: try encoder.encode(messages[1]), as: UTF8.self) == #"{"content":"Hi","role":"user"}"#)
    #expect(
        try JSONDecoder().decode(ChatMessage.self, from: Data(#"{"role":"assistant","content":"A"}"#.utf8))
            == .assistant("A"))
    let template = try ChatTemplate("{% for m in messages %}{{ m.role }}:{{ m.content }};{% endfor %}")
    #expect(try template.render(messages: messages, addGenerationPrompt: false) == "system:Judge.;user:Hi;")
    let request = ChatRequest(messages: messages, maxTokens: 4)
    #expect(request.messages.map(\.role) == [.system, .user])
    let configuration = try ChatServerConfiguration(port: 0)
    #expect(configuration.host == "127.0.0.1")
    #expect(throws: ChatServerError.self) { _ = try ChatServerConfiguration(port: -1) }
}
