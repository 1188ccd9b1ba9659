// JSONSchema: a validated subset of JSON Schema (type, properties, required, items, enum,
// minimum/maximum, minLength/maxLength, additionalProperties: false) and the verifier that checks
// completions against it with error paths like `$.items[2].name`. Not supported ($ref, anyOf,
// pattern, formats): a schema using them is rejected on load rather than silently ignored.
import ArbiterCore
import Foundation

/// A parsed schema node.
package final class JSONSchema: Sendable {
    let types: [String]?
    let properties: [String: JSONSchema]
    let required: [String]
    let items: JSONSchema?
    let enumValues: [JSONValue]?
    let minimum: Double?
    let maximum: Double?
    let minLength: Int?
    let maxLength: Int?
    let additionalPropertiesAllowed: Bool

    static let knownTypes: Set<String> = ["object", "array", "string", "number", "integer", "boolean", "null"]
    static let ignoredKeys: Set<String> = ["$schema", "$id", "title", "description", "default", "examples"]

    /// Parses schema JSON text.
    package convenience init(json: String) throws {
        guard let value = JSONValue.parse(json) else {
            throw VerifierError.invalidSchema(path: "$", reason: "not valid JSON; fix the schema text")
        }
        try self.init(value: value, path: "$")
    }

    init(value: JSONValue, path: String) throws {
        guard case .object(let o) = value else {
            throw VerifierError.invalidSchema(path: path, reason: "a schema must be an object")
        }
        for key in o.keys where !Self.ignoredKeys.contains(key) {
            guard
                [
                    "type", "properties", "required", "items", "enum", "minimum", "maximum", "minLength", "maxLength",
                    "additionalProperties",
                ].contains(key)
            else {
                throw VerifierError.invalidSchema(
                    path: "\(path).\(key)",
                    reason: "keyword \"\(key)\" is not supported; remove it or check it another way")
            }
        }
        switch o["type"] {
        case nil: types = nil
        case .string(let t)?: types = [t]
        case .array(let ts)?:
            types = ts.compactMap(\.stringValue)
            if types?.count != ts.count {
                throw VerifierError.invalidSchema(path: "\(path).type", reason: "type list must hold strings")
            }
        default:
            throw VerifierError.invalidSchema(
                path: "\(path).type", reason: "type must be a string or a list of strings")
        }
        for t in types ?? [] where !Self.knownTypes.contains(t) {
            throw VerifierError.invalidSchema(path: "\(path).type", reason: "unknown type \"\(t)\"")
        }
        var props: [String: JSONSchema] = [:]
        if let p = o["properties"] {
            guard case .object(let fields) = p else {
                throw VerifierError.invalidSchema(path: "\(path).properties", reason: "must be an object")
            }
            for (k, v) in fields { props[k] = try JSONSchema(value: v, path: "\(path).properties.\(k)") }
        }
        properties = props
        if let r = o["required"] {
            guard case .array(let list) = r, list.allSatisfy({ $0.stringValue != nil }) else {
                throw VerifierError.invalidSchema(path: "\(path).required", reason: "must be a list of property names")
            }
            required = list.compactMap(\.stringValue)
        } else {
            required = []
        }
        items = try o["items"].map { try JSONSchema(value: $0, path: "\(path).items") }
        if let e = o["enum"] {
            guard case .array(let list) = e, !list.isEmpty else {
                throw VerifierError.invalidSchema(path: "\(path).enum", reason: "must be a non-empty list")
            }
            enumValues = list
        } else {
            enumValues = nil
        }
        func number(_ key: String) throws -> Double? {
            guard let v = o[key] else { return nil }
            guard case .number(let n) = v else {
                throw VerifierError.invalidSchema(path: "\(path).\(key)", reason: "must be a number")
            }
            return n
        }
        func count(_ key: String) throws -> Int? {
            guard let n = try number(key) else { return nil }
            guard n >= 0, n == n.rounded(), n < 1e12 else {
                throw VerifierError.invalidSchema(path: "\(path).\(key)", reason: "must be a whole number ≥ 0")
            }
            return Int(n)
        }
        minimum = try number("minimum")
        maximum = try number("maximum")
        minLength = try count("minLength")
        maxLength = try count("maxLength")
        switch o["additionalProperties"] {
        case nil, .bool(true)?: additionalPropertiesAllowed = true
        case .bool(false)?: additionalPropertiesAllowed = false
        default:
            throw VerifierError.invalidSchema(
                path: "\(path).additionalProperties", reason: "only true or false is supported")
        }
    }

    /// Every violation in `value`, each as "<path>: <problem>".
    package func validate(_ value: JSONValue) -> [String] {
        var errors: [String] = []
        validate(value, path: "$", into: &errors)
        return errors
    }

    func validate(_ value: JSONValue, path: String, into errors: inout [String]) {
        if let types {
            let actual = value.typeName
            let ok = types.contains(actual) || (actual == "integer" && types.contains("number"))
            if !ok {
                errors.append(
                    "\(path): expected \(types.joined(separator: " or ")), got \(actual == "integer" ? "number" : actual)"
                )
                return
            }
        }
        if let enumValues, !enumValues.contains(value) {
            errors.append("\(path): value is not one of the \(enumValues.count) allowed values")
        }
        switch value {
        case .number(let n):
            if let minimum, n < minimum { errors.append("\(path): \(n) < minimum \(minimum)") }
            if let maximum, n > maximum { errors.append("\(path): \(n) > maximum \(maximum)") }
        case .string(let s):
            if let minLength, s.count < minLength {
                errors.append("\(path): length \(s.count) < minLength \(minLength)")
            }
            if let maxLength, s.count > maxLength {
                errors.append("\(path): length \(s.count) > maxLength \(maxLength)")
            }
        case .array(let list):
            if let items {
                for (i, element) in list.enumerated() { items.validate(element, path: "\(path)[\(i)]", into: &errors) }
            }
        case .object(let fields):
            for key in required where fields[key] == nil {
                errors.append("\(path): missing required property \"\(key)\"")
            }
            for key in fields.keys.sorted() {
                guard let v = fields[key] else { continue }
                if let sub = properties[key] {
                    sub.validate(v, path: "\(path).\(key)", into: &errors)
                } else if !additionalPropertiesAllowed {
                    errors.append("\(path): additional property \"\(key)\" is not allowed")
                }
            }
        default: break
        }
    }
}

/// Score 1 when the completion is JSON that satisfies the schema; 0 with the error paths otherwise.
public struct JSONSchemaVerifier: Verifier {
    public let kind = "json_schema"
    let schema: JSONSchema

    package init(schema: JSONSchema) {
        self.schema = schema
    }

    /// A verifier for the JSON Schema (the draft-2020-12 subset JSONSchema.swift implements) in
    /// `schemaJSON`; throws naming the part of the schema it cannot use.
    public init(schemaJSON: String) throws {
        self.init(schema: try JSONSchema(json: schemaJSON))
    }

    public func verify(_ sample: JudgeSample) async -> Result<VerifierResult, JudgmentFailure> {
        .success(check(sample.response))
    }

    public func check(_ completion: String) -> VerifierResult {
        guard let value = JSONValue.parse(FormatVerifier.stripFences(completion)) else {
            return .fail("not valid JSON")
        }
        let errors = schema.validate(value)
        return errors.isEmpty ? .pass("valid against the schema") : .fail(errors.joined(separator: "; "))
    }
}
