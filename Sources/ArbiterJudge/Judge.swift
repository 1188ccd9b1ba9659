// Judge: the protocol every judge meets (pointwise and pairwise LLM judges, verifiers, trained
// reward models), and the pointwise sample it judges (pairwise judges take PairwiseSample). Judging never throws: each sample gets a Judgment, failed ones carry a typed
// failure and no score.
import Foundation

/// A sample to judge: `{"id", "prompt", "response", "reference"?}` from samples JSONL.
public struct JudgeSample: Sendable, Equatable, Codable {
    public var id: String
    public var prompt: String
    public var response: String
    public var reference: String?

    public init(id: String, prompt: String, response: String, reference: String? = nil) {
        self.id = id
        self.prompt = prompt
        self.response = response
        self.reference = reference
    }
}

/// Judges samples; returns one judgment per sample (per criterion for multi-criterion judges),
/// in sample order. `Sample` is what one judgment is about: a `JudgeSample` (pointwise judges,
/// the default) or a `PairwiseSample` (pairwise judges).
public protocol Judge<Sample>: Sendable {
    associatedtype Sample: Sendable = JudgeSample
    var name: String { get }
    func judge(_ samples: [Sample]) async -> [Judgment]
}

/// Runs `work` over `count` indices with at most `limit` in flight, returning results in index
/// order. Shared by judges that call slow backends.
package func boundedMap<T: Sendable>(
    count: Int, limit: Int, _ work: @escaping @Sendable (Int) async -> T
) async -> [T] {
    precondition(limit > 0, "boundedMap: limit must be positive")
    var results = [T?](repeating: nil, count: count)
    await withTaskGroup(of: (Int, T).self) { group in
        var next = 0
        while next < min(limit, count) {
            let i = next
            group.addTask { (i, await work(i)) }
            next += 1
        }
        while let (i, value) = await group.next() {
            results[i] = value
            if next < count {
                let j = next
                group.addTask { (j, await work(j)) }
                next += 1
            }
        }
    }
    return results.compactMap { $0 }
}
