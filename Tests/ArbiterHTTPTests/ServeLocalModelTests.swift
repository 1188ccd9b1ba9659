// ServeLocalModelTests: `arbiter serve` over the real in-process SmolLM2-135M (LocalChatBackend):
// a short greedy request with logprobs and top_logprobs 5 served over HTTP gives the same text,
// tokens, usage and log-probabilities (top 5 digit alternatives, most likely first) as calling the
// backend directly. JSON carries doubles exactly: the measured deviation is 0 (bit-identical); the
// test allows 1e-6. max_tokens is 2 to keep the debug-mode run short (~13 s with the model load).
// Also: the streamed deltas of a request with a stop string add up to the unstreamed text;
// POST /v1/completions with echo scores a prompt as transformers does (smollm2/logits.json,
// tolerance 2e-3 from the reference README); POST /v1/embeddings serves all-MiniLM-L6-v2's
// sentence-transformers embeddings (minilm/embeddings.*: cosine ≥ 0.9999, max abs ≤ 1e-5).
import ArbiterChat
import ArbiterCore
import ArbiterJudge
import ArbiterServer
import ArbiterTestSupport
import Foundation
import Testing

@Suite(.serialized) struct ServeLocalModelTests {
    @Test func servedCompletionEqualsDirectBackendCall() async throws {
        let backend = try LocalChatBackend.load(try TestModels.smolLM2GGUF(), name: "smollm2-135m")
        let prompt = "What is 2+2? Reply with just the digit."
        let direct = try await backend.complete(
            ChatRequest(messages: [.user(prompt)], maxTokens: 2, temperature: 0, logprobs: true, topLogprobs: 5))
        let server = ChatServer(
            backend: backend, modelName: "smollm2-135m", configuration: try ChatServerConfiguration(port: 0),
            logger: CapturedLog().logger)
        let answer = try await server.withRunning { url in
            try await Serve.post(
                url,
                """
                {"model": "smollm2-135m", "max_tokens": 2, "temperature": 0, "logprobs": true, "top_logprobs": 5,
                 "messages": [{"role": "user", "content": "\(prompt)"}]}
                """, timeout: .seconds(600))  // the debug-mode model shares two cores with the other suites
        }
        #expect(answer.status == 200, "\(answer.text)")
        let body = try CompletionBody(answer)
        let choice = try #require(body.choices.first)
        #expect(choice.message.content == direct.text)
        let usage = try #require(direct.usage)
        #expect(
            body.usage?.prompt_tokens == usage.promptTokens && body.usage?.completion_tokens == usage.completionTokens)
        #expect(choice.finish_reason == (usage.completionTokens >= 2 ? "length" : "stop"))

