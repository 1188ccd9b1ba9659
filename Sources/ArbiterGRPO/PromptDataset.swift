// PromptDataset: the prompts of a GRPO run, one JSON object a line: the prompt under
// `promptField` and any other columns, kept as metadata for the rewards (a string column as its
// text, any other value as compact JSON). A malformed line is an error naming the file and line.
// The order prompts are drawn in depends only on (seed, epoch), so a resumed run draws the same.
import ArbiterCore
import Foundation

/// One prompt and its columns.
public struct PromptRow: Sendable, Equatable {
    public var prompt: String
    public var metadata: [String: String]
}

/// A prompts file that cannot be used.
public enum PromptDatasetError: Error, LocalizedError, Equatable {
    case unreadable(path: String, reason: String)
    case badLine(path: String, line: Int, problem: String)
    case empty(path: String)

    public var errorDescription: String? {
        switch self {
        case .unreadable(let path, let reason): return "cannot read prompts \(path): \(reason)"
        case .badLine(let path, let line, let problem): return "\(path):\(line): \(problem)"
        case .empty(let path): return "\(path) holds no prompts; write one {\"prompt\": …} object a line"
        }
    }
}

/// The prompts of a run.
public struct PromptDataset: Sendable {
    public let rows: [PromptRow]
    /// SHA-256 of the file's bytes (part of a run's identity).
    public let sha256: String

    public init(rows: [PromptRow], sha256: String) {
        self.rows = rows
        self.sha256 = sha256
    }

    /// Reads `url`; every line must be a JSON object with a string `promptField`.
    public static func load(_ url: URL, promptField: String) throws -> PromptDataset {
        let data: Data
        do { data = try RegularFile.read(url) } catch {
            throw PromptDatasetError.unreadable(path: url.path, reason: error.reason)
        }
        var rows: [PromptRow] = []
        try JSONLines.forEachLine(in: data) { line, bytes in
            guard let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] else {
                throw PromptDatasetError.badLine(path: url.path, line: line, problem: "not a JSON object")
            }
            guard let prompt = object[promptField] as? String, !prompt.isEmpty else {
                throw PromptDatasetError.badLine(
                    path: url.path, line: line, problem: "needs a non-empty string \"\(promptField)\"")
            }
            var metadata: [String: String] = [:]
            for (key, value) in object where key != promptField {
                if let s = value as? String {
                    metadata[key] = s
                } else if let encoded = try? JSONSerialization.data(
                    withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
                {
                    metadata[key] = String(decoding: encoded, as: UTF8.self)
                }
            }
            rows.append(PromptRow(prompt: prompt, metadata: metadata))
        }
        guard !rows.isEmpty else { throw PromptDatasetError.empty(path: url.path) }
        var hasher = SHA256Hex()
        hasher.update(data)
        return PromptDataset(rows: rows, sha256: hasher.finalize())
    }

    /// The row indices of draws start..<start+count: epochs of a seeded permutation each.
    func indices(from start: Int, count: Int, seed: UInt64) -> [Int] {
        var out: [Int] = []
        var cachedEpoch = -1
        var order: [Int] = []
        for k in start..<(start + count) {
            let epoch = k / rows.count
            if epoch != cachedEpoch {
                var rng = SeededRNG(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(epoch + 1))
                order = Array(rows.indices)
                order.shuffle(using: &rng)
                cachedEpoch = epoch
            }
            out.append(order[k % rows.count])
        }
        return out
    }
}
