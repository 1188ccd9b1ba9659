// RubricNode+YAML: turns YAML text (via Yams' composer, which keeps line marks and resolved tags)
// into a RubricNode tree. Syntax errors carry libyaml's line. Yams composes recursively, so deep
// nesting is refused up front (a cheap upper bound on the depth) and the parse runs on a thread
// with a large stack; alias expansion is capped by a node budget. Not a YAML writer.
import Foundation
import Yams

extension RubricNode {
    /// Documents whose nesting bound exceeds this are refused before parsing.
    static let maximumYAMLNesting = 10_000
    /// Nodes after alias expansion; more is refused (a rubric has a few hundred).
    static let maximumYAMLNodes = 100_000
    /// Stack for the parsing thread: measured ~3 KB per nesting level in debug builds.
    static let yamlStackBytes = 64 << 20

    /// Parses YAML text; throws `RubricError` (`.syntax`, `.duplicateKey`, `.wrongType`).
    static func parseYAML(_ text: String, file: String) throws -> RubricNode {
        let bound = nestingBound(text)
        guard bound <= maximumYAMLNesting else {
            throw RubricError(
                kind: .syntax, file: file, path: "",
                problem: "the YAML may nest up to \(bound) levels deep (more than \(maximumYAMLNesting))",
                fix: "a rubric needs only a few levels; remove the deeply nested brackets or `- ` items")
        }
        let box = YAMLResultBox()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.result = Result { try parseYAMLOnThisThread(text, file: file) }
            done.signal()
        }
        thread.stackSize = yamlStackBytes
        thread.start()
        done.wait()
        guard let result = box.result else {
            throw RubricError(
                kind: .syntax, file: file, path: "", problem: "the YAML parser did not finish", fix: "try again")
        }
        return try result.get()
    }

    /// An upper bound on how deeply YAML `text` can nest collections: every flow collection needs
    /// a `[` or `{`, and every block collection starts at a larger column than its parent (or,
    /// for a sequence under a mapping key, at the same column, hence the factor 2). Columns of
    /// block starts are bounded by indentation plus chained `- `/`? ` indicators on a line.
    static func nestingBound(_ text: String) -> Int {
        var flowOpeners = 0
        var maximumColumn = 0
        var column = 0
        var atLineStart = true
        var previousWasIndicator = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                flowOpeners += 1
                atLineStart = false
            case UInt8(ascii: "\n"):
                column = 0
                atLineStart = true
                previousWasIndicator = false
                continue
            default:
                break
            }
            guard atLineStart else { continue }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                column += 1
                previousWasIndicator = false
            } else if (byte == UInt8(ascii: "-") || byte == UInt8(ascii: "?")) && !previousWasIndicator {
                column += 1
                previousWasIndicator = true
            } else {
                atLineStart = false
            }
            maximumColumn = Swift.max(maximumColumn, column)
        }
        return flowOpeners + 2 * (maximumColumn + 1)
    }

    private static func parseYAMLOnThisThread(_ text: String, file: String) throws -> RubricNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw yamlSyntaxError(error, file: file)
        } catch {
            throw RubricError(
                kind: .syntax, file: file, path: "", problem: "the YAML could not be read (\(error))",
                fix: "check the file is valid YAML")
        }
        guard let root else {
            throw RubricError(
                kind: .syntax, file: file, path: "", problem: "the YAML document is empty",
                fix: "write a mapping with at least `name`, `version`, `description` and `criteria`")
        }
        var budget = maximumYAMLNodes
        return try convert(root, file: file, path: "", budget: &budget)
    }

    private static func convert(_ node: Node, file: String, path: String, budget: inout Int) throws -> RubricNode {
        let line = node.mark?.line
        budget -= 1
        guard budget >= 0 else {
            throw RubricError(
                kind: .syntax, file: file, line: line, path: path,
                problem: "the YAML expands to more than \(maximumYAMLNodes) values (aliases that repeat aliases?)",
                fix: "write the rubric out without nested `*alias` repetition")
        }
        switch node {
        case .scalar(let scalar):
            let kind: ScalarKind
            switch node.tag.description {
            case Tag.Name.int.rawValue, Tag.Name.float.rawValue: kind = .number
            case Tag.Name.bool.rawValue: kind = .bool
            case Tag.Name.null.rawValue: kind = .null
            default: kind = .string
            }
            return RubricNode(value: .scalar(scalar.string, kind), line: line)
        case .sequence(let sequence):
            var items: [RubricNode] = []
            for (index, item) in sequence.enumerated() {
                items.append(try convert(item, file: file, path: "\(path)[\(index)]", budget: &budget))
            }
            return RubricNode(value: .list(items), line: line)
        case .mapping(let mapping):
            var entries: [(key: String, node: RubricNode)] = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    throw RubricError(
                        kind: .wrongType, file: file, line: keyNode.mark?.line, path: path,
                        problem: "a mapping key is not plain text", fix: "use simple text keys such as `name:`")
                }
                let key = keyScalar.string
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if entries.contains(where: { $0.key == key }) {
                    throw RubricError(
                        kind: .duplicateKey, file: file, line: keyNode.mark?.line, path: childPath,
                        problem: "the key `\(key)` appears twice", fix: "keep one `\(key)` entry")
                }
                entries.append((key, try convert(valueNode, file: file, path: childPath, budget: &budget)))
            }
            return RubricNode(value: .map(entries), line: line)
        }
    }

    private static func yamlSyntaxError(_ error: YamlError, file: String) -> RubricError {
        let fix = "fix the YAML syntax near that line (indentation, a missing `:` or an unclosed quote)"
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text) … \(problem)" } ?? problem
            return RubricError(
                kind: .syntax, file: file, line: mark.line, path: "",
                problem: "YAML: \(detail) (column \(mark.column))", fix: fix)
        case .reader(let problem, let offset, _, _):
            let at = offset.map { " at byte \($0)" } ?? ""
            return RubricError(
                kind: .syntax, file: file, path: "", problem: "YAML: \(problem)\(at)",
                fix: "save the file as UTF-8 text without control characters")
        default:
            return RubricError(kind: .syntax, file: file, path: "", problem: "YAML: \(error)", fix: fix)
        }
    }
}

/// Carries the parse result from the parsing thread back to the caller, which waits on a
/// semaphore signalled after the write, so the access is ordered.
private final class YAMLResultBox: @unchecked Sendable {
    var result: Result<RubricNode, Error>?
}
