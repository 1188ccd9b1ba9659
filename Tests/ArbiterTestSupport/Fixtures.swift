// Fixtures: locate and load files under Tests/Fixtures (copies of ../shared/reference and data,
// each folder with an ORIGIN.tsv naming its source; .ci/check-fixtures compares them).
import Foundation

/// Access to the test fixtures bundled in the repository.
public enum Fixtures {
    /// `Tests/Fixtures`, found relative to this source file.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ArbiterTestSupport
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures", isDirectory: true)

    /// The repository root.
    public static let repositoryRoot: URL =
        root
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// URL of a fixture, e.g. `url("agreement/synthetic.json")`.
    public static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }

    /// Raw bytes of a fixture.
    public static func data(_ relativePath: String) throws -> Data {
        try Data(contentsOf: url(relativePath))
    }

    /// A fixture parsed with JSONSerialization (numbers as NSNumber, `null` as NSNull).
    public static func json(_ relativePath: String) throws -> Any {
        try JSONSerialization.jsonObject(with: data(relativePath), options: [.fragmentsAllowed])
    }

    /// A fixture of little-endian float32 values.
    public static func float32(_ relativePath: String) throws -> [Float] {
        let bytes = try data(relativePath)
        return bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
            }
        }
    }
}
