// Rubric+Schema: the schema rules (documented in Rubrics/README.md) that turn a RubricNode tree
// into a validated Rubric: required fields, criteria, weights, scales and their levels,
// aggregation and prompt templates. Parsing the formats is in RubricNode+*.swift.
import Foundation

extension Rubric {
    static let rootKeys = [
        "name", "version", "description", "kind", "aggregation", "reference_instructions", "templates", "criteria",
    ]
    static let criterionKeys = ["id", "description", "weight", "scale"]
    static let scaleKeys = ["type", "min", "max", "step", "levels"]

    /// Validates a document tree from `file`.
    static func build(from root: RubricNode, reader: RubricSchemaReader) throws -> Rubric {
        let fields = try reader.map(root, "", allowed: rootKeys, what: "a rubric")
        let name = try fields.requiredText("name", "add `name: <short name>` at the top level")
        let version = try fields.requiredText("version", "add `version: 1.0.0` at the top level")
        let description = try fields.requiredText("description", "add `description: <what the rubric judges>`")

        var kind = RubricKind.pointwise
        if let kindNode = fields.optional("kind") {
            let text = try reader.text(kindNode, "kind")
            guard let parsed = RubricKind(rawValue: text) else {
                throw reader.fail(
                    .invalidValue, kindNode, "kind", "`\(text)` is not a rubric kind",
                    fix: suggestion(for: text, in: RubricKind.allCases.map(\.rawValue)))
            }
            kind = parsed
        }

        let criteriaNode = try fields.required("criteria", "add a `criteria` list with at least one criterion")
        let items = try reader.list(criteriaNode, "criteria", what: "criteria")
        guard !items.isEmpty else {
            throw reader.fail(
                .emptyCriteria, criteriaNode, "criteria", "the rubric has no criteria",
                fix: "add at least one criterion with `id`, `description` and `scale`")
        }
        var criteria: [Criterion] = []
        var indexByID: [String: Int] = [:]
        var weightSum = 0.0
        for (index, item) in items.enumerated() {
            let path = "criteria[\(index)]"
            let criterion = try buildCriterion(item, path: path, kind: kind, reader: reader, weightSum: &weightSum)
            if let first = indexByID[criterion.id] {
                throw reader.fail(
                    .duplicateCriterionID, item, "\(path).id",
                    "the id `\(criterion.id)` is already used by criteria[\(first)]",
                    fix: "give every criterion a different id")
            }
            indexByID[criterion.id] = index
            criteria.append(criterion)
        }

        let aggregation = try buildAggregation(fields, kind: kind, criteria: criteria, reader: reader)
        let referenceInstructions = try fields.optionalText("reference_instructions")
        if kind == .pairwise, let node = fields.optional("reference_instructions") {
            throw reader.fail(
                .invalidValue, node, "reference_instructions", "pairwise rubrics do not take a reference answer",
                fix: "remove `reference_instructions` or make the rubric pointwise")
        }
        let templates = try buildTemplates(
            fields, kind: kind, needsReference: referenceInstructions != nil, reader: reader)
        return Rubric(
            name: name, version: version, description: description, kind: kind, criteria: criteria,
            aggregation: aggregation, referenceInstructions: referenceInstructions, templates: templates)
    }

