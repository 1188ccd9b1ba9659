// RubricFuzzTests: seeded random byte mutations (bit flips, byte replacements, deletions,
// insertions, duplications, truncations) of valid YAML, JSON and XML rubrics must each either
// load or throw a RubricError, never trap or throw anything else.
import ArbiterCore
import ArbiterRubric
import ArbiterTestSupport
import Foundation
import Testing

@Suite struct RubricFuzzTests {
    static let mutationsPerFormat = 300

    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var out = bytes
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !out.isEmpty else { break }
            let position = Int.random(in: 0..<out.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: out[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            case 1: out[position] = UInt8.random(in: 0...255, using: &rng)
            case 2: out.removeSubrange(position..<Swift.min(out.count, position + Int.random(in: 1...16, using: &rng)))
            case 3:
                out.insert(
                    contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in
                        UInt8.random(in: 0...255, using: &rng)
                    }, at: position)
            case 4:
                let end = Swift.min(out.count, position + Int.random(in: 1...40, using: &rng))
                out.insert(contentsOf: out[position..<end], at: Int.random(in: 0...out.count, using: &rng))
            default: out.removeSubrange(position...)
            }
        }
        return out
    }

    static func sources() throws -> [(format: RubricFormat, bytes: [UInt8])] {
        let examples = RubricTestFiles.rubricsFolder.appendingPathComponent("examples")
        return [
            (
                .yaml,
                Array(
                    try Data(
                        contentsOf: RubricTestFiles.rubricsFolder.appendingPathComponent("instruction-following.yaml")))
            ),
            (.json, Array(try Data(contentsOf: examples.appendingPathComponent("helpfulness.json")))),
            (.xml, Array(try Data(contentsOf: examples.appendingPathComponent("helpfulness.xml")))),
        ]
    }

    @Test(arguments: [RubricFormat.yaml, .json, .xml])
    func mutatedFilesLoadOrThrowTypedErrors(format: RubricFormat) throws {
        let source = try #require(try Self.sources().first { $0.format == format })
        var rng = SplitMix64(seed: 0xA5B1_7C00 &+ UInt64(source.bytes.count))
        var loaded = 0
        var rejected = 0
        for index in 0..<Self.mutationsPerFormat {
            let bytes = Self.mutate(source.bytes, &rng)
            do {
                _ = try Rubric.parse(data: Data(bytes), format: format, file: "fuzz-\(index).\(format.rawValue)")
                loaded += 1
            } catch let error as RubricError {
                #expect(error.errorDescription?.contains("fuzz-\(index).\(format.rawValue)") == true)
                rejected += 1
            } catch {
                Issue.record("mutation \(index) threw a non-RubricError: \(error)")
            }
        }
        #expect(loaded + rejected == Self.mutationsPerFormat)
        #expect(rejected > 0)
    }

    @Test func hostileDocumentsThrowInsteadOfExhaustingTheStackOrMemory() throws {
        let depth = 50_000
        var aliasBomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            aliasBomb +=
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        let cases: [(RubricFormat, String)] = [
            (.yaml, "name: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"),
            (.yaml, "criteria:\n" + String(repeating: "- ", count: depth) + "x\n"),
            (.yaml, aliasBomb),
            (.json, "{\"name\": " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"),
            (
                .xml,
                "<rubric>" + String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
                    + "</rubric>"
            ),
            (.yaml, "name: x\ndescription: " + String(repeating: "y", count: Rubric.maximumFileBytes) + "\n"),
        ]
        for (index, (format, text)) in cases.enumerated() {
            #expect(throws: RubricError.self, "hostile case \(index)") {
                try Rubric.parse(text, format: format, file: "hostile-\(index)")
            }
        }
    }

    @Test func moderatelyNestedYAMLStillParses() throws {
        // 2,000 levels of flow nesting are within the depth guard: the schema, not the parser, rejects it.
        let text = "name: " + String(repeating: "[", count: 2_000) + String(repeating: "]", count: 2_000) + "\n"
        do {
            _ = try Rubric.parse(text, format: .yaml)
            Issue.record("expected a wrong-type error")
        } catch let error as RubricError {
            #expect(error.kind == .wrongType)
            #expect(error.path == "name")
        }
    }
}
