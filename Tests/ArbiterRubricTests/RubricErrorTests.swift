// RubricErrorTests: one bad file per error kind, written to a real temporary file; each test
// checks the kind, the path inside the document, and that the message names the file, the path
// and a fix.
import ArbiterRubric
import Foundation
import Testing

@Suite struct RubricErrorTests {
    let tiny = RubricTestFiles.tinyYAML

    /// Loads `text` as `name`, checks the error kind, the exact document path, and that the
    /// message names the file, the path (when not the root) and a fix.
    @discardableResult
    func expectError(
        _ kind: RubricError.Kind, path: String, name: String = "bad.yaml", _ text: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> RubricError? {
        guard let (error, url) = try RubricTestFiles.loadError(name, text, sourceLocation: sourceLocation) else {
            return nil
        }
        let message = error.errorDescription ?? ""
        #expect(error.kind == kind, "\(message)", sourceLocation: sourceLocation)
        #expect(error.path == path, "\(message)", sourceLocation: sourceLocation)
        #expect(error.file == url.path, sourceLocation: sourceLocation)
        #expect(message.contains(url.path), "\(message)", sourceLocation: sourceLocation)
        if !path.isEmpty {
            #expect(message.contains("`\(path)`"), "\(message)", sourceLocation: sourceLocation)
        }
        #expect(message.contains("Fix: ") && !error.fix.isEmpty, sourceLocation: sourceLocation)
        return error
    }

    @Test func unreadableFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-rubric-\(UUID()).yaml")
        #expect(throws: RubricError.self) { try Rubric.load(contentsOf: url) }
        do {
            _ = try Rubric.load(contentsOf: url)
        } catch let error as RubricError {
            #expect(error.kind == .unreadableFile)
            #expect(error.errorDescription?.contains(url.path) == true)
        }
    }

    @Test func unsupportedExtension() throws {
        let error = try expectError(.unsupportedExtension, path: "", name: "tiny.toml", tiny)
        #expect(error?.errorDescription?.contains(".yaml") == true)
    }

    @Test func yamlSyntaxErrorHasLine() throws {
        let text = "name: tiny\nversion: 1.0.0\ndescription: [unclosed\ncriteria: []\n"
        let error = try expectError(.syntax, path: "", text)
        #expect(error?.line != nil)
        #expect(error?.errorDescription?.contains("bad.yaml:\(error?.line ?? -1):") == true)
    }

    @Test func jsonSyntaxErrorHasLine() throws {
        let text = "{\n  \"name\": \"tiny\",\n  \"version\": ,\n  \"criteria\": []\n}\n"
        let error = try expectError(.syntax, path: "", name: "bad.json", text)
        #expect(error?.line == 3, "\(error?.errorDescription ?? "")")
    }

    @Test func xmlSyntaxErrorHasLine() throws {
        let text = "<?xml version=\"1.0\"?>\n<rubric>\n  <name>tiny</name>\n  <version>1</vers>\n</rubric>\n"
        let error = try expectError(.syntax, path: "", name: "bad.xml", text)
        #expect(error?.line == 4, "\(error?.errorDescription ?? "")")
    }

    @Test func invalidUTF8IsASyntaxError() throws {
        let url = try RubricTestFiles.write("bytes.yaml", "")
        try Data([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x0a]).write(to: url)
        #expect(throws: RubricError.self) { try Rubric.load(contentsOf: url) }
    }

    @Test func xmlMustBeUTF8() throws {
        let url = try RubricTestFiles.write("latin.xml", "")
        var bytes = Array(RubricTestFiles.tinyXML.utf8)
        bytes.insert(contentsOf: [0xC3, 0x28], at: bytes.count / 2)
        try Data(bytes).write(to: url)
        #expect(throws: RubricError.self) { try Rubric.load(contentsOf: url) }
        let declared = RubricTestFiles.tinyXML.replacingOccurrences(of: "UTF-8", with: "ISO-8859-1")
        let error = try expectError(.syntax, path: "", name: "declared.xml", declared)
        #expect(error?.line == 1)
    }

    @Test func xmlStructureErrors() throws {
        let wrongRoot = RubricTestFiles.tinyXML.replacingOccurrences(of: "rubric>", with: "rubrik>")
        try expectError(.unknownKey, path: "", name: "root.xml", wrongRoot)
        let wrongItem = RubricTestFiles.tinyXML.replacingOccurrences(of: "criterion>", with: "criterium>")
        try expectError(.unknownKey, path: "criteria[0]", name: "item.xml", wrongItem)
        let twice = RubricTestFiles.tinyXML.replacingOccurrences(
            of: "<name>tiny</name>", with: "<name>tiny</name><name>again</name>")
        try expectError(.duplicateKey, path: "name", name: "twice.xml", twice)
    }

