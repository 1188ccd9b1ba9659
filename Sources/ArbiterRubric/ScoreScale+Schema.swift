// ScoreScale+Schema: validation of one `scale` mapping: its type, numeric bounds and step, and
// levels that cover the scale exactly once each, every one with a non-empty descriptor.
import Foundation

extension Rubric {
    /// Numeric scales have at most this many levels (a judge cannot tell more apart).
    static let maximumLevels = 101

    static func buildScale(_ node: RubricNode, path: String, reader: RubricSchemaReader) throws -> ScoreScale {
        let fields = try reader.map(node, path, allowed: scaleKeys, what: "a scale")
        let typeNode = try fields.required("type", "add `type: numeric`, `type: ordinal` or `type: binary`")
        let typeText = try reader.text(typeNode, "\(path).type")
        guard let type = ScaleType(rawValue: typeText) else {
            throw reader.fail(
                .unknownScaleType, typeNode, "\(path).type", "`\(typeText)` is not a scale type",
                fix: suggestion(for: typeText, in: ScaleType.allCases.map(\.rawValue)))
        }
        if type != .numeric, let key = ["min", "max", "step"].first(where: { fields.optional($0) != nil }) {
            throw reader.fail(
                .invalidValue, fields.optional(key), "\(path).\(key)", "`\(key)` applies to numeric scales only",
                fix: "remove `\(key)` (a \(type.rawValue) scale is defined by its levels)")
        }
        let levelsNode = try fields.required("levels", "add `levels`, one entry per score with a `descriptor`")
        let items = try reader.list(levelsNode, "\(path).levels", what: "levels")
        switch type {
        case .numeric:
            return try numericScale(fields, items: items, levelsNode: levelsNode, path: path, reader: reader)
        case .ordinal, .binary:
            return try labelledScale(type, items: items, levelsNode: levelsNode, path: path, reader: reader)
        }
    }

    /// One level entry: its key (score or label) node and its descriptor.
    private static func levelEntry(
        _ item: RubricNode, keyName: String, path: String, reader: RubricSchemaReader
    ) throws -> (key: RubricNode, descriptor: String) {
        let fields = try reader.map(item, path, allowed: [keyName, "descriptor"], what: "a scale level")
        let key = try fields.required(keyName, "add `\(keyName):` to this level")
        let descriptor = try fields.requiredText(
            "descriptor", "add `descriptor: <what a response at this level looks like>`", kind: .missingDescriptor)
        return (key, descriptor)
    }

    private static func numericScale(
        _ fields: RubricSchemaReader.Fields, items: [RubricNode], levelsNode: RubricNode, path: String,
        reader: RubricSchemaReader
    ) throws -> ScoreScale {
        let minNode = try fields.required("min", "add `min:` (the lowest score, e.g. 1)")
        let maxNode = try fields.required("max", "add `max:` (the highest score, e.g. 5)")
        let minimum = try reader.integer(minNode, "\(path).min")
        let maximum = try reader.integer(maxNode, "\(path).max")
        var step = 1
        if let stepNode = fields.optional("step") {
            step = try reader.integer(stepNode, "\(path).step")
            guard step > 0 else {
                throw reader.fail(
                    .invalidValue, stepNode, "\(path).step", "the step is \(step)", fix: "use a positive step such as 1"
                )
            }
        }
        guard minimum < maximum else {
            throw reader.fail(
                .invalidValue, maxNode, "\(path).max", "max (\(maximum)) is not above min (\(minimum))",
                fix: "make `max` larger than `min`")
        }
        let span = maximum - minimum  // bounds are within ±1,000,000 (RubricSchemaReader.integer)
        guard span % step == 0, span / step + 1 <= maximumLevels else {
            throw reader.fail(
                .invalidValue, fields.optional("step") ?? maxNode, "\(path).step",
                "min \(minimum), max \(maximum) and step \(step) do not give 2…\(maximumLevels) evenly spaced levels",
                fix:
                    "choose min, max and step so that (max - min) is a multiple of step with at most \(maximumLevels) levels"
            )
        }
        let expected = span / step + 1
        guard items.count <= expected else {
            throw reader.fail(
                .levelsNotCovering, levelsNode, "\(path).levels",
                "the scale \(minimum)…\(maximum) (step \(step)) has \(expected) scores, but \(items.count) levels are listed",
                fix: "keep one level per score")
        }
        var levels: [ScaleLevel] = []
        var seen: [Int: Int] = [:]
        for (index, item) in items.enumerated() {
            let levelPath = "\(path).levels[\(index)]"
            let entry = try levelEntry(item, keyName: "score", path: levelPath, reader: reader)
            let score = try reader.integer(entry.key, "\(levelPath).score")
            guard score >= minimum, score <= maximum, (score - minimum) % step == 0 else {
                throw reader.fail(
                    .invalidValue, entry.key, "\(levelPath).score",
                    "the score \(score) is not on the scale \(minimum)…\(maximum) (step \(step))",
                    fix:
                        "use one of \(stride(from: minimum, through: maximum, by: step).map(String.init).joined(separator: ", "))"
                )
            }
            if let first = seen[score] {
                throw reader.fail(
                    .duplicateLevel, entry.key, "\(levelPath).score",
                    "the score \(score) is already described by levels[\(first)]",
                    fix: "keep one level per score")
            }
            seen[score] = index
            levels.append(ScaleLevel(label: String(score), score: Double(score), descriptor: entry.descriptor))
        }
        let missing = stride(from: minimum, through: maximum, by: step).filter { seen[$0] == nil }
        if let first = missing.first {
            let list = missing.map(String.init).joined(separator: ", ")
            throw reader.fail(
                .levelsNotCovering, levelsNode, "\(path).levels",
                "no level for score\(missing.count > 1 ? "s" : "") \(list) of \(minimum)…\(maximum)",
                fix: "add `- score: \(first)` with a `descriptor` (every score needs a descriptor)")
        }
        levels.sort { $0.score < $1.score }
        return ScoreScale(type: .numeric, step: step, levels: levels)
    }

