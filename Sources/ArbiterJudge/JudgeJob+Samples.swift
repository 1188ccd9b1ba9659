// JudgeJob+Samples: reads samples JSONL for a judge job through ArbiterCore's one sample reader
// (`SampleLine`, whose rules the audit shares): pointwise `{id, prompt, response, reference?}` or
// pairwise `{id, prompt, response_a, response_b}`; metadata is checked and then not used. Every
// bad line (not UTF-8, not a JSON object, a missing or mistyped field, a duplicate id) becomes a
// `SampleIssue` naming the file and line; nothing is dropped silently. It does not judge anything.
import ArbiterCore
import Foundation

/// A sample of either kind, as read from a samples file.
package enum JobSample: Sendable, Equatable {
    case pointwise(JudgeSample)
    case pairwise(PairwiseSample)

    package var id: String {
        switch self {
        case .pointwise(let s): return s.id
        case .pairwise(let s): return s.id
        }
    }
}

/// One unusable line of a samples file.
public struct SampleIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// The line's id when it had a readable one.
    public var id: String?
    public var reason: String

    public var description: String { "\(file):\(line): \(reason)" }
}

/// The samples read from a file, and its bad lines.
package struct SampleFileContents: Sendable, Equatable {
    package var samples: [JobSample]
    package var issues: [SampleIssue]
}

extension JudgeJob {
    /// Reads a samples JSONL file; `pairwise` selects which fields are required.
    package static func readSamples(_ url: URL, pairwise: Bool) throws -> SampleFileContents {
        let data: Data
        do { data = try RegularFile.read(url) } catch {
            throw JudgeJobError.cannotRead(path: url.path, reason: error.localizedDescription)
        }
        return parseSamples(data, file: url.path, pairwise: pairwise)
    }

    /// Parses samples JSONL bytes with ArbiterCore's sample reader (its rules: SampleLine.swift);
    /// each unusable line becomes a `SampleIssue`.
    package static func parseSamples(_ data: Data, file: String, pairwise: Bool) -> SampleFileContents {
        var out = SampleFileContents(samples: [], issues: [])
        for result in SampleLine.parse(data, file: file, shape: pairwise ? .pairwise : .pointwise) {
            switch result {
            case .failure(let issue):
                out.issues.append(SampleIssue(file: issue.file, line: issue.line, id: issue.id, reason: issue.reason))
            case .success(let s) where pairwise:
                out.samples.append(
                    .pairwise(
                        PairwiseSample(
                            id: s.id, prompt: s.prompt ?? "", responseA: s.responseA ?? "", responseB: s.responseB ?? ""
                        )))
            case .success(let s):
                out.samples.append(
                    .pointwise(
                        JudgeSample(
                            id: s.id, prompt: s.prompt ?? "", response: s.response ?? "", reference: s.reference)))
            }
        }
        return out
    }
}
