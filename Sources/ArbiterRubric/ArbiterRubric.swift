// ArbiterRubric: rubrics (criteria, weights, score scales with a descriptor per level),
// loaded from YAML (canonical), JSON or XML and validated. Parts live in Type+Concern.swift files.

/// Namespace for rubric-format constants.
public enum RubricFormatInfo {
    /// File extensions the loader accepts.
    public static let extensions: Set<String> = ["yaml", "yml", "json", "xml"]
}
