// RubricNode+YAML: turns YAML text (via Yams' composer, which keeps line marks and resolved tags)
// into a RubricNode tree. Syntax errors carry libyaml's line. Not a YAML writer.
import Foundation
import Yams

extension RubricNode {
    /// Parses YAML text; throws `RubricError` (`.syntax`, `.duplicateKey`, `.wrongType`).
    static func parseYAML(_ text: String, file: String) throws -> RubricNode {
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
        return try convert(root, file: file, path: "")
    }

    private static func convert(_ node: Node, file: String, path: String) throws -> RubricNode {
        let line = node.mark?.line
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
                items.append(try convert(item, file: file, path: "\(path)[\(index)]"))
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
                entries.append((key, try convert(valueNode, file: file, path: childPath)))
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