        let expected = try #require(direct.tokens)
        let served = try #require(choice.logprobs?.content)
        #expect(!expected.isEmpty)
        // The answer starts with a digit, so one position carries the digit alternatives.
        #expect(expected.contains { !$0.top.isEmpty })
        #expect(served.map(\.token) == expected.map(\.token))
        var deviation = 0.0
        for (s, e) in zip(served, expected) {
            deviation = max(deviation, abs(s.logprob - Self.wire(e.logprob)))
            #expect(s.bytes == Array(e.token.utf8))
            let top = try #require(s.top_logprobs)
            let ranked = e.top.sorted { $0.logprob > $1.logprob }.prefix(5)
            #expect(top.map(\.token) == ranked.map(\.token))
            #expect(
                zip(top, top.dropFirst()).allSatisfy { $0.logprob >= $1.logprob }, "alternatives are most likely first")
            for alternative in top {
                let match = try #require(e.top.first { $0.token == alternative.token })
                deviation = max(deviation, abs(alternative.logprob - Self.wire(match.logprob)))
            }
        }
        #expect(deviation <= 1e-6, "largest |served - direct| logprob difference: \(deviation)")
    }

    @Test func streamedDeltasAddUpToTheCompletionAndStopAtTheStopString() async throws {
        let backend = try LocalChatBackend.load(try TestModels.smolLM2GGUF(), name: "smollm2-135m")
        let messages: [ChatMessage] = [.user("Name three colours.")]
        let free = try await backend.complete(ChatRequest(messages: messages, maxTokens: 10))
        let scalars = Array(free.text.unicodeScalars)
        try #require(scalars.count >= 8, "\(free.text)")
        // A stop string from the middle of the free text: generation must end right before it.
        let stop = String(String.UnicodeScalarView(scalars[4..<6]))
        let request = ChatRequest(messages: messages, maxTokens: 10, logprobs: true, stop: [stop])
        let whole = try await backend.complete(request)
        var deltas: [String] = []
        var tokens: [TokenLogprobs] = []
        var finished: ChatResponse?
        for try await event in backend.stream(request) {
            switch event {
            case .delta(let text, let more):
                deltas.append(text)
                tokens += more
            case .finished(let response): finished = response
            }
        }
        #expect(whole.text == String(free.text[..<free.text.range(of: stop)!.lowerBound]))
        #expect(deltas.joined() == whole.text)
        #expect(finished == whole)
        #expect(tokens == whole.tokens)
        #expect(deltas.filter { !$0.isEmpty }.count > 1, "more than one delta: \(deltas)")
    }

    @Test func echoedPromptLogprobsMatchTransformers() async throws {
        let backend = try LocalChatBackend.load(try TestModels.smolLM2GGUF(), name: "smollm2-135m", options: .exact)
        let reference = try #require(Fixtures.json("smollm2/logits.json") as? [String: Any])
        let prompt = try #require((reference["prompts"] as? [[String: Any]])?.first)
        let ids = try #require(prompt["input_ids"] as? [Int])
        let positions = try #require(prompt["positions"] as? [[String: Any]])
        let server = ChatServer(
            backend: backend, modelName: "smollm2-135m", configuration: try ChatServerConfiguration(port: 0),
            logger: CapturedLog().logger)
        let answer = try await server.withRunning { url in
            try await Serve.post(
                url, #"{"model": "smollm2-135m", "max_tokens": 1, "logprobs": 5, "echo": true, "prompt": \#(ids)}"#,
                path: "/v1/completions", timeout: .seconds(600))
        }
        #expect(answer.status == 200, "\(answer.text)")
        let choice = try #require((answer.json["choices"] as? [[String: Any]])?.first)
        let logprobs = try #require(choice["logprobs"] as? [String: Any])
        let values = try #require(logprobs["token_logprobs"] as? [Any])
        let tops = try #require(logprobs["top_logprobs"] as? [Any])
        try #require(values.count == ids.count + 1 && tops.count == ids.count + 1)
        #expect(values[0] is NSNull && tops[0] is NSNull)
        var deviation = 0.0
        for i in 1...ids.count {
            // Position i - 1 of the reference predicts token i (the last one predicts the generated token).
            let position = positions[i - 1]
            let lse = try #require(position["logsumexp"] as? Double)
            let top20 = try #require(position["top20"] as? [[Double]])
            let expected = i < ids.count ? try #require(position["next_logprob"] as? Double) : top20[0][1] - lse
            deviation = max(deviation, abs(try #require(values[i] as? Double) - expected))
            let served = try #require(tops[i] as? [String: Double]).values.sorted(by: >)
            let reference = top20.prefix(5).map { $0[1] - lse }
            #expect(served.count == 5)
            for (s, r) in zip(served, reference) { deviation = max(deviation, abs(s - r)) }
        }
        #expect(deviation <= 2e-3, "largest |served - transformers| log-probability: \(deviation)")
        let usage = try #require(answer.json["usage"] as? [String: Any])
        #expect(usage["prompt_tokens"] as? Int == ids.count && usage["completion_tokens"] as? Int == 1)
        #expect((choice["text"] as? String)?.hasPrefix(prompt["text"] as? String ?? "-") == true)
    }

    @Test func servedMiniLMEmbeddingsMatchSentenceTransformers() async throws {
        _ = try TestModels.miniLMDirectory()
        let encoder = try LocalEmbeddingBackend.load("minilm-l6-v2")
        let reference = try #require(Fixtures.json("minilm/embeddings.json") as? [String: Any])
        let all = try #require(reference["cases"] as? [[String: Any]]).compactMap { $0["text"] as? String }
        // OpenAI refuses empty inputs, and so does the server: the reference's empty case is left out.
        let kept = all.indices.filter { !all[$0].isEmpty }
        let texts = kept.map { all[$0] }
        let flat = try Fixtures.float32("minilm/embeddings.f32")
        let server = ChatServer(
            backend: ScriptedChatBackend(text: "x"), modelName: "chat", embeddings: encoder,
            configuration: try ChatServerConfiguration(port: 0), logger: CapturedLog().logger)
        let input = String(decoding: try JSONSerialization.data(withJSONObject: texts), as: UTF8.self)
        let (plain, packed) = try await server.withRunning { url in
            let body = #"{"model": "minilm-l6-v2", "input": \#(input)"#
            return (
                try await Serve.post(url, body + "}", path: "/v1/embeddings", timeout: .seconds(600)),
                try await Serve.post(
                    url, body + #", "encoding_format": "base64"}"#, path: "/v1/embeddings", timeout: .seconds(600))
            )
        }
        let data = try #require(plain.json["data"] as? [[String: Any]], "\(plain.status) \(plain.text.prefix(300))")
        let packedData = try #require(packed.json["data"] as? [[String: Any]])
        try #require(data.count == texts.count && packedData.count == texts.count)
        var worstCosine = 1.0
        var worstAbs: Float = 0
        for (i, item) in data.enumerated() {
            let vector = try #require(item["embedding"] as? [Double]).map(Float.init)
            let bytes = try #require(Data(base64Encoded: packedData[i]["embedding"] as? String ?? ""))
            let unpacked = stride(from: 0, to: bytes.count, by: 4).map {
                ServeCompletionsTests.littleEndianFloat(Array(bytes[$0..<($0 + 4)]))
            }
            #expect(unpacked == vector, "base64 and numbers carry the same floats")
            let expected = Array(flat[(kept[i] * 384)..<((kept[i] + 1) * 384)])
            try #require(vector.count == 384)
            let dot = zip(vector, expected).map { Double($0) * Double($1) }.reduce(0, +)
            let norms = sqrt(
                vector.map { Double($0 * $0) }.reduce(0, +) * expected.map { Double($0 * $0) }.reduce(0, +))
            worstCosine = min(worstCosine, dot / norms)
            worstAbs = max(worstAbs, zip(vector, expected).map { abs($0 - $1) }.max() ?? 0)
        }
        #expect(worstCosine >= 0.9999 && worstAbs <= 1e-5, "cosine \(worstCosine), max abs \(worstAbs)")
    }

    /// The server writes -inf as -9999 (JSON has no infinities).
    static func wire(_ logprob: Double) -> Double { logprob.isFinite ? logprob : -9999 }
}
