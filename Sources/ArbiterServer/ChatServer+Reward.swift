// ChatServer+Reward: POST /get_reward, OpenRLHF's remote reward model protocol:
// {"query": [str], "prompts": [str], "labels": [any]} → {"rewards": [float], "scores": [float],
// "extra_logs": {name: [float]}}. `query` is prompt + response as one decoded string; the response
// is what follows `prompts[i]` in `query[i]`. When the prompt is not a prefix of the query the
// request is refused (400 naming the row) rather than guessed at. Labels may be strings, numbers,
// booleans or null (numbers keep their JSON text). Empty lists are a valid batch (OpenRLHF sends
// them to all but one server when it splits a batch). Unknown fields, wrong types and lists of
// different lengths are 400s naming the field.
import ArbiterCore
import Foundation
import Hummingbird
import NIOCore

extension ChatServer {
    /// The whole POST /get_reward exchange.
    func getReward(_ request: Request) async -> Response {
        guard let rewardService else {
            return Self.error(.notFound(method: "POST", path: "/get_reward"))
        }
        return await answering {
            let body = try await readBody(request)
            let batch = try Self.decodeRewardRequest(body)
            let result: RewardServiceResult
            do {
                result = try await rewardService.rewards(batch)
            } catch let error as RewardServiceError {
                metrics.rewardRefused()
                throw ChatServerError.rewardFailed(reason: error.message)
            } catch {
                metrics.rewardRefused()
                throw ChatServerError.rewardFailed(reason: Self.describe(error))
            }
            metrics.rewardBatch(
                size: batch.completions.count, logs: result.logs, functions: rewardService.functionNames)
            return Self.json(
                RewardResponseWire(rewards: result.rewards, scores: result.rewards, extraLogs: result.logs))
        }
    }

    static let rewardRequestFields: Set<String> = ["query", "prompts", "labels"]

    /// Decodes and checks an OpenRLHF reward request.
    static func decodeRewardRequest(_ body: Data) throws(ChatServerError) -> RewardServiceRequest {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) } catch {
            throw .malformedJSON(reason: "the body is not JSON (\((error as NSError).localizedDescription))")
        }
        guard let fields = object as? [String: Any] else {
            throw .malformedJSON(reason: "the top-level value is not an object")
        }
        if let unknown = fields.keys.sorted().first(where: { !rewardRequestFields.contains($0) }) {
            throw .invalidField(param: unknown, message: "is not a field of a reward request (query, prompts, labels)")
        }
        func strings(_ name: String) throws(ChatServerError) -> [String]? {
            guard let value = fields[name], !(value is NSNull) else { return nil }
            guard let list = value as? [Any], let texts = list as? [String] else {
                throw .invalidField(param: name, message: "must be an array of strings")
            }
            return texts
        }
        guard let queries = try strings("query") else {
            throw .invalidField(param: "query", message: "is required: an array of prompt + response strings")
        }
        let prompts = try strings("prompts") ?? Array(repeating: "", count: queries.count)
        guard prompts.count == queries.count else {
            throw .invalidField(
                param: "prompts", message: "has \(prompts.count) entries for \(queries.count) queries; send one each")
        }
        var labels = [String?](repeating: nil, count: queries.count)
        if let value = fields["labels"], !(value is NSNull) {
            guard let list = value as? [Any] else {
                throw .invalidField(param: "labels", message: "must be an array (one label per query)")
            }
            guard list.count == queries.count else {
                throw .invalidField(
                    param: "labels", message: "has \(list.count) entries for \(queries.count) queries; send one each")
            }
            for (i, item) in list.enumerated() {
                switch item {
                case is NSNull: labels[i] = nil
                case let text as String: labels[i] = text
                case let number as NSNumber: labels[i] = Self.labelText(number)
                default:
                    throw .invalidField(
                        param: "labels[\(i)]", message: "must be a string, a number, a boolean or null")
                }
            }
        }
        var completions: [String] = []
        completions.reserveCapacity(queries.count)
        for (i, (query, prompt)) in zip(queries, prompts).enumerated() {
            guard query.hasPrefix(prompt) else {
                throw .invalidField(
                    param: "query[\(i)]",
                    message:
                        "does not start with prompts[\(i)]; send the prompt exactly as it appears at the start of the query"
                )
            }
            completions.append(String(query.dropFirst(prompt.count)))
        }
        return RewardServiceRequest(prompts: prompts, completions: completions, labels: labels)
    }

    /// A JSON number or boolean as text: booleans as true/false, integers without a fraction.
    static func labelText(_ number: NSNumber) -> String {
        // JSON booleans arrive as NSNumber of type char ("c"); integers and doubles as "q" / "d".
        if String(cString: number.objCType) == "c" { return number.boolValue ? "true" : "false" }
        let value = number.doubleValue
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

/// OpenRLHF's reward response.
struct RewardResponseWire: Encodable {
    let rewards: [Double]
    let scores: [Double]
    let extraLogs: [String: [Double]]

    enum CodingKeys: String, CodingKey {
        case rewards, scores
        case extraLogs = "extra_logs"
    }
}
