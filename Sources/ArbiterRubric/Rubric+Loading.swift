// Rubric+Loading: the public entry points that read a rubric file or text in YAML (canonical),
// JSON or XML and return a validated Rubric. Every failure is a `RubricError`. The format
// readers are RubricNode+YAML/JSON/XML.swift; the rules are Rubric+Schema.swift.
import ArbiterCore
import Foundation

extension Rubric {
    /// Loads and validates a rubric file; the format comes from the extension
    /// (`.yaml`/`.yml`, `.json`, `.xml`). Throws `RubricError`.
    public static func load(contentsOf url: URL) throws -> Rubric {
        let file = url.path
        guard let format = RubricFormat(fileExtension: url.pathExtension) else {
            throw RubricError(
                kind: .unsupportedExtension, file: file, path: "",
                problem: "`.\(url.pathExtension)` is not a rubric format",
                fix: "name the file .yaml (canonical), .yml, .json or .xml")
        }
        let data: Data
        do {
            data = try RegularFile.read(url)
        } catch {
            throw RubricError(
                kind: .unreadableFile, file: file, path: "",
                problem: "the file could not be read (\(error.localizedDescription))",
                fix: "check the path exists and is readable")
        }
        return try parse(data: data, format: format, file: file)
    }

    /// Loads every rubric file (`.yaml`, `.yml`, `.json`, `.xml`) directly inside a directory,
    /// sorted by file name. Throws `RubricError` for the first bad file.
    public static func loadDirectory(_ directory: URL) throws -> [Rubric] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw RubricError(
                kind: .unreadableFile, file: directory.path, path: "",
                problem: "the directory could not be listed (\(error.localizedDescription))",
                fix: "check the directory exists")
        }
        return try names.sorted()
            .filter { RubricFormat(fileExtension: ($0 as NSString).pathExtension) != nil }
            .map { try load(contentsOf: directory.appendingPathComponent($0)) }
    }

    /// Parses and validates rubric text. `file` names the source in errors.
    public static func parse(_ text: String, format: RubricFormat, file: String = "<string>") throws -> Rubric {
        try parse(data: Data(text.utf8), format: format, file: file)
    }

    /// The largest rubric file accepted (rubrics are a few kilobytes).
    public static let maximumFileBytes = 1 << 20

    /// Parses and validates rubric bytes. `file` names the source in errors.
    public static func parse(data: Data, format: RubricFormat, file: String = "<string>") throws -> Rubric {
        guard data.count <= maximumFileBytes else {
            throw RubricError(
                kind: .invalidValue, file: file, path: "",
                problem: "the file has \(data.count) bytes, more than the \(maximumFileBytes) a rubric may have",
                fix: "split the rubric or shorten its descriptors")
        }
        let root: RubricNode
        switch format {
        case .yaml:
            guard let text = String(data: data, encoding: .utf8) else {
                throw RubricError(
                    kind: .syntax, file: file, line: RubricNode.invalidUTF8Line(data), path: "",
                    problem: "the file is not valid UTF-8 text",
                    fix: "save the file as UTF-8")
            }
            root = try RubricNode.parseYAML(text, file: file)
        case .json:
            root = try RubricNode.parseJSON(data, file: file)
        case .xml:
            root = try RubricNode.parseXML(data, file: file)
        }
        return try build(from: root, reader: RubricSchemaReader(file: file))
    }
}
