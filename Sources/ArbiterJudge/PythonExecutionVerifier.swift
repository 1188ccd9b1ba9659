// PythonExecutionVerifier: runs a Python completion followed by test code in a subprocess and
// scores 1 when it exits 0 (all asserts pass), else 0 with an excerpt of stderr.
// Isolation: a fresh temporary working directory (removed afterwards), a wall-clock timeout that
// kills the whole process group, a virtual-memory limit (`ulimit -v`), and no network: when
// `unshare -n` works (root or user namespaces) the code runs in an empty network namespace;
// otherwise only proxy variables are pointed at a dead address, which blocks proxied clients but
// NOT raw sockets (`networkIsolation` says which one is in force). It is not a security sandbox
// against hostile code (no seccomp, same filesystem view).
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the subprocess is cut off from the network.
public enum NetworkIsolation: String, Sendable {
    /// Runs inside `unshare -n`: no interfaces except a down loopback.
    case namespace
    /// Proxy variables only; raw sockets still reach the network.
    case proxyEnvironmentOnly
}

public struct PythonExecutionVerifier: Verifier {
    public let kind = "python_tests"
    /// Test code appended after the completion; when nil the sample's reference is used.
    public let testCode: String?
    public let timeoutSeconds: Double
    public let memoryLimitMB: Int
    public let python: String
    public let networkIsolation: NetworkIsolation

    /// - Parameter python: interpreter path; default: `python3` resolved on PATH.
    public init(testCode: String? = nil, timeoutSeconds: Double = 10, memoryLimitMB: Int = 1024, python: String? = nil)
        throws
    {
        guard timeoutSeconds > 0, timeoutSeconds.isFinite else {
            throw VerifierError.invalidOption(name: "timeoutSeconds", reason: "must be positive, got \(timeoutSeconds)")
        }
        guard memoryLimitMB >= 64 else {
            throw VerifierError.invalidOption(
                name: "memoryLimitMB", reason: "Python needs at least 64 MB, got \(memoryLimitMB)")
        }
        guard let interpreter = python ?? Self.resolvedPython else {
            throw VerifierError.invalidOption(
                name: "python", reason: "no python3 found on PATH; install Python 3 or pass its path")
        }
        self.testCode = testCode
        self.timeoutSeconds = timeoutSeconds
        self.memoryLimitMB = memoryLimitMB
        self.python = interpreter
        self.networkIsolation = Self.namespaceAvailable ? .namespace : .proxyEnvironmentOnly
    }

    public func verify(_ sample: JudgeSample) async -> Result<VerifierResult, JudgmentFailure> {
        guard let tests = testCode ?? sample.reference else {
            return .failure(.invalidSample(message: "python tests need test code (option or the sample's reference)"))
        }
        return await run(completion: sample.response, tests: tests)
    }

    /// Runs `completion` + `tests` and scores the outcome.
    public func run(completion: String, tests: String) async -> Result<VerifierResult, JudgmentFailure> {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("arbiter-exec-\(UUID().uuidString)", isDirectory: true)
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: false)
            let source = Self.extractCode(completion) + "\n\n# --- tests ---\n" + tests + "\n"
            try Data(source.utf8).write(to: dir.appendingPathComponent("main.py"))
        } catch {
            try? fm.removeItem(at: dir)
            return .failure(.transport(message: "could not prepare \(dir.path): \(error.localizedDescription)"))
        }
        defer { try? fm.removeItem(at: dir) }

        let script = "ulimit -v \(memoryLimitMB * 1024) || exit 97; cd '\(dir.path)' && exec '\(python)' -I -B main.py"
        var argv = ["/bin/sh", "-c", script]
        if networkIsolation == .namespace, let unshare = Self.unsharePath { argv = [unshare, "-n"] + argv }
        let outcome = await Subprocess.run(
            argv: argv, environment: Self.environment(home: dir.path),
            stdoutPath: dir.appendingPathComponent("stdout.txt").path,
            stderrPath: dir.appendingPathComponent("stderr.txt").path,
            timeoutSeconds: timeoutSeconds)
        let stderr = (try? String(contentsOf: dir.appendingPathComponent("stderr.txt"), encoding: .utf8)) ?? ""
        let excerpt = Self.excerpt(stderr)
        switch outcome {
        case .failedToStart(let message):
            return .failure(.transport(message: "could not start python: \(message)"))
        case .timedOut:
            return .success(.fail("timed out after \(JudgmentFailure.format(timeoutSeconds)) s; process group killed"))
        case .exited(0):
            return .success(.pass("all tests passed"))
        case .exited(97):
            return .failure(.transport(message: "could not apply the memory limit (ulimit -v)"))
        case .exited(let code):
            return .success(.fail("exit status \(code)" + (excerpt.isEmpty ? "" : ": \(excerpt)")))
        case .signalled(let signal):
            return .success(.fail("killed by signal \(signal)" + (excerpt.isEmpty ? "" : ": \(excerpt)")))
        }
    }

    /// The code inside the last ```python (or plain ```) fence, else the whole completion.
    static func extractCode(_ completion: String) -> String {
        let fence = TextPattern(#"```(?:python|py)?[ \t]*\n([\s\S]*?)```"#, caseInsensitive: true)
        let re = fence.regex
        let ns = completion as NSString
        let matches = re.matches(in: completion, options: [], range: NSRange(location: 0, length: ns.length))
        if let last = matches.last, last.numberOfRanges > 1, last.range(at: 1).location != NSNotFound {
            return ns.substring(with: last.range(at: 1))
        }
        return completion
    }

    /// The last 600 characters of stderr, trimmed.
    static func excerpt(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.count > 600 ? "…" + String(trimmed.suffix(600)) : trimmed
    }

    static func environment(home: String) -> [String] {
        let dead = "http://127.0.0.1:9"
        return [
            "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=\(home)", "LANG=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1",
            "PYTHONHASHSEED=0", "http_proxy=\(dead)", "https_proxy=\(dead)", "HTTP_PROXY=\(dead)",
            "HTTPS_PROXY=\(dead)", "ALL_PROXY=\(dead)", "all_proxy=\(dead)", "no_proxy=", "NO_PROXY=",
        ]
    }

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static let unsharePath: String? = which("unshare")

    /// `python3` on PATH resolved to the real interpreter (shims such as pyenv's need their own
    /// environment, which the sandbox does not pass on).
    static let resolvedPython: String? = {
        guard let shim = which("python3") else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: shim)
        process.arguments = ["-c", "import sys; print(sys.executable)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return shim }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !path.isEmpty ? path : shim
    }()

    /// Whether `unshare -n true` succeeds here (needs root or unprivileged user namespaces).
    static let namespaceAvailable: Bool = {
        guard let unshare = unsharePath else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: unshare)
        process.arguments = ["-n", "true"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()
}
