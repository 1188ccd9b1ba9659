// Rubric+ContentHash: the canonical encoding of a Rubric and its SHA-256 (`contentHash`, through
// ArbiterCore's SHA256Hex). The encoding lists every field in a fixed order with length-prefixed
// text, so equal rubrics hash equally whatever format they were loaded from, and any change
// (a descriptor, a weight, a template) changes the hash. Not a hashing library.
import ArbiterCore
import Foundation

extension Rubric {
    /// The canonical encoding `contentHash` digests: `key=<byte length>:<text>\n` records in a
    /// fixed order; numbers in shortest round-trip form.
    var canonicalEncoding: String {
        var out = ""
        func field(_ key: String, _ value: String?) {
            guard let value else {
                out += "\(key)=-\n"
                return
            }
            out += "\(key)=\(value.utf8.count):\(value)\n"
        }
        field("format", "arbiter-rubric/1")
        field("name", name)
        field("version", version)
        field("description", description)
        field("kind", kind.rawValue)
        field("aggregation", aggregation.rawValue)
        field("reference_instructions", referenceInstructions)
        field("templates.system", templates?.system)
        field("templates.user", templates?.user)
        field("criteria.count", String(criteria.count))
        for (index, criterion) in criteria.enumerated() {
            let path = "criteria[\(index)]"
            field("\(path).id", criterion.id)
            field("\(path).description", criterion.description)
            field("\(path).weight", String(criterion.weight))
            guard let scale = criterion.scale else {
                field("\(path).scale", nil)
                continue
            }
            field("\(path).scale.type", scale.type.rawValue)
            field("\(path).scale.step", String(scale.step))
            for (levelIndex, level) in scale.levels.enumerated() {
                let levelPath = "\(path).scale.levels[\(levelIndex)]"
                field("\(levelPath).label", level.label)
                field("\(levelPath).score", String(level.score))
                field("\(levelPath).descriptor", level.descriptor)
            }
        }
        return out
    }

    /// SHA-256 (lower-case hex) of the canonical encoding: identical for the same rubric loaded
    /// from YAML, JSON or XML, different after any change to its content. Use it to key stored
    /// judgments.
    public var contentHash: String {
        SHA256Hex.digest(of: Array(canonicalEncoding.utf8))
    }
}
