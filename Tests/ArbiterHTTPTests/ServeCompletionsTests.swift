// ServeCompletionsTests: POST /v1/completions (legacy text completion) and POST /v1/embeddings
// over scripted backends: the wire shapes (one choice per prompt, echo, legacy logprobs with a
// null first entry, text offsets, summed usage; embeddings as numbers and as base64 float32 that
// decode to the same floats bit for bit) and the named 400s/404s. The real model and encoder
// against their references are in ServeLocalModelTests.
import ArbiterChat
import ArbiterServer
import Foundation
import Testing

/// Answers text completions from the prompt: echoes "p<i>" tokens and generates "out".
final class ScriptedTextBackend: ChatBackend, TextCompletionBackend, @unchecked Sendable {
    private let lock = NSLock()
    private var received: [TextCompletionRequest] = []
    var requests: [TextCompletionRequest] { lock.withLock { received } }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        ChatResponse(text: "chat", model: "scripted")
    }

    func completeText(_ request: TextCompletionRequest) async throws -> TextCompletionResponse {
        lock.withLock { received.append(request) }
        let promptTokens: [PromptTokenLogprobs]
        let promptText: String
        switch request.prompt {
        case .text(let text):
            promptText = text
            promptTokens = [PromptTokenLogprobs(token: text, logprob: nil, top: [])]
        case .tokens(let ids):
            promptText = ids.map { "t\($0)" }.joined()
            promptTokens = ids.enumerated().map { i, id in
                PromptTokenLogprobs(
                    token: "t\(id)", logprob: i == 0 ? nil : -Double(i),
                    top: i == 0
                        ? []
                        : [TokenLogprob(token: "t\(id)", logprob: -Double(i)), TokenLogprob(token: "x", logprob: -9)])
            }
        }
        let generated = Array(["o", "u", "t"].prefix(request.maxTokens))
        return TextCompletionResponse(
            promptText: promptText, promptTokens: request.echo && request.logprobs != nil ? promptTokens : nil,
            text: generated.joined(),
            tokens: request.logprobs == nil ? nil : generated.map { TokenLogprobs(token: $0, logprob: -0.25, top: []) },
            usage: ChatUsage(promptTokens: promptTokens.count, completionTokens: generated.count),
            truncated: generated.count == request.maxTokens)
    }
}

/// Embeds text i as [count, i, 0.1] (exact floats that JSON must carry exactly).
struct ScriptedEmbeddings: EmbeddingBackend {
    let modelName = "test-encoder"
    let dimension = 3
    func embed(_ texts: [String]) async throws -> EmbeddingResult {
        EmbeddingResult(
            vectors: texts.enumerated().map { [Float($0.element.count), Float($0.offset), 0.1] },
            promptTokens: texts.count * 2)
    }
}

@Suite struct ServeCompletionsTests {
    @Test func echoedPromptsGetLegacyLogprobs() async throws {
        let backend = ScriptedTextBackend()
        let answer = try await Serve.with(backend) { url in
            try await Serve.post(
                url,
                #"{"model": "test-model", "prompt": [[5, 6, 7], [8]], "max_tokens": 1, "logprobs": 1, "echo": true, "temperature": 0}"#,
                path: "/v1/completions")
        }
        #expect(answer.status == 200, "\(answer.text)")
        let json = answer.json
        #expect(json["object"] as? String == "text_completion")
        #expect((json["id"] as? String)?.hasPrefix("cmpl-") == true)
        let choices = try #require(json["choices"] as? [[String: Any]])
        #expect(choices.map { $0["index"] as? Int } == [0, 1])
        #expect(choices.map { $0["text"] as? String } == ["t5t6t7o", "t8o"])
        #expect(choices.map { $0["finish_reason"] as? String } == ["length", "length"])
        let logprobs = try #require(choices[0]["logprobs"] as? [String: Any])
        #expect(logprobs["tokens"] as? [String] == ["t5", "t6", "t7", "o"])
        let values = try #require(logprobs["token_logprobs"] as? [Any])
        #expect(values[0] is NSNull)
        #expect(values.dropFirst().compactMap { $0 as? Double } == [-1, -2, -0.25])
        let tops = try #require(logprobs["top_logprobs"] as? [Any])
        #expect(tops[0] is NSNull)
        #expect((tops[1] as? [String: Double]) == ["t6": -1, "x": -9])
        #expect(logprobs["text_offset"] as? [Int] == [0, 2, 4, 6])
        let usage = try #require(json["usage"] as? [String: Any])
        #expect(usage["prompt_tokens"] as? Int == 4 && usage["completion_tokens"] as? Int == 2)
        #expect(backend.requests.map(\.prompt) == [.tokens([5, 6, 7]), .tokens([8])])
        #expect(backend.requests.allSatisfy { $0.echo && $0.logprobs == 1 && $0.maxTokens == 1 })
    }

