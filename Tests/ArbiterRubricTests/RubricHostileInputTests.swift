// RubricHostileInputTests: rubrics written to hurt — thousands of levels, DTDs with entities,
// weights near the largest Double. Each test names the class of issue 14 it guards: limits are
// checked before the work, no text is silently dropped, and no valid rubric aggregates to inf/NaN.
import ArbiterRubric
import Foundation
import Testing

@Suite struct RubricHostileInputTests {
    /// A pointwise rubric with one criterion whose scale has the given level lines.
    static func rubric(scale: String, levels: [String]) -> String {
        """
        name: hostile
        version: 1.0.0
        description: A rubric written to hurt.
        criteria:
          - id: quality
            description: Overall quality.
            scale:
        \(scale)
              levels:
        \(levels.joined(separator: "\n"))

        """
    }

    /// Limits first, then the work: 20,000 ordinal levels (block style) are refused for their count before any
    /// level is read (a missing descriptor at level 150 would otherwise be reported first, after
    /// a pass that is quadratic in the number of levels).
    @Test func ordinalLevelCountIsCheckedBeforeTheLevels() throws {
        var levels = (0..<20_000).map { "        - label: l\($0)\n          descriptor: d" }
        levels[150] = "        - label: l150"
        let text = Self.rubric(scale: "      type: ordinal", levels: levels)
        let (error, _) = try #require(try RubricTestFiles.loadError("many.yaml", text))
        #expect(error.kind == .levelsNotCovering, "\(error.errorDescription ?? "")")
        #expect(error.path == "criteria[0].scale.levels")
        #expect(error.problem.contains("20000"), "\(error.problem)")
    }

    /// The same rule for numeric scales and for binary ones (which have exactly two levels).
    @Test func numericAndBinaryLevelCountsAreCheckedFirst() throws {
        var numeric = (0..<5_000).map { "        - {score: \($0 % 5 + 1), descriptor: d}" }
        numeric[7] = "        - {score: 3}"
        let numericText = Self.rubric(scale: "      type: numeric\n      min: 1\n      max: 5", levels: numeric)
        let (numericError, _) = try #require(try RubricTestFiles.loadError("numeric.yaml", numericText))
        #expect(numericError.kind == .levelsNotCovering, "\(numericError.errorDescription ?? "")")
        #expect(numericError.problem.contains("5000"), "\(numericError.problem)")

        var binary = (0..<400).map { "        - {label: \($0 % 2 == 0 ? "pass" : "fail"), descriptor: d}" }
        binary[5] = "        - {label: pass}"
        let binaryText = Self.rubric(scale: "      type: binary", levels: binary)
        let (binaryError, _) = try #require(try RubricTestFiles.loadError("binary.yaml", binaryText))
        #expect(binaryError.kind == .levelsNotCovering, "\(binaryError.errorDescription ?? "")")
        #expect(binaryError.problem.contains("400"), "\(binaryError.problem)")
    }

    /// Never drop text: a DTD (where entities are declared) is refused with a located error, so
    /// `&praise;` can never vanish from a descriptor while `rubric validate` says OK.
    @Test func xmlDoctypeIsRefusedNotDropped() throws {
        let text = RubricTestFiles.tinyXML
            .replacingOccurrences(
                of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                with: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- a comment -->\n"
                    + "<!DOCTYPE rubric [<!ENTITY praise \"the user\">]>\n"
            )
            .replacingOccurrences(of: "Overall quality.", with: "Does it praise &praise;?")
        let (error, _) = try #require(try RubricTestFiles.loadError("entity.xml", text))
        #expect(error.kind == .syntax)
        #expect(error.line == 3, "\(error.errorDescription ?? "")")
        #expect(error.problem.contains("DOCTYPE"), "\(error.problem)")
        // The five predefined entities and character references still work.
        let plain = RubricTestFiles.tinyXML.replacingOccurrences(
            of: "Overall quality.", with: "Quality &amp; tone &#8211; &lt;all&gt; of it")
        let rubric = try Rubric.parse(plain, format: .xml)
        #expect(rubric.criteria[0].description == "Quality & tone – <all> of it")
    }

    /// Weights are relative, but their sum must be a number: 2 × 1.7e308 is refused at the
    /// criterion where the sum overflows.
    @Test func weightsWhoseSumOverflowsAreRefused() throws {
        let text = RubricTestFiles.tinyYAML
            .replacingOccurrences(of: "weight: 1", with: "weight: 1.7e308")
            .replacingOccurrences(of: "criteria:\n", with: "criteria:\n" + Self.secondCriterion)
        let (error, _) = try #require(try RubricTestFiles.loadError("weights.yaml", text))
        #expect(error.kind == .invalidValue, "\(error.errorDescription ?? "")")
        #expect(error.path == "criteria[1].weight", "\(error.errorDescription ?? "")")
        #expect(error.line == 18, "\(error.errorDescription ?? "")")
    }

    /// Large weights whose sum is finite aggregate to the exact mean (no w·s overflow).
    @Test func largeFiniteWeightsAggregateStably() throws {
        let text = RubricTestFiles.tinyYAML
            .replacingOccurrences(of: "weight: 1", with: "weight: 1e308")
            .replacingOccurrences(
                of: "criteria:\n",
                with: "criteria:\n" + Self.secondCriterion.replacingOccurrences(of: "1.7e308", with: "5e307"))
        let rubric = try Rubric.parse(text, format: .yaml)
        let mean = try rubric.aggregate(["quality": 3, "style": 3]).value
        #expect(mean == 3)
        let mixed = try rubric.aggregate(["quality": 1, "style": 3]).value
        #expect(abs(mixed - 5.0 / 3.0) < 1e-12, "\(mixed)")
    }

    /// Aggregating with a pairwise rubric is a typed error, not a trap.
    @Test func aggregateOnAPairwiseRubricThrows() throws {
        let rubric = try RubricTestFiles.shipped("pairwise-preference")
        #expect(throws: RubricScoreError.self) { try rubric.aggregate([:]) }
    }

    static let secondCriterion = """
          - id: style
            description: Style.
            weight: 1.7e308
            scale:
              type: numeric
              min: 1
              max: 3
              levels:
                - {score: 1, descriptor: Bad.}
                - {score: 2, descriptor: Okay.}
                - {score: 3, descriptor: Good.}

        """
}