    @Test func missingRequiredField() throws {
        try expectError(
            .missingField, path: "description", tiny.replacingOccurrences(of: "description: A tiny rubric.\n", with: "")
        )
        try expectError(
            .missingField, path: "name", "name:\n" + tiny.replacingOccurrences(of: "name: tiny\n", with: ""))
        let noScale = tiny.components(separatedBy: "    scale:")[0]
        try expectError(.missingField, path: "criteria[0].scale", noScale)
        try expectError(
            .missingField, path: "criteria[0].scale.min", tiny.replacingOccurrences(of: "      min: 1\n", with: ""))
    }

    @Test func wrongType() throws {
        let error = try expectError(
            .wrongType, path: "criteria[0].weight", tiny.replacingOccurrences(of: "weight: 1", with: "weight: heavy"))
        #expect(error?.problem.contains("heavy") == true)
        try expectError(.wrongType, path: "criteria", "name: tiny\nversion: 1\ndescription: d\ncriteria: lots\n")
        try expectError(.wrongType, path: "", "- just\n- a list\n")
        try expectError(
            .wrongType, path: "criteria[0].scale.max", tiny.replacingOccurrences(of: "max: 3", with: "max: 2.5"))
        let json = RubricTestFiles.tinyJSON.replacingOccurrences(of: "\"weight\": 1", with: "\"weight\": \"1\"")
        let jsonError = try expectError(.wrongType, path: "criteria[0].weight", name: "bad.json", json)
        #expect(jsonError?.line == 9)
    }

    @Test func jsonSchemaErrorsCarryTheValueLine() throws {
        // Escaped quotes, brackets and commas inside strings must not confuse the line scan.
        let json = RubricTestFiles.tinyJSON
            .replacingOccurrences(of: "\"A tiny rubric.\"", with: "\"A \\\"tiny\\\" [rubric], {x}\"")
            .replacingOccurrences(
                of: "{\"score\": 3, \"descriptor\": \"Good.\"}", with: "{\"score\": 3, \"descriptor\": \" \"}")
        let error = try expectError(
            .missingDescriptor, path: "criteria[0].scale.levels[2].descriptor", name: "lines.json", json)
        #expect(error?.line == 15)
    }

    @Test func emptyCriteria() throws {
        try expectError(.emptyCriteria, path: "criteria", "name: tiny\nversion: 1.0.0\ndescription: d\ncriteria: []\n")
    }

    @Test func duplicateCriterionID() throws {
        let criterion = tiny.components(separatedBy: "criteria:\n")[1]
        let error = try expectError(.duplicateCriterionID, path: "criteria[1].id", tiny + criterion)
        #expect(error?.problem.contains("criteria[0]") == true)
    }

    @Test func nonPositiveWeight() throws {
        try expectError(
            .nonPositiveWeight, path: "criteria[0].weight",
            tiny.replacingOccurrences(of: "weight: 1", with: "weight: 0"))
        try expectError(
            .nonPositiveWeight, path: "criteria[0].weight",
            tiny.replacingOccurrences(of: "weight: 1", with: "weight: -2.5"))
        try expectError(
            .nonPositiveWeight, path: "criteria[0].weight",
            tiny.replacingOccurrences(of: "weight: 1", with: "weight: .nan"))
    }

    @Test func unknownScaleType() throws {
        let error = try expectError(
            .unknownScaleType, path: "criteria[0].scale.type",
            tiny.replacingOccurrences(of: "type: numeric", with: "type: numerc"))
        #expect(error?.fix.contains("did you mean `numeric`?") == true)
    }

    @Test func levelsNotCoveringTheScale() throws {
        let gap = tiny.replacingOccurrences(of: "        - score: 2\n          descriptor: Okay.\n", with: "")
        let error = try expectError(.levelsNotCovering, path: "criteria[0].scale.levels", gap)
        #expect(error?.problem.contains("2") == true)
        #expect(error?.fix.contains("score: 2") == true)
        let binary =
            "name: b\nversion: 1\ndescription: d\ncriteria:\n  - id: ok\n    description: d\n    scale:\n      type: binary\n      levels:\n        - label: pass\n          descriptor: Passes.\n"
        try expectError(.levelsNotCovering, path: "criteria[0].scale.levels", binary)
        let ordinal =
            "name: o\nversion: 1\ndescription: d\ncriteria:\n  - id: ok\n    description: d\n    scale:\n      type: ordinal\n      levels:\n        - label: good\n          descriptor: Good.\n"
        try expectError(.levelsNotCovering, path: "criteria[0].scale.levels", ordinal)
    }

    @Test func levelOutsideTheScale() throws {
        try expectError(
            .invalidValue, path: "criteria[0].scale.levels[1].score",
            tiny.replacingOccurrences(of: "score: 2", with: "score: 7"))
    }

    @Test func missingOrEmptyDescriptor() throws {
        try expectError(
            .missingDescriptor, path: "criteria[0].scale.levels[1].descriptor",
            tiny.replacingOccurrences(of: "descriptor: Okay.", with: "descriptor: \"\""))
        try expectError(
            .missingDescriptor, path: "criteria[0].scale.levels[2].descriptor",
            tiny.replacingOccurrences(of: "\n          descriptor: Good.", with: ""))
    }

