// RubricCommand: `arbiter rubric …`, tools for rubric files. `validate FILE…` loads each file
// (YAML, JSON or XML), prints `OK` with the rubric's name, criteria count and content hash, or the
// error naming the file, line, path and fix; exits 1 when any file fails. No judging here.
import Arbiter
import ArgumentParser
import Foundation

struct RubricCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rubric",
        abstract: "Work with rubric files (Rubrics/README.md documents the schema).",
        subcommands: [Validate.self]
    )

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load and validate rubric files; exit 1 if any is invalid."
        )

        @Argument(help: "Rubric files (.yaml, .yml, .json or .xml).")
        var files: [String]

        func validate() throws {
            guard !files.isEmpty else {
                throw ValidationError(
                    "Give at least one rubric file, e.g. `arbiter rubric validate Rubrics/helpfulness.yaml`.")
            }
        }

        func run() async throws {
            var failures = 0
            for file in files {
                do {
                    let rubric = try Rubric.load(contentsOf: URL(fileURLWithPath: file))
                    let hash = rubric.contentHash.prefix(12)
                    print(
                        "OK \(file): \(rubric.name) \(rubric.version), \(rubric.kind.rawValue), \(rubric.criteria.count) criteria, hash \(hash)"
                    )
                } catch {
                    failures += 1
                    let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
                    FileHandle.standardError.write(Data("ERROR \(message)\n".utf8))
                }
            }
            if failures > 0 {
                FileHandle.standardError.write(
                    Data("\(failures) of \(files.count) rubric files failed validation\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