    @Test func plainPromptsDefaultToSixteenTokensWithoutLogprobs() async throws {
        let backend = ScriptedTextBackend()
        let answer = try await Serve.with(backend) { url in
            try await Serve.post(
                url, #"{"model": "test-model", "prompt": "Once", "stop": "u"}"#, path: "/v1/completions")
        }
        let choice = try #require((answer.json["choices"] as? [[String: Any]])?.first)
        #expect(choice["text"] as? String == "o", "cut before the stop string")
        #expect(choice["finish_reason"] as? String == "stop")
        #expect(choice["logprobs"] is NSNull)
        #expect(backend.requests.first?.maxTokens == 16)
        #expect(backend.requests.first?.stop == ["u"])
    }

    @Test func badCompletionRequestsNameTheField() async throws {
        let m = #""model": "test-model""#
        let cases: [(String, Int, String?)] = [
            ("{\(m)}", 400, "prompt"), (#"{"prompt": "x"}"#, 400, "model"),
            ("{\(m), \"prompt\": []}", 400, "prompt"), ("{\(m), \"prompt\": [1.5]}", 400, "prompt[0]"),
            ("{\(m), \"prompt\": [1, \"a\"]}", 400, "prompt[1]"), ("{\(m), \"prompt\": [\"a\", 1]}", 400, "prompt[1]"),
            ("{\(m), \"prompt\": [[1], []]}", 400, "prompt[1]"), ("{\(m), \"prompt\": [-1]}", 400, "prompt[0]"),
            ("{\(m), \"prompt\": {\"a\": 1}}", 400, "prompt"),
            ("{\(m), \"prompt\": \"x\", \"logprobs\": 21}", 400, "logprobs"),
            ("{\(m), \"prompt\": \"x\", \"logprobs\": true}", 400, "logprobs"),
            ("{\(m), \"prompt\": \"x\", \"n\": 2}", 400, "n"),
            ("{\(m), \"prompt\": \"x\", \"best_of\": 3}", 400, "best_of"),
            ("{\(m), \"prompt\": \"x\", \"stream\": true}", 400, "stream"),
            ("{\(m), \"prompt\": \"x\", \"suffix\": \"y\"}", 400, "suffix"),
            ("{\(m), \"prompt\": \"x\", \"max_tokens\": -1}", 400, "max_tokens"),
            ("{\(m), \"prompt\": \"x\", \"max_tokens\": 0}", 400, "max_tokens"),
            ("{\(m), \"prompt\": \"x\", \"max_tokens\": 5000}", 400, "max_tokens"),
            ("{\(m), \"prompt\": \"x\", \"temperature\": 3}", 400, "temperature"),
            ("{\(m), \"prompt\": \"x\", \"stop\": [\"\"]}", 400, "stop"),
            (#"{"model": "other", "prompt": "x"}"#, 404, "model"), ("[1]", 400, nil), ("{", 400, nil),
        ]
        let answers = try await Serve.with(ScriptedTextBackend()) { url in
            var out: [HTTPAnswer] = []
            for (body, _, _) in cases { out.append(try await Serve.post(url, body, path: "/v1/completions")) }
            return out
        }
        for ((body, status, param), answer) in zip(cases, answers) {
            #expect(answer.status == status, "\(body) → \(answer.text)")
            #expect(answer.error("param") as? String == param, "\(body) → \(answer.text)")
        }
    }

    @Test func aChatOnlyBackendRefusesTextCompletions() async throws {
        let answer = try await Serve.with(ScriptedChatBackend(text: "x")) { url in
            try await Serve.post(url, #"{"model": "test-model", "prompt": "x"}"#, path: "/v1/completions")
        }
        #expect(answer.status == 400)
        #expect(answer.error("code") as? String == "unsupported_parameter")
    }

    @Test func embeddingsAsNumbersAndAsBase64() async throws {
        let server = ChatServer(
            backend: ScriptedChatBackend(text: "x"), modelName: "test-model", embeddings: ScriptedEmbeddings(),
            configuration: try ChatServerConfiguration(port: 0), logger: CapturedLog().logger)
        let (plain, packed, models) = try await server.withRunning { url in
            let body = #"{"model": "test-encoder", "input": ["abc", "de"]"#
            return (
                try await Serve.post(url, body + "}", path: "/v1/embeddings"),
                try await Serve.post(url, body + #", "encoding_format": "base64"}"#, path: "/v1/embeddings"),
                try await Serve.get(url, "/v1/models")
            )
        }
        #expect(plain.status == 200 && packed.status == 200, "\(plain.text) \(packed.text)")
        #expect(plain.json["object"] as? String == "list" && plain.json["model"] as? String == "test-encoder")
        let data = try #require(plain.json["data"] as? [[String: Any]])
        #expect(data.map { $0["index"] as? Int } == [0, 1])
        #expect(data.allSatisfy { $0["object"] as? String == "embedding" })
        let vectors = data.map { ($0["embedding"] as? [Double] ?? []).map(Float.init) }
        #expect(vectors == [[3, 0, 0.1], [2, 1, 0.1]], "Float → JSON → Float is exact")
        let decoded = try (packed.json["data"] as? [[String: Any]] ?? []).map { item in
            let bytes = try #require(Data(base64Encoded: item["embedding"] as? String ?? ""))
            return stride(from: 0, to: bytes.count, by: 4).map { i in Self.littleEndianFloat(Array(bytes[i..<(i + 4)]))
            }
        }
        #expect(decoded == vectors)
        #expect((plain.json["usage"] as? [String: Any])?["prompt_tokens"] as? Int == 4)
        let ids = (models.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        #expect(ids == ["test-model", "test-encoder"])
    }

    static func littleEndianFloat(_ b: [UInt8]) -> Float {
        var bits: UInt32 = 0
        for (i, byte) in b.enumerated() { bits |= UInt32(byte) << (8 * UInt32(i)) }
        return Float(bitPattern: bits)
    }

    @Test func badEmbeddingRequestsNameTheField() async throws {
        let server = ChatServer(
            backend: ScriptedChatBackend(text: "x"), modelName: "test-model", embeddings: ScriptedEmbeddings(),
            configuration: try ChatServerConfiguration(port: 0), logger: CapturedLog().logger)
        let m = #""model": "test-encoder""#
        let cases: [(String, Int, String?)] = [
            ("{\(m)}", 400, "input"), ("{\(m), \"input\": []}", 400, "input"),
            ("{\(m), \"input\": \"\"}", 400, "input"),
            ("{\(m), \"input\": [\"a\", \"\"]}", 400, "input[1]"), ("{\(m), \"input\": [1, 2]}", 400, "input"),
            ("{\(m), \"input\": \"a\", \"encoding_format\": \"int8\"}", 400, "encoding_format"),
            ("{\(m), \"input\": \"a\", \"dimensions\": 2}", 400, "dimensions"),
            (#"{"model": "test-model", "input": "a"}"#, 404, "model"), (#"{"input": "a"}"#, 400, "model"),
        ]
        let answers = try await server.withRunning { url in
            var out: [HTTPAnswer] = []
            for (body, _, _) in cases { out.append(try await Serve.post(url, body, path: "/v1/embeddings")) }
            return out
        }
        for ((body, status, param), answer) in zip(cases, answers) {
            #expect(answer.status == status, "\(body) → \(answer.text)")
            #expect(answer.error("param") as? String == param, "\(body) → \(answer.text)")
        }
        let none = try await Serve.with(ScriptedChatBackend(text: "x")) { url in
            try await Serve.post(url, #"{"model": "x", "input": "a"}"#, path: "/v1/embeddings")
        }
        #expect(none.status == 404)
    }
}

/// Three score levels; the probabilities follow the response's length.
struct ScriptedClassifier: ClassifierService {
    var modelName = "trained:judge"
    var labels = ["1", "2", "3"]
    var isProbabilistic = true
    func classify(_ inputs: [ClassifierInput]) async throws -> [ClassifierOutput] {
        inputs.map { input in
            isProbabilistic
                ? ClassifierOutput(probs: input.response.count > 3 ? [0.1, 0.2, 0.7] : [0.6, 0.3, 0.1])
                : ClassifierOutput(probs: [input.prompt.isEmpty ? 0 : 2])
        }
    }
}

@Suite struct ServeClassifyTests {
    static func with<T: Sendable>(
        _ classifier: ScriptedClassifier, _ body: @Sendable (URL) async throws -> T
    ) async throws -> T {
        let server = ChatServer(
            backend: ScriptedChatBackend(text: "x"), modelName: "test-model", classifier: classifier,
            configuration: try ChatServerConfiguration(port: 0), logger: CapturedLog().logger)
        return try await server.withRunning(body)
    }

    @Test func rowsInVLLMsShape() async throws {
        let answer = try await Self.with(ScriptedClassifier()) { url in
            try await Serve.post(
                url,
                #"{"model": "trained:judge", "input": ["ok", {"prompt": "p", "response": "longer"}], "activation": false}"#,
                path: "/classify")
        }
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.json["object"] as? String == "list" && answer.json["model"] as? String == "trained:judge")
        let data = try #require(answer.json["data"] as? [[String: Any]])
        #expect(data.map { $0["index"] as? Int } == [0, 1])
        #expect(data.map { $0["label"] as? String } == ["1", "3"])
        #expect(data.map { $0["probs"] as? [Double] } == [[0.6, 0.3, 0.1], [0.1, 0.2, 0.7]])
        #expect(data.allSatisfy { $0["num_classes"] as? Int == 3 })
    }

    @Test func aSingleRawScoreTakesTheActivation() async throws {
        let raw = ScriptedClassifier(labels: ["reward"], isProbabilistic: false)
        let (plain, squashed) = try await Self.with(raw) { url in
            let input = #""input": [{"prompt": "p", "response": "r"}]"#
            return (
                try await Serve.post(
                    url, #"{"model": "trained:judge", \#(input), "activation": false}"#, path: "/classify"),
                try await Serve.post(url, #"{"model": "trained:judge", \#(input)}"#, path: "/classify")
            )
        }
        let first = (plain.json["data"] as? [[String: Any]])?.first
        #expect(first?["probs"] as? [Double] == [2] && first?["num_classes"] as? Int == 1)
        let logistic = ((squashed.json["data"] as? [[String: Any]])?.first?["probs"] as? [Double])?.first ?? 0
        #expect(abs(logistic - 1 / (1 + exp(-2))) < 1e-12)
    }

    @Test func badClassifyRequestsNameTheField() async throws {
        let m = #""model": "trained:judge""#
        let cases: [(String, Int, String?)] = [
            ("{\(m)}", 400, "input"), ("{\(m), \"input\": []}", 400, "input"),
            ("{\(m), \"input\": [1]}", 400, "input[0]"),
            ("{\(m), \"input\": [{\"prompt\": \"p\"}]}", 400, "input[0].response"),
            ("{\(m), \"input\": [{\"response\": \"r\", \"prompt\": 3}]}", 400, "input[0].prompt"),
            ("{\(m), \"input\": \"x\", \"activation\": \"no\"}", 400, "activation"),
            (#"{"model": "other", "input": "x"}"#, 404, "model"), (#"{"input": "x"}"#, 400, "model"), ("[]", 400, nil),
        ]
        let answers = try await Self.with(ScriptedClassifier()) { url in
            var out: [HTTPAnswer] = []
            for (body, _, _) in cases { out.append(try await Serve.post(url, body, path: "/classify")) }
            return out
        }
        for ((body, status, param), answer) in zip(cases, answers) {
            #expect(answer.status == status, "\(body) → \(answer.text)")
            #expect(answer.error("param") as? String == param, "\(body) → \(answer.text)")
        }
    }
}