    private static func labelledScale(
        _ type: ScaleType, items: [RubricNode], levelsNode: RubricNode, path: String, reader: RubricSchemaReader
    ) throws -> ScoreScale {
        // Limits first, then the work: the duplicate check below is quadratic in the count.
        let limit = type == .binary ? 2 : maximumLevels
        guard items.count <= limit else {
            throw reader.fail(
                .levelsNotCovering, levelsNode, "\(path).levels",
                "a \(type.rawValue) scale has at most \(limit) levels, this one has \(items.count)",
                fix: type == .binary
                    ? "keep one `pass` and one `fail` level"
                    : "list at most \(maximumLevels) labels from worst to best, each with a `descriptor`")
        }
        var entries: [(label: String, descriptor: String)] = []
        for (index, item) in items.enumerated() {
            let levelPath = "\(path).levels[\(index)]"
            let entry = try levelEntry(item, keyName: "label", path: levelPath, reader: reader)
            let label = try reader.text(entry.key, "\(levelPath).label")
            guard !label.isEmpty, !label.contains(where: \.isNewline) else {
                throw reader.fail(
                    .invalidValue, entry.key, "\(levelPath).label", "the label is empty or spans lines",
                    fix: "use a short one-line label such as `good`")
            }
            if let first = entries.firstIndex(where: { $0.label.caseInsensitiveCompare(label) == .orderedSame }) {
                throw reader.fail(
                    .duplicateLevel, entry.key, "\(levelPath).label",
                    "the label `\(label)` is already used by levels[\(first)]",
                    fix: "give every level a different label")
            }
            if type == .binary, label != "pass", label != "fail" {
                throw reader.fail(
                    .invalidValue, entry.key, "\(levelPath).label", "`\(label)` is not a binary label",
                    fix: "binary levels are labelled `pass` and `fail`; \(suggestion(for: label, in: ["pass", "fail"]))"
                )
            }
            entries.append((label, entry.descriptor))
        }
        switch type {
        case .binary:
            guard let fail = entries.first(where: { $0.label == "fail" }) else {
                throw reader.fail(
                    .levelsNotCovering, levelsNode, "\(path).levels", "the binary scale has no `fail` level",
                    fix: "add `- label: fail` with a `descriptor`")
            }
            guard let pass = entries.first(where: { $0.label == "pass" }) else {
                throw reader.fail(
                    .levelsNotCovering, levelsNode, "\(path).levels", "the binary scale has no `pass` level",
                    fix: "add `- label: pass` with a `descriptor`")
            }
            return ScoreScale(
                type: .binary, step: 1,
                levels: [
                    ScaleLevel(label: "fail", score: 0, descriptor: fail.descriptor),
                    ScaleLevel(label: "pass", score: 1, descriptor: pass.descriptor),
                ])
        default:
            guard entries.count >= 2, entries.count <= maximumLevels else {
                throw reader.fail(
                    .levelsNotCovering, levelsNode, "\(path).levels",
                    "an ordinal scale needs 2…\(maximumLevels) levels, this one has \(entries.count)",
                    fix: "list the labels from worst to best, each with a `descriptor`")
            }
            let levels = entries.enumerated().map { index, entry in
                ScaleLevel(label: entry.label, score: Double(index + 1), descriptor: entry.descriptor)
            }
            return ScoreScale(type: .ordinal, step: 1, levels: levels)
        }
    }
}
