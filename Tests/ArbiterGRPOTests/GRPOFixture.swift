// GRPOFixture: loads Tests/Fixtures/grpo/trl_grpo.json (TRL 1.9.0's own values; see its README).
import ArbiterTestSupport
import Foundation

enum GRPOFixture {
    /// The parsed fixture as a JSON object.
    static func load() throws -> [String: Any] {
        let url = Fixtures.url("grpo/trl_grpo.json")
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return object
    }
}
