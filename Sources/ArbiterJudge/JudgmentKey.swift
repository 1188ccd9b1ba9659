// JudgmentKey: what identifies a judgment in the judgment store: (rubric content hash, judge
// configuration hash, sample content hash, sample id, criterion). The id is part of the key so
// two samples with the same content under different ids (identical outputs of two systems)
// each keep their judgment and both appear in an export; a sample whose content changed under
// the same id has a new key and is judged again. The hashes are SHA-256 over an
// unambiguous length-prefixed encoding (not JSON), so they do not depend on a JSON encoder's
// escaping and are the same on every platform. This file only computes keys; storing them is
// JudgmentStore's job.
import ArbiterCore
import ArbiterModels
import Foundation

/// The unique key of a stored judgment.
public struct JudgmentKey: Hashable, Sendable {
    /// Content hash of the rubric (`nil` for verifiers; stored as "", so "" is the same as none).
    public var rubricHash: String?
    /// `JobJudge.configurationHash` of the judge that produced it.
    public var judgeConfigHash: String
    /// `JobSample.contentHash` of the judged sample (its id is not part of it).
    public var sampleHash: String
    /// The sample's id (the judgment's `id`).
    public var sampleID: String
    /// Criterion id.
    public var criterion: String

    /// An empty rubric hash means none (the store keeps both as "").
    public init(rubricHash: String?, judgeConfigHash: String, sampleHash: String, sampleID: String, criterion: String) {
        self.rubricHash = rubricHash?.isEmpty == true ? nil : rubricHash
        self.judgeConfigHash = judgeConfigHash
        self.sampleHash = sampleHash
        self.sampleID = sampleID
        self.criterion = criterion
    }

    /// The key of `judgment` (its rubric hash, id and criterion) for a judge configuration and sample.
    public init(_ judgment: Judgment, judgeConfigHash: String, sampleHash: String) {
        self.init(
            rubricHash: judgment.rubricHash, judgeConfigHash: judgeConfigHash, sampleHash: sampleHash,
            sampleID: judgment.id,
            criterion: judgment.criterion)
    }
}

/// SHA-256 over named fields, each written as `name \n byte-count \n bytes \n`; an absent field
/// (nil) is skipped, so `nil` and `""` hash differently.
struct CanonicalHasher {
    private var sha = SHA256Hex()

    init(domain: String) { field("domain", domain) }

    mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        let bytes = Array(value.utf8)
        sha.update(Array("\(name)\n\(bytes.count)\n".utf8))
        sha.update(bytes)
        sha.update([0x0A])
    }

    func hex() -> String { sha.finalize() }
}

extension JobSample {
    /// SHA-256 (hex) of the sample's content: prompt, response (or responses A and B) and
    /// reference. The id is not included: the same content under another id has the same hash.
    public var contentHash: String {
        switch self {
        case .pointwise(let s):
            var h = CanonicalHasher(domain: "arbiter.sample.pointwise.v1")
            h.field("prompt", s.prompt)
            h.field("response", s.response)
            h.field("reference", s.reference)
            return h.hex()
        case .pairwise(let s):
            var h = CanonicalHasher(domain: "arbiter.sample.pairwise.v1")
            h.field("prompt", s.prompt)
            h.field("response_a", s.responseA)
            h.field("response_b", s.responseB)
            return h.hex()
        }
    }

    /// The hash a malformed samples line is stored under: it has no content, so its recorded id
    /// and the reason stand in for it.
    static func invalidLineHash(id: String, reason: String) -> String {
        var h = CanonicalHasher(domain: "arbiter.sample.invalid.v1")
        h.field("id", id)
        h.field("reason", reason)
        return h.hex()
    }
}

extension JobJudge {
    /// A readable, canonical description of everything in the judge that affects its output:
    /// name, rubric name, kind, criteria and `settings` (sorted by key). Stored next to its hash.
    public var configurationDescription: String {
        var lines = [
            "judge=\(name)", "rubric=\(rubric)", "kind=\(pairwise ? "pairwise" : "pointwise")",
            "criteria=\(criteria.joined(separator: ","))",
        ]
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) { lines.append("setting.\(key)=\(value)") }
        return lines.joined(separator: "\n")
    }

    /// SHA-256 (hex) of the judge configuration; the store skips only judgments made under the
    /// same configuration hash (and the same rubric content hash).
    public var configurationHash: String {
        var h = CanonicalHasher(domain: "arbiter.judge-config.v1")
        h.field("judge", name)
        h.field("rubric", rubric)
        h.field("kind", pairwise ? "pairwise" : "pointwise")
        for c in criteria { h.field("criterion", c) }
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) { h.field("setting." + key, value) }
        return h.hex()
    }
}
