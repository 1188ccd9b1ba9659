// GRPORewardSetTests: the reward file `arbiter serve --reward` reads: a file holding only
// `rewards:` works, labels fill the reference fields, monitors are logged and not summed, the
// unscored policy (error by default, or an explicit value, counted in the logs), and the refusals
// (token-length rewards, unknown fields, unscored_value without on_unscored: value).
import Foundation
import Testing

@testable import ArbiterGRPO

@Suite struct GRPORewardSetTests {
    static func load(_ yaml: String) throws -> GRPORewardSet {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reward-set-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("reward.yaml")
        try Data(yaml.utf8).write(to: url)
        return try GRPORewardSet.load(url)
    }

    @Test func aRewardsOnlyFileScoresWithLabels() async throws {
        let set = try Self.load(
            """
            rewards:
              - {name: exact, verifier: exact-match, reference_field: answer, weight: 2.0}
              - {name: number, format: '-?[0-9]+', weight: 0.5}
              - {name: watched, verifier: numeric-match, reference_field: answer, monitor: true}
            """)
        let served = try await set.served(
            prompts: ["2+2?", "1+1?", "3+3?"], completions: ["4", "two", "7"], labels: ["4", "2", "6"])
        #expect(served.rewards == [2.5, 0, 0.5])
        #expect(served.logs["exact"] == [1, 0, 0] && served.logs["number"] == [1, 0, 1])
        #expect(served.logs["watched"] == [1, 0, 0])  // logged, not summed
        #expect(served.logs["unscored"] == [0, 0, 0] && served.logs["exact/unscored"] == [0, 0, 0])
    }

    @Test func unscoredRowsFailByDefaultOrGetTheConfiguredValue() async throws {
        let yaml = "rewards: [{name: exact, verifier: exact-match, reference_field: answer}]\n"
        let strict = try Self.load(yaml)
        #expect(strict.onUnscored == .error)
        await #expect(throws: GRPORewardSetError.unscored(rows: [1], of: 2)) {
            _ = try await strict.served(prompts: ["a", "b"], completions: ["x", "y"], labels: ["x", nil])
        }
        let lenient = try Self.load(yaml + "on_unscored: value\nunscored_value: -1\n")
        let served = try await lenient.served(prompts: ["a", "b"], completions: ["x", "y"], labels: ["x", nil])
        #expect(served.rewards == [1, -1])
        #expect(served.logs["unscored"] == [0, 1] && served.logs["exact/unscored"] == [0, 1])
        let message = GRPORewardSetError.unscored(rows: [1], of: 2).localizedDescription
        #expect(message.contains("on_unscored: value") && message.contains("rows 1"))
    }

    @Test func refusalsNameTheField() throws {
        let cases: [(String, String)] = [
            ("rewards: [{name: long, soft_overlong: {max_length: 10, cache_length: 2}}]\n", "rewards.long"),
            ("rewards: [{name: e, verifier: exact-match}]\nspeed: 3\n", "speed"),
            ("rewards: [{name: e, verifier: exact-match}]\nunscored_value: 0\n", "unscored_value"),
            ("rewards: [{name: e, verifier: exact-match}]\non_unscored: value\n", "unscored_value"),
            ("rewards: [{name: e, verifier: exact-match}]\non_unscored: zero\n", "on_unscored"),
            ("on_unscored: error\n", "rewards"),
        ]
        for (yaml, field) in cases {
            #expect {
                _ = try Self.load(yaml)
            } throws: { error in
                "\(error)".contains(field) || (error as? LocalizedError)?.errorDescription?.contains(field) == true
            }
        }
    }
}