    @Test func descriptorPathDeepInTheDocument() throws {
        var text = "name: deep\nversion: 1.0.0\ndescription: d\ncriteria:\n"
        for index in 0..<3 {
            text +=
                "  - id: c\(index)\n    description: d\n    scale:\n      type: numeric\n      min: 1\n      max: 5\n      levels:\n"
            for score in 1...5 {
                let descriptor = index == 2 && score == 5 ? "\"   \"" : "Level \(score)."
                text += "        - score: \(score)\n          descriptor: \(descriptor)\n"
            }
        }
        let error = try expectError(.missingDescriptor, path: "criteria[2].scale.levels[4].descriptor", text)
        #expect(error?.line != nil)
    }

    @Test func duplicateLevel() throws {
        try expectError(
            .duplicateLevel, path: "criteria[0].scale.levels[1].score",
            tiny.replacingOccurrences(of: "score: 2", with: "score: 1"))
        let ordinal =
            "name: o\nversion: 1\ndescription: d\ncriteria:\n  - id: ok\n    description: d\n    scale:\n      type: ordinal\n      levels:\n        - label: good\n          descriptor: Good.\n        - label: Good\n          descriptor: Also good.\n"
        try expectError(.duplicateLevel, path: "criteria[0].scale.levels[1].label", ordinal)
    }

    @Test func unknownAggregation() throws {
        let error = try expectError(.unknownAggregation, path: "aggregation", "aggregation: weighted-men\n" + tiny)
        #expect(error?.fix.contains("did you mean `weighted-mean`?") == true)
        let listed = try expectError(.unknownAggregation, path: "aggregation", "aggregation: average\n" + tiny)
        #expect(listed?.fix.contains("`all-pass`") == true)
    }

    @Test func aggregationThatDoesNotFitTheScales() throws {
        try expectError(.aggregationMismatch, path: "criteria[0].scale.type", "aggregation: all-pass\n" + tiny)
    }

    @Test func unknownKeySuggestsTheClosestField() throws {
        let error = try expectError(
            .unknownKey, path: "criteria[0].descripton",
            tiny.replacingOccurrences(of: "description: Overall", with: "descripton: Overall"))
        #expect(error?.fix == "did you mean `description`?")
        let root = try expectError(.unknownKey, path: "aggregate", "aggregate: min\n" + tiny)
        #expect(root?.fix == "did you mean `aggregation`?")
        let xml = RubricTestFiles.tinyXML.replacingOccurrences(of: "<weight>1</weight>", with: "<wieght>1</wieght>")
        let xmlError = try expectError(.unknownKey, path: "criteria[0].wieght", name: "bad.xml", xml)
        #expect(xmlError?.fix == "did you mean `weight`?")
        #expect(xmlError?.line == 10)
    }

    @Test func duplicateKey() throws {
        try expectError(.duplicateKey, path: "name", "name: again\n" + tiny)
    }

    @Test func invalidValues() throws {
        let kind = try expectError(.invalidValue, path: "kind", "kind: pointwize\n" + tiny)
        #expect(kind?.fix == "did you mean `pointwise`?")
        try expectError(
            .invalidValue, path: "criteria[0].id",
            tiny.replacingOccurrences(of: "id: quality", with: "id: overall quality"))
        try expectError(.invalidValue, path: "criteria[0].scale", "kind: pairwise\n" + tiny)
        try expectError(
            .invalidValue, path: "criteria[0].scale.max", tiny.replacingOccurrences(of: "max: 3", with: "max: 1"))
    }

    @Test func unknownPlaceholder() throws {
        let text = tiny + "templates:\n  user: \"Q: {{prompt}} A: {{respnse}}\"\n"
        let error = try expectError(.unknownPlaceholder, path: "templates.user", text)
        #expect(error?.fix == "did you mean `response`?")
        let unclosed = tiny + "templates:\n  user: \"{{prompt}} {{response\"\n"
        try expectError(.unknownPlaceholder, path: "templates.user", unclosed)
    }

    @Test func templateThatHidesTheResponse() throws {
        let text = tiny + "templates:\n  user: \"Only the prompt: {{prompt}}\"\n"
        let error = try expectError(.templateMissingPlaceholder, path: "templates", text)
        #expect(error?.fix.contains("{{response}}") == true)
    }

    @Test func everyKindIsCoveredByATest() {
        // Kinds with a dedicated test above; a new kind must get one.
        let tested: Set<RubricError.Kind> = [
            .unreadableFile, .unsupportedExtension, .syntax, .missingField, .wrongType, .invalidValue, .unknownKey,
            .duplicateKey, .emptyCriteria, .duplicateCriterionID, .nonPositiveWeight, .unknownScaleType,
            .levelsNotCovering, .missingDescriptor, .duplicateLevel, .unknownAggregation, .aggregationMismatch,
            .unknownPlaceholder, .templateMissingPlaceholder,
        ]
        #expect(tested == Set(RubricError.Kind.allCases))
    }
}
