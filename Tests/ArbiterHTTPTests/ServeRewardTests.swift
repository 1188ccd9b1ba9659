// ServeRewardTests: POST /get_reward (OpenRLHF's remote reward protocol) over a scripted reward
// service: the response shape (rewards = scores, extra_logs), the response split off the query by
// the prompt, labels of every JSON type, empty batches, a batch split across two servers giving the
// one-server rewards, the service's refusal as a 422 with its reason, 400s naming the field for bad
// bodies, 413 above the limit, and 600 fuzzed bodies that never take the server down.
import ArbiterCore
import Foundation
import Testing

@testable import ArbiterServer

/// Reward = length of the completion, +10 when it equals its label; refuses completions "FAIL".
struct ScriptedRewards: RewardService {
    var functionNames: [String] { ["length", "exact"] }
    func rewards(_ request: RewardServiceRequest) async throws -> RewardServiceResult {
        if let row = request.completions.firstIndex(of: "FAIL") {
            throw RewardServiceError("row \(row) was scored by no reward function")
        }
        let exact = zip(request.completions, request.labels).map { $0 == $1 ? 10.0 : 0 }
        let length = request.completions.map { Double($0.count) }
        return RewardServiceResult(
            rewards: zip(length, exact).map { $0 + $1 }, logs: ["length": length, "exact": exact])
    }
}

@Suite struct ServeRewardTests {
    static func withRewardServer<T: Sendable>(
        maxBody: Int? = nil, _ body: @Sendable (URL) async throws -> T
    ) async throws -> T {
        let configuration =
            try maxBody.map { try ChatServerConfiguration(port: 0, maxBodyBytes: $0) }
            ?? ChatServerConfiguration(port: 0)
        let server = ChatServer(rewards: ScriptedRewards(), configuration: configuration, logger: CapturedLog().logger)
        return try await server.withRunning(body)
    }

    static func reward(_ url: URL, _ json: String) async throws -> HTTPAnswer {
        try await Serve.post(url, json, path: "/get_reward")
    }

