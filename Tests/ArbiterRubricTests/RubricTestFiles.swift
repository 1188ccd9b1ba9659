// RubricTestFiles: helpers for rubric tests: the shipped Rubrics/ folder, a small valid rubric
// in each format, and writing test text to real files in a fresh temporary folder so errors name
// a real path.
import ArbiterRubric
import ArbiterTestSupport
import Foundation
import Testing

enum RubricTestFiles {
    /// `Rubrics/` at the repository root.
    static let rubricsFolder = Fixtures.repositoryRoot.appendingPathComponent("Rubrics", isDirectory: true)

    /// Every shipped YAML rubric file name.
    static let shippedNames = [
        "code-correctness", "harmlessness", "helpfulness", "honesty-factual-accuracy", "instruction-following",
        "pairwise-preference", "summeval-coherence", "summeval-consistency", "summeval-fluency", "summeval-relevance",
    ]

    static func shipped(_ name: String) throws -> Rubric {
        try Rubric.load(contentsOf: rubricsFolder.appendingPathComponent("\(name).yaml"))
    }

    /// Writes `text` to `name` in a new temporary folder and returns its URL.
    static func write(_ name: String, _ text: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("arbiter-rubric-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// A small valid pointwise rubric: one criterion on a 1-3 numeric scale.
    static let tinyYAML = """
        name: tiny
        version: 1.0.0
        description: A tiny rubric.
        criteria:
          - id: quality
            description: Overall quality.
            weight: 1
            scale:
              type: numeric
              min: 1
              max: 3
              levels:
                - score: 1
                  descriptor: Bad.
                - score: 2
                  descriptor: Okay.
                - score: 3
                  descriptor: Good.

        """

    static let tinyJSON = """
        {
          "name": "tiny",
          "version": "1.0.0",
          "description": "A tiny rubric.",
          "criteria": [
            {
              "id": "quality",
              "description": "Overall quality.",
              "weight": 1,
              "scale": {
                "type": "numeric", "min": 1, "max": 3,
                "levels": [
                  {"score": 1, "descriptor": "Bad."},
                  {"score": 2, "descriptor": "Okay."},
                  {"score": 3, "descriptor": "Good."}
                ]
              }
            }
          ]
        }

        """

    static let tinyXML = """
        <?xml version="1.0" encoding="UTF-8"?>
        <rubric>
          <name>tiny</name>
          <version>1.0.0</version>
          <description>A tiny rubric.</description>
          <criteria>
            <criterion>
              <id>quality</id>
              <description>Overall quality.</description>
              <weight>1</weight>
              <scale>
                <type>numeric</type>
                <min>1</min>
                <max>3</max>
                <levels>
                  <level><score>1</score><descriptor>Bad.</descriptor></level>
                  <level><score>2</score><descriptor>Okay.</descriptor></level>
                  <level><score>3</score><descriptor>Good.</descriptor></level>
                </levels>
              </scale>
            </criterion>
          </criteria>
        </rubric>

        """

    /// Loads `text` from a real file named `name`; returns the RubricError it throws (records an
    /// issue and returns nil when it loads or throws something else).
    static func loadError(_ name: String, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> (
        error: RubricError, file: URL
    )? {
        let url = try write(name, text)
        do {
            let rubric = try Rubric.load(contentsOf: url)
            Issue.record("expected an error, loaded \(rubric.name)", sourceLocation: sourceLocation)
            return nil
        } catch let error as RubricError {
            return (error, url)
        } catch {
            Issue.record("expected RubricError, got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }
}
