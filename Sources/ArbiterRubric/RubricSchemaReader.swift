// RubricSchemaReader: typed access to a RubricNode tree with document paths, the shared helpers
// the schema rules in `Rubric+Schema.swift` use (required/optional fields, unknown-key checks with
// "did you mean", text and number coercion). It knows no rubric fields itself.
import Foundation

/// Reads nodes of one file; every failure is a `RubricError` naming the file, line and path.
struct RubricSchemaReader {
    let file: String

    func fail(
        _ kind: RubricError.Kind, _ node: RubricNode?, _ path: String, _ problem: String, fix: String
    ) -> RubricError {
        RubricError(kind: kind, file: file, line: node?.line, path: path, problem: problem, fix: fix)
    }

    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// A mapping's entries, after rejecting keys outside `allowed`.
    func map(_ node: RubricNode, _ path: String, allowed: [String], what: String) throws -> Fields {
        guard case .map(let entries) = node.value else {
            throw fail(
                .wrongType, node, path, "expected \(what) (a mapping), found \(node.typeName)",
                fix: "write \(what) as `key: value` entries (\(allowed.joined(separator: ", ")))")
        }
        for entry in entries where !allowed.contains(entry.key) {
            throw fail(
                .unknownKey, entry.node, Self.join(path, entry.key),
                "`\(entry.key)` is not a field of \(what)",
                fix: suggestion(for: entry.key, in: allowed))
        }
        return Fields(reader: self, node: node, path: path, entries: entries)
    }

    /// A list's items.
    func list(_ node: RubricNode, _ path: String, what: String) throws -> [RubricNode] {
        guard case .list(let items) = node.value else {
            throw fail(
                .wrongType, node, path, "expected a list of \(what), found \(node.typeName)",
                fix:
                    "write `\(path.split(separator: ".").last.map(String.init) ?? path)` as a list (`- ` items in YAML, `[…]` in JSON)"
            )
        }
        return items
    }

    /// Trimmed text; numbers and booleans are accepted as their text.
    func text(_ node: RubricNode, _ path: String) throws -> String {
        guard case .scalar(let raw, let kind) = node.value, kind != .null else {
            throw fail(
                .wrongType, node, path, "expected text, found \(node.typeName)",
                fix: "write `\(Self.lastKey(path))` as a single text value")
        }
        return raw.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A number (YAML/JSON number or XML text that parses as one).
    func number(_ node: RubricNode, _ path: String) throws -> Double {
        if case .scalar(let raw, let kind) = node.value, kind == .number || kind == .text,
            let value = Self.parseNumber(raw.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            return value
        }
        throw fail(
            .wrongType, node, path, "expected a number, found \(node.typeName)",
            fix: "write `\(Self.lastKey(path))` as a plain number such as 1 or 0.5 (no quotes)")
    }

    /// An integer with magnitude at most 1,000,000.
    func integer(_ node: RubricNode, _ path: String) throws -> Int {
        let value = try number(node, path)
        guard value.isFinite, value.rounded() == value, abs(value) <= 1_000_000 else {
            throw fail(
                .wrongType, node, path, "expected a whole number, found \(node.typeName)",
                fix: "write `\(Self.lastKey(path))` as a whole number between -1000000 and 1000000")
        }
        return Int(value)
    }

    /// A decimal number, or YAML's `.nan`, `.inf`, `-.inf` (so they reach the range checks).
    static func parseNumber(_ text: String) -> Double? {
        switch text.lowercased() {
        case ".nan": return .nan
        case ".inf", "+.inf": return .infinity
        case "-.inf": return -.infinity
        default: return Double(text)
        }
    }

    static func lastKey(_ path: String) -> String {
        let last = path.split(separator: ".").last.map(String.init) ?? path
        return last.split(separator: "[").first.map(String.init) ?? last
    }

    /// The entries of one mapping, looked up by key.
    struct Fields {
        let reader: RubricSchemaReader
        let node: RubricNode
        let path: String
        let entries: [(key: String, node: RubricNode)]

        func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

        /// The node for `key`, nil when absent or explicitly null.
        func optional(_ key: String) -> RubricNode? {
            guard let node = entries.first(where: { $0.key == key })?.node else { return nil }
            if case .scalar(_, .null) = node.value { return nil }
            return node
        }

        func childPath(_ key: String) -> String { RubricSchemaReader.join(path, key) }

        /// The node for `key`, or a `.missingField` error naming the fix.
        func required(_ key: String, _ fix: String, kind: RubricError.Kind = .missingField) throws -> RubricNode {
            guard let found = optional(key) else {
                throw reader.fail(
                    kind, node, childPath(key), "the required field `\(key)` is missing or null", fix: fix)
            }
            return found
        }

        /// Non-empty text for `key`.
        func requiredText(_ key: String, _ fix: String, kind: RubricError.Kind = .missingField) throws -> String {
            let child = try required(key, fix, kind: kind)
            let value = try reader.text(child, childPath(key))
            guard !value.isEmpty else {
                throw reader.fail(kind, child, childPath(key), "`\(key)` is empty", fix: fix)
            }
            return value
        }

        /// Text for `key` when present (empty text counts as absent).
        func optionalText(_ key: String) throws -> String? {
            guard let child = optional(key) else { return nil }
            let value = try reader.text(child, childPath(key))
            return value.isEmpty ? nil : value
        }
    }
}