    @Test func openRLHFRequestGetsRewardsScoresAndLogs() async throws {
        try await Self.withRewardServer { url in
            let answer = try await Self.reward(
                url,
                """
                {"query": ["<|im_start|>user\\n2+2?<|im_end|>\\n<|im_start|>assistant\\n4<|im_end|>", "Q: 1+1? 3"],
                 "prompts": ["<|im_start|>user\\n2+2?<|im_end|>\\n<|im_start|>assistant\\n", "Q: 1+1? "],
                 "labels": ["4<|im_end|>", 2]}
                """)
            #expect(answer.status == 200)
            let json = answer.json
            // Special tokens kept: the response is everything after the prompt.
            #expect(json["rewards"] as? [Double] == [21, 1])
            #expect(json["scores"] as? [Double] == [21, 1])
            let logs = try #require(json["extra_logs"] as? [String: [Double]])
            #expect(logs["length"] == [11, 1] && logs["exact"] == [10, 0])
            let health = try await Serve.get(url, "/health").json
            #expect(health["rewards"] as? [String] == ["length", "exact"])
            // A chat route on a reward-only server is a 404 naming what this server answers.
            let chat = try await Serve.post(
                url, #"{"model": "arbiter-reward", "messages": [{"role": "user", "content": "x"}]}"#)
            #expect(chat.status == 404)
        }
    }

    @Test func metricsCountRequestsRewardsAndRefusals() async throws {
        try await Self.withRewardServer { url in
            _ = try await Self.reward(url, #"{"query": ["ab", "abc"], "labels": ["ab", null]}"#)
            _ = try await Self.reward(url, #"{"query": ["x"]}"#)
            _ = try await Self.reward(url, #"{"query": ["FAIL"]}"#)
            _ = try await Self.reward(url, #"{"query": 3}"#)
            _ = try await Serve.get(url, "/scan/\(UUID().uuidString)")
            _ = try await Serve.get(url, "/v1/models/\(UUID().uuidString)")
            let answer = try await Serve.get(url, "/metrics")
            #expect(answer.status == 200 && answer.header("content-type")?.hasPrefix("text/plain") == true)
            let text = String(decoding: answer.body, as: UTF8.self)
            for line in [
                #"arbiter_http_requests_total{route="/get_reward",status="200"} 2"#,
                #"arbiter_http_requests_total{route="/get_reward",status="422"} 1"#,
                #"arbiter_http_requests_total{route="/get_reward",status="400"} 1"#,
                #"arbiter_http_requests_total{route="other",status="404"} 1"#,
                #"arbiter_http_requests_total{route="/v1/models/{id}",status="404"} 1"#,
                #"arbiter_reward_scored_total{function="length"} 3"#,
                #"arbiter_reward_value_sum{function="length"} 6.0"#,
                #"arbiter_reward_value_sum{function="exact"} 10.0"#,
                #"arbiter_reward_refused_batches_total 1"#,
                #"arbiter_reward_batch_size_count 2"#,
                "arbiter_requests_queued 0.0",
            ] {
                #expect(text.contains(line), "missing \(line) in\n\(text)")
            }
            #expect(text.contains(#"arbiter_http_request_duration_seconds_bucket{route="/get_reward""#))
        }
    }

    @Test func labelsOfEveryJSONTypeAndEmptyBatches() throws {
        let request = try ChatServer.decodeRewardRequest(
            Data(#"{"query": ["a1", "a2", "a3", "a4", "a5"], "labels": ["x", 7, 2.5, true, null]}"#.utf8))
        #expect(request.labels == ["x", "7", "2.5", "true", nil])
        #expect(
            request.prompts == Array(repeating: "", count: 5) && request.completions == ["a1", "a2", "a3", "a4", "a5"])
        let empty = try ChatServer.decodeRewardRequest(Data(#"{"query": [], "prompts": [], "labels": []}"#.utf8))
        #expect(empty.completions.isEmpty)
    }

    @Test func aBatchSplitAcrossTwoServersGetsTheOneServerRewards() async throws {
        let queries = (0..<9).map { "p\($0) answer \($0 % 3)" }
        let prompts = (0..<9).map { "p\($0) " }
        let labels = (0..<9).map { "answer \($0 % 2)" }
        @Sendable func body(_ range: Range<Int>) -> String {
            let q = queries[range].map { "\"\($0)\"" }.joined(separator: ", ")
            let p = prompts[range].map { "\"\($0)\"" }.joined(separator: ", ")
            let l = labels[range].map { "\"\($0)\"" }.joined(separator: ", ")
            return "{\"query\": [\(q)], \"prompts\": [\(p)], \"labels\": [\(l)]}"
        }
        let whole = try await Self.withRewardServer { url in
            try await Self.reward(url, body(0..<9)).json["rewards"] as? [Double]
        }
        let split = try await Self.withRewardServer { first in
            try await Self.withRewardServer { second in
                // OpenRLHF's split: one server gets the rows, the other an empty batch, then the rest.
                let a = try await Self.reward(first, body(0..<5)).json["rewards"] as? [Double]
                let none = try await Self.reward(second, body(0..<0)).json["rewards"] as? [Double]
                let b = try await Self.reward(second, body(5..<9)).json["rewards"] as? [Double]
                return (a ?? []) + (none ?? [-1]) + (b ?? [])
            }
        }
        #expect(whole != nil && whole == split)
    }

    @Test func badBodiesAre400sNamingTheField() async throws {
        try await Self.withRewardServer(maxBody: 4096) { url in
            let cases: [(String, Int, String)] = [
                ("{not json", 400, "invalid_json"),
                ("[1, 2]", 400, "invalid_json"),
                (#"{"prompts": ["a"]}"#, 400, "query"),
                (#"{"query": "a"}"#, 400, "query"),
                (#"{"query": [1]}"#, 400, "query"),
                (#"{"query": ["a", "b"], "prompts": ["a"]}"#, 400, "prompts"),
                (#"{"query": ["a"], "labels": [1, 2]}"#, 400, "labels"),
                (#"{"query": ["a"], "labels": [{"x": 1}]}"#, 400, "labels[0]"),
                (#"{"query": ["ab"], "prompts": ["b"]}"#, 400, "query[0]"),
                (#"{"query": ["a"], "model": "x"}"#, 400, "model"),
                (#"{"query": ["FAIL"]}"#, 422, "reward_failed"),
                ("{\"query\": [\"" + String(repeating: "x", count: 5000) + "\"]}", 413, "request_too_large"),
            ]
            for (body, status, mention) in cases {
                let answer = try await Self.reward(url, body)
                #expect(answer.status == status, "\(body.prefix(60)): \(answer.status)")
                let error = answer.json["error"] as? [String: Any]
                let said = [error?["param"] as? String, error?["code"] as? String].compactMap { $0 }
                #expect(said.contains(mention), "\(body.prefix(60)): \(String(decoding: answer.body, as: UTF8.self))")
            }
            #expect(try await Self.reward(url, #"{"query": ["ok"]}"#).status == 200)  // still up
        }
    }

    @Test func fuzzedBodiesNeverCrashTheDecoder() throws {
        var rng = SeededRNG(seed: 17)
        let seeds = [
            #"{"query": ["pa"], "prompts": ["p"], "labels": ["a"]}"#, #"{"query": [], "prompts": [], "labels": []}"#,
            #"{"query": ["x", "y"], "labels": [1, null]}"#,
        ].map { Array($0.utf8) }
        var accepted = 0
        for i in 0..<600 {
            var bytes = seeds[i % seeds.count]
            for _ in 0..<(1 + Int(rng.next() % 6)) {
                let at = Int(rng.next() % UInt64(max(bytes.count, 1)))
                switch rng.next() % 3 {
                case 0 where !bytes.isEmpty: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1 where !bytes.isEmpty: bytes.remove(at: at)
                default: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: min(at, bytes.count))
                }
            }
            do {
                let request = try ChatServer.decodeRewardRequest(Data(bytes))
                #expect(request.completions.count == request.labels.count)
                accepted += 1
            } catch {
                #expect(error.status.code == 400)
            }
        }
        #expect(accepted < 600)
    }
}

/// The stdlib Python client (clients/python/arbiter_reward.py) against a live reward server: TRL's
/// sync and async reward functions, verl's compute_score, and the server's refusal raised as
/// ArbiterRewardError without retries. Needs python3 on PATH (Debian ships it); absent, the test
/// records why it did not run.
@Suite struct PythonRewardClientTests {
    @Test func clientsGetTheServersRewards() async throws {
        guard
            let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            Issue.record("python3 is not installed; the Python client was not exercised")
            return
        }
        let clients = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../clients/python"
        ).standardizedFileURL.path
        let output = try await ServeRewardTests.withRewardServer { url in
            let script = """
                import asyncio, os, sys
                sys.path.insert(0, \(String(reflecting: clients)))
                import arbiter_reward as a
                url = \(String(reflecting: url.absoluteString))
                f = a.trl_reward(url, retries=0)
                print(f(["2+2? ", "q "], ["4", "xyz"], answer=["4", 5]))
                g = a.trl_reward_async(url)
                print(asyncio.run(g([[{"role": "user", "content": "q "}]], [[{"role": "assistant", "content": "ab"}]], answer=["ab"])))
                os.environ["ARBITER_REWARD_URL"] = url
                print(sorted(a.compute_score("arith", "42", 42, {"prompt": "q "}).items()))
                try:
                    f(["p "], ["FAIL"], answer=["x"])
                except a.ArbiterRewardError as e:
                    print("refused", "422" in str(e))
                """
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", script]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        let lines = output.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "[11.0, 3.0]", "[12.0]", "[('exact', 10.0), ('length', 2.0), ('score', 12.0)]", "refused True",
            ], "\(output)")
    }
}
