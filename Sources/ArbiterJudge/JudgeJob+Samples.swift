// JudgeJob+Samples: reads samples JSONL for a judge job: pointwise `{id, prompt, response,
// reference?}` or pairwise `{id, prompt, response_a, response_b}` (extra keys such as
// "metadata" are ignored). Every bad line (not UTF-8, not a JSON object, a missing or mistyped
// field, a duplicate id) becomes a `SampleIssue` naming the file and line; nothing is dropped
// silently. It does not judge anything.
import Foundation

/// A sample of either kind, as read from a samples file.
public enum JobSample: Sendable, Equatable {
    case pointwise(JudgeSample)
    case pairwise(PairwiseSample)

    public var id: String {
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
public struct SampleFileContents: Sendable, Equatable {
    public var samples: [JobSample]
    public var issues: [SampleIssue]
}

extension JudgeJob {
    /// Reads a samples JSONL file; `pairwise` selects which fields are required.
    public static func readSamples(_ url: URL, pairwise: Bool) throws -> SampleFileContents {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw JudgeJobError.cannotRead(path: url.path, reason: error.localizedDescription)
        }
        return parseSamples(data, file: url.path, pairwise: pairwise)
    }

    /// Parses samples JSONL bytes; blank lines are skipped, `\r\n` accepted.
    public static func parseSamples(_ data: Data, file: String, pairwise: Bool) -> SampleFileContents {
        var out = SampleFileContents(samples: [], issues: [])
        var firstLine: [String: Int] = [:]
        let bytes = [UInt8](data)
        var start = 0
        var lineNumber = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lineNumber += 1
            var slice = bytes[start..<end]
            start = end + 1
            if slice.last == 0x0D { slice = slice.dropLast() }
            guard let text = String(bytes: slice, encoding: .utf8) else {
                out.issues.append(
                    SampleIssue(file: file, line: lineNumber, reason: "not valid UTF-8; re-encode the file as UTF-8"))
                continue
            }
            if text.allSatisfy(\.isWhitespace) { continue }
            switch parseLine(Data(slice), pairwise: pairwise) {
            case .failure(let problem):
                out.issues.append(SampleIssue(file: file, line: lineNumber, id: problem.id, reason: problem.reason))
            case .success(let sample):
                if let first = firstLine[sample.id] {
                    out.issues.append(
                        SampleIssue(
                            file: file, line: lineNumber, id: sample.id,
                            reason:
                                "duplicate id \"\(sample.id)\" (first at line \(first)); give every sample a unique id")
                    )
                } else {
                    firstLine[sample.id] = lineNumber
                    out.samples.append(sample)
                }
            }
        }
        return out
    }

    struct LineProblem: Error {
        var id: String?
        var reason: String
    }

    static func parseLine(_ data: Data, pairwise: Bool) -> Result<JobSample, LineProblem> {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            return .failure(LineProblem(reason: "not valid JSON; each line must be one JSON object"))
        }
        guard let fields = object as? [String: Any] else {
            return .failure(LineProblem(reason: "not a JSON object; each line must be {\"id\": …, …}"))
        }
        let id = fields["id"] as? String
        func text(_ key: String, required: Bool) -> Result<String?, LineProblem> {
            switch fields[key] {
            case nil, is NSNull:
                return required
                    ? .failure(LineProblem(id: id, reason: "missing \"\(key)\"; add it as a string")) : .success(nil)
            case let s as String:
                return .success(s)
            default:
                return .failure(LineProblem(id: id, reason: "\"\(key)\" must be a string"))
            }
        }
        do throws(LineProblem) {
            guard let sampleID = try text("id", required: true).get(), !sampleID.isEmpty else {
                return .failure(LineProblem(reason: "\"id\" is empty; give the sample a non-empty id"))
            }
            let prompt = try text("prompt", required: true).get() ?? ""
            if pairwise {
                let a = try text("response_a", required: true).get() ?? ""
                let b = try text("response_b", required: true).get() ?? ""
                return .success(.pairwise(PairwiseSample(id: sampleID, prompt: prompt, responseA: a, responseB: b)))
            }
            if fields["response"] == nil, fields["response_a"] != nil {
                return .failure(
                    LineProblem(
                        id: id, reason: "a pairwise sample (response_a/response_b) in a pointwise run; pass --pairwise")
                )
            }
            let response = try text("response", required: true).get() ?? ""
            let reference = try text("reference", required: false).get()
            return .success(
                .pointwise(JudgeSample(id: sampleID, prompt: prompt, response: response, reference: reference)))
        } catch {
            return .failure(error)
        }
    }
}
