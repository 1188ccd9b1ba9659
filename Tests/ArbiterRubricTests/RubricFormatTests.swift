// RubricFormatTests: every shipped rubric loads and validates; the YAML, JSON and XML forms of a
// rubric load to the identical model with the identical content hash.
import ArbiterRubric
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct RubricFormatTests {
    @Test func extensionsMapToFormats() {
        #expect(RubricFormatInfo.extensions == ["yaml", "yml", "json", "xml"])
        #expect(RubricFormat(fileExtension: "YML") == .yaml)
        #expect(RubricFormat(fileExtension: "json") == .json)
        #expect(RubricFormat(fileExtension: "xml") == .xml)
        #expect(RubricFormat(fileExtension: "toml") == nil)
    }

    @Test(arguments: RubricTestFiles.shippedNames)
    func shippedRubricValidates(name: String) throws {
        let rubric = try RubricTestFiles.shipped(name)
        #expect(rubric.name == name)
        #expect(!rubric.criteria.isEmpty)
        for criterion in rubric.criteria {
            #expect(criterion.weight > 0)
            if rubric.kind == .pointwise {
                let scale = try #require(criterion.scale)
                #expect(scale.levels.count >= 2)
                #expect(scale.levels.allSatisfy { !$0.descriptor.isEmpty })
            } else {
                #expect(criterion.scale == nil)
            }
        }
        #expect(rubric.contentHash.count == 64)
    }

    @Test func shippedFolderHoldsExactlyTheListedRubrics() throws {
        let rubrics = try Rubric.loadDirectory(RubricTestFiles.rubricsFolder)
        #expect(rubrics.map(\.name) == RubricTestFiles.shippedNames)
        #expect(Set(rubrics.map(\.contentHash)).count == rubrics.count)
    }

    @Test func summEvalRubricsUseOneToFiveAndTheSourceTemplate() throws {
        for dimension in ["coherence", "consistency", "fluency", "relevance"] {
            let rubric = try RubricTestFiles.shipped("summeval-\(dimension)")
            let scale = try #require(rubric.criteria.first?.scale)
            #expect(scale.type == .numeric)
            #expect(scale.levels.map(\.score) == [1, 2, 3, 4, 5])
            #expect(rubric.templates?.user?.contains("{{prompt}}") == true)
        }
    }

    @Test func shippedRubricsUseEveryScaleTypeAndAggregation() throws {
        let rubrics = try RubricTestFiles.shippedNames.map(RubricTestFiles.shipped)
        let types = Set(rubrics.flatMap { $0.criteria.compactMap { $0.scale?.type } })
        #expect(types == Set(ScaleType.allCases))
        #expect(
            Set(rubrics.filter { $0.kind == .pointwise }.map(\.aggregation)).isSuperset(of: [.weightedMean, .allPass]))
        #expect(try RubricTestFiles.shipped("honesty-factual-accuracy").requiresReference)
        #expect(try RubricTestFiles.shipped("pairwise-preference").kind == .pairwise)
    }

    @Test func yamlJSONAndXMLExamplesLoadToTheSameRubric() throws {
        let yaml = try RubricTestFiles.shipped("helpfulness")
        let examples = RubricTestFiles.rubricsFolder.appendingPathComponent("examples")
        let json = try Rubric.load(contentsOf: examples.appendingPathComponent("helpfulness.json"))
        let xml = try Rubric.load(contentsOf: examples.appendingPathComponent("helpfulness.xml"))
        #expect(json == yaml)
        #expect(xml == yaml)
        #expect(json.contentHash == yaml.contentHash)
        #expect(xml.contentHash == yaml.contentHash)
    }

    @Test func tinyRubricIsTheSameInEveryFormat() throws {
        let yaml = try Rubric.parse(RubricTestFiles.tinyYAML, format: .yaml)
        let json = try Rubric.parse(RubricTestFiles.tinyJSON, format: .json)
        let xml = try Rubric.parse(RubricTestFiles.tinyXML, format: .xml)
        #expect(yaml == json)
        #expect(yaml == xml)
        #expect(yaml.kind == .pointwise)
        #expect(yaml.aggregation == .weightedMean)
        #expect(yaml.criteria[0].scale?.levels.map(\.label) == ["1", "2", "3"])
    }

    @Test func defaultsApplyWhenOptionalFieldsAreAbsent() throws {
        let text = RubricTestFiles.tinyYAML.replacingOccurrences(of: "    weight: 1\n", with: "")
        let rubric = try Rubric.parse(text, format: .yaml)
        #expect(rubric.criteria[0].weight == 1)
        #expect(rubric.kind == .pointwise)
        #expect(rubric.aggregation == .weightedMean)
        #expect(rubric.referenceInstructions == nil)
        #expect(rubric.templates == nil)
    }

    @Test func levelsAreSortedAndStepIsHonoured() throws {
        let text = RubricTestFiles.tinyYAML
            .replacingOccurrences(of: "max: 3", with: "max: 5\n      step: 2")
            .replacingOccurrences(of: "score: 2", with: "score: 5")
        let rubric = try Rubric.parse(text, format: .yaml)
        let scale = try #require(rubric.criteria[0].scale)
        #expect(scale.step == 2)
        #expect(scale.levels.map(\.score) == [1, 3, 5])
        #expect(scale.levels.map(\.descriptor) == ["Bad.", "Good.", "Okay."])
    }

    @Test func modelRoundTripsThroughCodable() throws {
        let rubric = try RubricTestFiles.shipped("instruction-following")
        let data = try JSONEncoder().encode(rubric)
        #expect(try JSONDecoder().decode(Rubric.self, from: data) == rubric)
    }

    /// The fenced block after the first line that starts with "```" + `language` in the README.
    static func readmeBlock(_ language: String) throws -> String {
        let readme = try String(
            contentsOf: RubricTestFiles.rubricsFolder.appendingPathComponent("README.md"), encoding: .utf8)
        let afterFence = try #require(readme.components(separatedBy: "```\(language)\n").dropFirst().first)
        return try #require(afterFence.components(separatedBy: "```").first)
    }

    @Test func readmeExamplesLoad() throws {
        let yaml = try Rubric.parse(try Self.readmeBlock("yaml"), format: .yaml, file: "README.md")
        #expect(yaml.name == "concise-answer")
        #expect(yaml.criteria.map(\.weight) == [2, 1])
        #expect(yaml.templates?.user == "Question: {{prompt}}\n\nAnswer: {{response}}")
        let xml = try Rubric.parse(try Self.readmeBlock("xml"), format: .xml, file: "README.md")
        #expect(xml.criteria.first == yaml.criteria.first)
    }

    @Test func xmlAttributesAreFields() throws {
        let text = RubricTestFiles.tinyXML
            .replacingOccurrences(of: "<level><score>1</score>", with: "<level score=\"1\">")
            .replacingOccurrences(of: "<criterion>\n", with: "<criterion id=\"quality\">\n")
            .replacingOccurrences(of: "<id>quality</id>", with: "")
        #expect(try Rubric.parse(text, format: .xml) == Rubric.parse(RubricTestFiles.tinyXML, format: .xml))
    }
}
