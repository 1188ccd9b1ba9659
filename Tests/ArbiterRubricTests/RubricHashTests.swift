// RubricHashTests: the SHA-256 behind the content hash matches FIPS 180-4 test vectors, a pinned
// rubric hashes to the value the hand-written SHA-256 gave before swift-crypto, and a rubric's
// content hash is the same across formats and changes with any content change.
import ArbiterCore
import Foundation
import Testing

@testable import ArbiterRubric

@Suite struct RubricHashTests {
    @Test func sha256MatchesStandardVectors() {
        #expect(
            SHA256Hex.digest(of: Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256Hex.digest(of: Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256Hex.digest(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256Hex.digest(of: [UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func contentHashIsPinned() throws {
        // The value the hand-written SHA-256 gave before swift-crypto replaced it, and
        // `sha256sum` of the canonical encoding: stored judgments keyed by it stay valid.
        let yaml = try Rubric.parse(RubricTestFiles.tinyYAML, format: .yaml)
        #expect(yaml.contentHash == "871a729e9fa034cbc6ef413d348bcb2f433a0ffc54c4c74906e9472842d0781d")
    }

    @Test func hashIsStableAcrossFormatsAndLoads() throws {
        let yaml = try Rubric.parse(RubricTestFiles.tinyYAML, format: .yaml)
        let json = try Rubric.parse(RubricTestFiles.tinyJSON, format: .json)
        let xml = try Rubric.parse(RubricTestFiles.tinyXML, format: .xml)
        #expect(yaml.contentHash == json.contentHash)
        #expect(yaml.contentHash == xml.contentHash)
        #expect(yaml.contentHash == (try Rubric.parse(RubricTestFiles.tinyYAML, format: .yaml)).contentHash)
        // Formatting that does not change content keeps the hash.
        let reflowed = RubricTestFiles.tinyYAML.replacingOccurrences(
            of: "descriptor: Okay.", with: "descriptor: \"  Okay. \"")
        #expect(try Rubric.parse(reflowed, format: .yaml).contentHash == yaml.contentHash)
    }

    @Test func hashChangesWithContent() throws {
        let base = try Rubric.parse(RubricTestFiles.tinyYAML, format: .yaml).contentHash
        let edits = [
            ("descriptor: Okay.", "descriptor: Fine."),
            ("weight: 1", "weight: 2"),
            ("version: 1.0.0", "version: 1.0.1"),
            ("id: quality", "id: quality2"),
        ]
        var hashes: Set<String> = [base]
        for (from, to) in edits {
            let hash = try Rubric.parse(
                RubricTestFiles.tinyYAML.replacingOccurrences(of: from, with: to), format: .yaml
            ).contentHash
            #expect(hash != base, "editing \(from) kept the hash")
            hashes.insert(hash)
        }
        let templated = try Rubric.parse(
            RubricTestFiles.tinyYAML + "templates:\n  user: \"{{prompt}} / {{response}}\"\n", format: .yaml)
        hashes.insert(templated.contentHash)
        #expect(hashes.count == edits.count + 2)
    }
}