    private static func buildCriterion(
        _ node: RubricNode, path: String, kind: RubricKind, reader: RubricSchemaReader, weightSum: inout Double
    ) throws -> Criterion {
        let fields = try reader.map(node, path, allowed: criterionKeys, what: "a criterion")
        let id = try fields.requiredText("id", "add `id: <unique-name>` to this criterion")
        let allowedCharacters = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard id.unicodeScalars.allSatisfy({ allowedCharacters.contains($0) }) else {
            let example = id.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: "-")
            throw reader.fail(
                .invalidValue, fields.optional("id"), "\(path).id", "the id `\(id)` has spaces or punctuation",
                fix: "use letters, digits, `-`, `_` or `.` only, e.g. `\(example)`")
        }
        let description = try fields.requiredText("description", "add `description: <what this criterion judges>`")
        var weight = 1.0
        if let weightNode = fields.optional("weight") {
            weight = try reader.number(weightNode, "\(path).weight")
            guard weight.isFinite, weight > 0 else {
                throw reader.fail(
                    .nonPositiveWeight, weightNode, "\(path).weight", "the weight is \(weight)",
                    fix: "use a positive number; weights are relative (1 and 2 mean the second counts twice)")
            }
        }
        // Weights are divided by their sum when scores are combined, so the sum must be finite.
        weightSum += weight
        guard weightSum.isFinite else {
            throw reader.fail(
                .invalidValue, fields.optional("weight") ?? node, "\(path).weight",
                "the weights up to this criterion add up to more than \(Double.greatestFiniteMagnitude)",
                fix: "use small relative weights such as 1, 2 or 0.5 (only their ratios matter)")
        }
        var scale: ScoreScale?
        switch kind {
        case .pointwise:
            let scaleNode = try fields.required(
                "scale", "add a `scale` with `type` (numeric, ordinal or binary) and `levels`")
            scale = try buildScale(scaleNode, path: "\(path).scale", reader: reader)
        case .pairwise:
            if let scaleNode = fields.optional("scale") {
                throw reader.fail(
                    .invalidValue, scaleNode, "\(path).scale",
                    "pairwise criteria have no scale (the verdict is A, B or TIE)",
                    fix: "remove `scale` or make the rubric `kind: pointwise`")
            }
        }
        return Criterion(id: id, description: description, weight: weight, scale: scale)
    }

    private static func buildAggregation(
        _ fields: RubricSchemaReader.Fields, kind: RubricKind, criteria: [Criterion], reader: RubricSchemaReader
    ) throws -> Aggregation {
        guard let node = fields.optional("aggregation") else { return .weightedMean }
        if kind == .pairwise {
            throw reader.fail(
                .aggregationMismatch, node, "aggregation", "pairwise rubrics give one verdict and aggregate nothing",
                fix: "remove `aggregation`")
        }
        let text = try reader.text(node, "aggregation")
        guard let aggregation = Aggregation(rawValue: text) else {
            throw reader.fail(
                .unknownAggregation, node, "aggregation", "`\(text)` is not an aggregation rule",
                fix: suggestion(for: text, in: Aggregation.allCases.map(\.rawValue)))
        }
        if aggregation == .allPass, let index = criteria.firstIndex(where: { $0.scale?.type != .binary }) {
            let found = criteria[index].scale?.type.rawValue ?? "unscaled"
            throw reader.fail(
                .aggregationMismatch, node, "criteria[\(index)].scale.type",
                "`all-pass` needs binary scales but `\(criteria[index].id)` is \(found)",
                fix: "make every scale `type: binary` or use `aggregation: weighted-mean`")
        }
        return aggregation
    }

    private static func buildTemplates(
        _ fields: RubricSchemaReader.Fields, kind: RubricKind, needsReference: Bool, reader: RubricSchemaReader
    ) throws -> PromptTemplates? {
        guard let node = fields.optional("templates") else { return nil }
        let templateFields = try reader.map(node, "templates", allowed: ["system", "user"], what: "prompt templates")
        let system = try templateFields.optionalText("system")
        let user = try templateFields.optionalText("user")
        let allowed = PromptPlaceholder.allowed(for: kind).map(\.rawValue)
        var used: Set<String> = []
        let sources = [
            ("system", system ?? defaultSystemTemplate(kind)),
            ("user", user ?? defaultUserTemplate(kind, reference: needsReference)),
        ]
        for (key, text) in sources {
            let path = "templates.\(key)"
            let parsed = PromptTemplate.parse(text)
            guard let template = parsed.template else {
                throw reader.fail(
                    .unknownPlaceholder, templateFields.optional(key), path,
                    "`\(parsed.unclosed ?? "{{")` opens a placeholder that is never closed",
                    fix: "close it with `}}`, e.g. `{{response}}`")
            }
            for name in template.placeholders where !allowed.contains(name) {
                throw reader.fail(
                    .unknownPlaceholder, templateFields.optional(key), path,
                    "`{{\(name)}}` is not a \(kind.rawValue) placeholder",
                    fix: suggestion(for: name, in: allowed))
            }
            used.formUnion(template.placeholders)
        }
        var needed: [PromptPlaceholder] =
            kind == .pointwise ? [.prompt, .response, .scale] : [.prompt, .responseA, .responseB, .criteria]
        if needsReference { needed.append(.reference) }
        if let missing = needed.first(where: { !used.contains($0.rawValue) }) {
            throw reader.fail(
                .templateMissingPlaceholder, node, "templates",
                "neither template shows `{{\(missing.rawValue)}}`, so the judge would never see it",
                fix: "add `{{\(missing.rawValue)}}` to the system or user template")
        }
        return PromptTemplates(system: system, user: user)
    }
}
