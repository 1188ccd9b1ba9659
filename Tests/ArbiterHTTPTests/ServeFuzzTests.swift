// ServeFuzzTests: mutated bodies for the routes added after the first server (POST /v1/completions,
// /v1/embeddings, /classify, and streamed chat requests): 600 per decoder, each either accepted or a
// 400 with a named reason, never a crash; then 300 of them sent to a live server, which answers every
// one with JSON (200, or an OpenAI error) and stays up.
import ArbiterChat
import ArbiterCore
import Foundation
import Testing

@testable import ArbiterServer

@Suite struct ServeFuzzTests {
    static let seeds: [(path: String, body: String)] = [
        (
            "/v1/completions",
            #"{"model": "test-model", "prompt": [[1, 2], [3]], "echo": true, "logprobs": 2, "max_tokens": 1}"#
        ),
        (
            "/v1/completions",
            #"{"model": "test-model", "prompt": "abc", "stop": ["x"], "seed": -3, "temperature": 0.5}"#
        ),
        ("/v1/embeddings", #"{"model": "test-encoder", "input": ["a", "bé"], "encoding_format": "base64"}"#),
        (
            "/classify",
            #"{"model": "trained:judge", "input": ["x", {"prompt": "p", "response": "r"}], "activation": false}"#
        ),
        (
            "/v1/chat/completions",
            #"{"model": "test-model", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "hi"}]}"#
        ),
    ]

    /// `seed` with 1–6 random byte edits (replace, delete, insert).
    static func mutate(_ seed: String, _ rng: inout SeededRNG) -> Data {
        var bytes = Array(seed.utf8)
        for _ in 0..<(1 + Int(rng.next() % 6)) {
            let at = Int(rng.next() % UInt64(max(bytes.count, 1)))
            switch rng.next() % 3 {
            case 0 where !bytes.isEmpty: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            case 1 where !bytes.isEmpty: bytes.remove(at: at)
            default: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: min(at, bytes.count))
            }
        }
        return Data(bytes)
    }

    /// One decoder run: nil when accepted, else the error's status code.
    static func decode(_ path: String, _ body: Data) -> Int? {
        do {
            switch path {
            case "/v1/completions": _ = try TextCompletionsRequest.decode(body)
            case "/v1/embeddings": _ = try EmbeddingsRequest.decode(body)
            case "/classify": _ = try ClassifyRequest.decode(body)
            default: _ = try ChatCompletionRequest.decode(body)
            }
            return nil
        } catch {
            return Int(error.status.code)
        }
    }

    @Test func mutatedBodiesAreAcceptedOrRefusedWith400() {
        var rng = SeededRNG(seed: 0xF0_22)
        for (path, seed) in Self.seeds {
            #expect(Self.decode(path, Data(seed.utf8)) == nil, "the seed itself is valid: \(path)")
            var refused = 0
            for _ in 0..<600 {
                if let status = Self.decode(path, Self.mutate(seed, &rng)) {
                    #expect(status == 400, "\(path)")
                    refused += 1
                }
            }
            #expect(refused > 0 && refused < 600, "\(path): \(refused) of 600 refused")
        }
    }

    @Test func aLiveServerAnswersEveryMutatedBody() async throws {
        let server = ChatServer(
            backend: ScriptedTextBackend(), modelName: "test-model", embeddings: ScriptedEmbeddings(),
            classifier: ScriptedClassifier(), configuration: try ChatServerConfiguration(port: 0),
            logger: CapturedLog().logger)
        var rng = SeededRNG(seed: 0x11_7E)
        let bodies = (0..<300).map { i in
            let seed = Self.seeds[i % Self.seeds.count]
            return (seed.path, Self.mutate(seed.body, &rng))
        }
        let (statuses, health) = try await server.withRunning { url in
            var statuses: [Int] = []
            for (path, body) in bodies {
                let answer = try await Serve.send(.POST, url, path: path, body: body)
                let isJSON = (try? JSONSerialization.jsonObject(with: answer.body)) != nil
                let isEvents = answer.header("Content-Type") == "text/event-stream"
                #expect(isJSON || isEvents, "\(path) \(answer.status): \(answer.text.prefix(200))")
                statuses.append(answer.status)
            }
            return (statuses, try await Serve.get(url, "/health"))
        }
        #expect(statuses.allSatisfy { [200, 400, 404].contains($0) }, "\(Set(statuses))")
        #expect(statuses.contains(200) && statuses.contains(400))
        #expect(health.status == 200 && health.json["in_flight"] as? Int == 0)
    }
}
