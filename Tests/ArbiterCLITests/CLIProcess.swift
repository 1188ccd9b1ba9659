// CLIProcess: runs the built `arbiter` executable (SwiftPM builds it beside the test bundle) as a
// child process with a wall-clock limit, no standard input and its output in files, and reports
// how it ended: exit code, killed by a signal (a trap), or stopped at the limit (a hang). Used by
// the fuzz harness; not a general process library.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How one run of `arbiter` ended.
struct CLIRun: CustomStringConvertible {
    let arguments: [String]
    /// Exit status, or the signal number when `signalled`.
    let status: Int32
    let signalled: Bool
    let timedOut: Bool
    let stdout: String
    let stderr: String

    var description: String {
        let how = timedOut ? "timed out" : signalled ? "killed by signal \(status)" : "exit \(status)"
        return
            "arbiter \(arguments.map { $0.count > 60 ? String($0.prefix(60)) + "…" : $0 }.joined(separator: " ")) → \(how)\n"
            + "stderr: \(stderr.prefix(600))"
    }
}

enum CLIProcess {
    /// `arbiter` beside the test bundle (`.build/<config>/`), else in the repository's debug build.
    static func executable() throws -> URL {
        let bundleFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [bundleFolder.appendingPathComponent("arbiter")]
        // xctest on Linux may run `…/ArbiterPackageTests.xctest` itself or through a runner.
        for path in Bundle.allBundles.map(\.bundleURL) {
            candidates.append(path.deletingLastPathComponent().appendingPathComponent("arbiter"))
        }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) {
            return found
        }
        throw CLIProcessError(
            message: "no built `arbiter` beside the tests (looked in \(candidates.map(\.path))); run `swift build`")
    }

    /// Runs `arbiter arguments` in `folder`, stopping it after `limit` seconds.
    static func run(_ arguments: [String], in folder: URL, limit: Double) throws -> CLIRun {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardInput = FileHandle.nullDevice
        let outURL = folder.appendingPathComponent(".stdout-\(UUID().uuidString)")
        let errURL = folder.appendingPathComponent(".stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        var timedOut = false
        if finished.wait(timeout: .now() + limit) == .timedOut {
            timedOut = true
            process.terminate()
            if finished.wait(timeout: .now() + 5) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                finished.wait()
            }
        }
        try out.close()
        try err.close()
        let read = { (url: URL) in String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self) }
        return CLIRun(
            arguments: arguments, status: process.terminationStatus,
            signalled: process.terminationReason == .uncaughtSignal, timedOut: timedOut, stdout: read(outURL),
            stderr: read(errURL))
    }
}

struct CLIProcessError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
