// PythonExecutionVerifier: runs a Python completion, then test code, and scores 1 only when the
// run proves the last test ran: a trusted runner (PythonExecutionVerifier+Harness.swift) prints a
// per-run 128-bit nonce after the tests and its checks, and the process exits 0. Exit 0 alone is
// not a pass (`sys.exit(0)`, `os._exit(0)` before the tests score 0 with "early exit"). Anything
// else scores 0 with a reason (early exit, tests failed, blocked operation, timeout, signal); a
// sandbox that cannot be prepared is a typed `JudgmentFailure`, never a score. The completion runs
// as module `solution` (its `if __name__ == '__main__':` block does not run; tests may import it),
// the tests as `__main__` with the completion's names (a copy of its globals) in scope.
//
// Isolation (default `.bubblewrap`; init throws when bwrap is missing or does not work here):
// read-only root, private /tmp, /run and /var/tmp, tmpfs over /home, /root and /proc, a minimal
// /dev, every namespace unshared (no network, own pids, no nested user namespaces), uid 65534,
// --die-with-parent, --new-session; the only writable place is a size-limited tmpfs working
// folder (also the cwd), gone when the run ends. Limits: wall time (the process group is killed),
// CPU seconds, address space, file size, and a seccomp filter (x86_64, aarch64) that makes fork,
// exec, ptrace, process_vm_*, unshare, setns and mount fail, so no second process can exist.
// The nonce never touches the filesystem: the tests and the nonce reach the runner through a stdin
// pipe it drains and closes before the completion runs.
//
// Defended, in the interpreter the completion shares (tested in CodeRewardHackTests): exiting
// early in any way, SystemExit inside a function the tests call, patched builtins (`print`,
// `sorted`, `len`, `AssertionError`: restored, and the tests get a private builtins copy),
// patched standard-library modules and their classes (restored from a snapshot taken before the
// completion ran), a patched `unittest` (the tests get a private fresh copy the completion cannot
// import; skips do not count), objects whose `__eq__`, `__gt__`, `__contains__`, `__sub__`...
// say yes or whose `__bool__` is true (in the tests, `==`, `!=`, `<`, `>`, `<=`, `>=`, `in`,
// `not in`, arithmetic, `assert` and unittest's assert methods refuse to let a value the
// completion built from its own classes meet a built-in value: ints, strings, containers of them,
// dict views, Counter, Fraction, Decimal, datetime...), reading the nonce (an audit hook
// that cannot be removed refuses frames: sys._getframe, tb_frame, gi/cr/ag_frame,
// _current_frames, settrace/setprofile; gc introspection; ctypes and test C modules; marshal and
// code construction; extension modules from outside the standard library; /proc and /dev/mem;
// the runner's own functions run with a private copy of the builtins and keep nothing in
// __main__), processes and sockets (refused by the hook and the kernel), threads left behind,
// trace functions; atexit callbacks never run (the runner always ends with os._exit).
//
// Not defended (documented, by design or out of reach in one interpreter): a test that accepts a
// wrong answer; comparisons between two objects that both come from the completion's classes
// (`Point(1, 2) == Point(1, 2)`), chained comparisons (`a == b == c`), `is not None`, and
// values the completion converts itself (`len`, `int`, `str`, `sorted` of its object); correct
// answers that are namedtuples standing in for tuples, or operator-overloading classes mixed with
// numbers (`Vector(1, 2) * 2`), fail; a CPython memory-safety bug exploited from pure Python would
// defeat the in-process defences (the kernel sandbox still holds); a completion that patches a shared
// standard-library module or class (other than builtins and unittest) *while the tests run* and
// restores it before they end; a tests callback handed to the completion exposes the tests'
// globals. Code that needs frames (traceback printing, inspect.stack), subprocesses, asyncio
// (its import rebuilds code objects, which is refused), third-party packages (-S: standard
// library only), stdin, or the network fails. `isolation: .unsandboxed` keeps the runner and its checks (and the seccomp filter on
// Linux) but not the filesystem isolation: UNSAFE for untrusted code.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the subprocess is cut off from the network.
public enum NetworkIsolation: String, Sendable {
    /// An empty network namespace (bubblewrap, or `unshare -n`): no interfaces except a down loopback.
    case namespace
    /// Proxy variables only; raw sockets still reach the network (the harness's audit hook still
    /// refuses connect, bind and name lookups from Python code).
    case proxyEnvironmentOnly
}

/// How the code is isolated from the machine it runs on.
public enum ExecutionIsolation: String, Sendable, Equatable {
    /// bubblewrap (`bwrap`): read-only root, private /tmp, no home, no network, own pid namespace,
    /// a tmpfs working folder as the only writable place. The default; needs the `bubblewrap` package.
    case bubblewrap
    /// UNSAFE for untrusted code: the code sees (and may change) the user's files. The trusted
    /// runner, its checks and the resource limits still apply; the network is cut only where
    /// `unshare -n` works.
    case unsandboxed
}

public struct PythonExecutionVerifier: Verifier {
    public let kind = "python_tests"
    /// Test code run after the completion; when nil the sample's reference is used.
    public let testCode: String?
    public let timeoutSeconds: Double
    public let memoryLimitMB: Int
    /// The interpreter that runs the code (resolved to the real executable).
    public let python: String
    public let isolation: ExecutionIsolation
    public let networkIsolation: NetworkIsolation
    /// CPU seconds (RLIMIT_CPU): the timeout rounded up, plus one.
    public let cpuSeconds: Int
    /// Largest file the code may write (RLIMIT_FSIZE, stdout included) and the working folder's size.
    public let fileLimitMB: Int
    /// Folders bound read-only into the sandbox so the interpreter and its standard library exist
    /// there (they may live under /root or /home, which the sandbox hides).
    let interpreterFolders: [String]

    /// - Parameters:
    ///   - python: interpreter path; default: `python3` resolved on PATH.
    ///   - isolation: `.bubblewrap` (default) or `.unsandboxed` (unsafe, see `ExecutionIsolation`).
    /// - Throws: `VerifierError.invalidOption` for a bad limit, a missing interpreter, or (option
    ///   `isolation`) bubblewrap missing or not working here, with the fix.
    public init(
        testCode: String? = nil, timeoutSeconds: Double = 10, memoryLimitMB: Int = 1024, python: String? = nil,
        isolation: ExecutionIsolation = .bubblewrap, fileLimitMB: Int = 64
    ) throws {
        guard timeoutSeconds > 0, timeoutSeconds.isFinite, timeoutSeconds < 86_400 else {
            throw VerifierError.invalidOption(
                name: "timeoutSeconds", reason: "must be positive and under a day, got \(timeoutSeconds)")
        }
        guard memoryLimitMB >= 64 else {
            throw VerifierError.invalidOption(
                name: "memoryLimitMB", reason: "Python needs at least 64 MB, got \(memoryLimitMB)")
        }
        guard fileLimitMB >= 1 else {
            throw VerifierError.invalidOption(name: "fileLimitMB", reason: "must be at least 1, got \(fileLimitMB)")
        }
        guard let interpreter = python ?? Self.resolvedPython else {
            throw VerifierError.invalidOption(
                name: "python", reason: "no python3 found on PATH; install Python 3 or pass its path")
        }
        guard let layout = Self.interpreterLayout(interpreter) else {
            throw VerifierError.invalidOption(
                name: "python", reason: "\(interpreter) does not run as Python 3.8 or later; pass a working one")
        }
        if isolation == .bubblewrap, let problem = Self.bubblewrapProblem {
            throw VerifierError.invalidOption(name: "isolation", reason: problem)
        }
        self.testCode = testCode
        self.timeoutSeconds = timeoutSeconds
        self.memoryLimitMB = memoryLimitMB
        self.fileLimitMB = fileLimitMB
        self.cpuSeconds = Int(timeoutSeconds.rounded(.up)) + 1
        self.python = layout.executable
        self.interpreterFolders = layout.folders
        self.isolation = isolation
        self.networkIsolation = isolation == .bubblewrap || Self.namespaceAvailable ? .namespace : .proxyEnvironmentOnly
    }

    public func verify(_ sample: JudgeSample) async -> Result<VerifierResult, JudgmentFailure> {
        guard let tests = testCode ?? sample.reference else {
            return .failure(.invalidSample(message: "python tests need test code (option or the sample's reference)"))
        }
        return await run(completion: sample.response, tests: tests)
    }

    /// Runs `completion`, then `tests`, in the sandbox and scores the outcome.
    public func run(completion: String, tests: String) async -> Result<VerifierResult, JudgmentFailure> {
        let fm = FileManager.default
        let name = "arbiter-exec-\(UUID().uuidString)"
        let dir = fm.temporaryDirectory.appendingPathComponent(name, isDirectory: true)
        // Inside the sandbox the working folder is a tmpfs at this path; unsandboxed, a host folder.
        let work = isolation == .bubblewrap ? "/tmp/\(name)/work" : dir.appendingPathComponent("work").path
        let nonce = Self.secret()
        let tag = Self.secret()
        let payload: [UInt8]
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            if isolation == .unsandboxed { try fm.createDirectory(atPath: work, withIntermediateDirectories: false) }
            payload = try harnessInput(completion: completion, tests: tests, nonce: nonce, tag: tag, work: work)
        } catch {
            try? fm.removeItem(at: dir)
            return .failure(.transport(message: "could not prepare \(dir.path): \(error.localizedDescription)"))
        }
        defer { try? fm.removeItem(at: dir) }

        let command = [python, "-I", "-B", "-S", "-c", Self.harness]
        var argv: [String]
        switch isolation {
        case .bubblewrap:
            argv = Self.bubblewrapArguments(work: work, workMB: fileLimitMB, readOnly: interpreterFolders) + command
        case .unsandboxed:
            argv = command
            if networkIsolation == .namespace, let unshare = Self.unsharePath { argv = [unshare, "-n"] + argv }
        }
        let stdoutPath = dir.appendingPathComponent("stdout.txt").path
        let stderrPath = dir.appendingPathComponent("stderr.txt").path
        let outcome = await Subprocess.run(
            argv: argv, environment: Self.environment(home: work), stdin: payload, stdoutPath: stdoutPath,
            stderrPath: stderrPath, timeoutSeconds: timeoutSeconds)
        let stdout = Self.tail(of: stdoutPath)
        let stderr = Self.excerpt(Self.tail(of: stderrPath))
        return Self.judge(
            outcome: outcome, stdout: stdout, stderr: stderr, nonce: nonce, tag: tag, timeout: timeoutSeconds)
    }

    /// The runner's stdin: one JSON object with the programs, the secrets and the limits.
    func harnessInput(completion: String, tests: String, nonce: String, tag: String, work: String) throws -> [UInt8] {
        var limits: [String: Any] = [
            "memory_bytes": memoryLimitMB << 20, "file_bytes": fileLimitMB << 20, "cpu_seconds": cpuSeconds,
            "processes": 64, "require_seccomp": isolation == .bubblewrap,
        ]
        if isolation == .unsandboxed { limits["cwd"] = work }
        let object: [String: Any] = [
            "completion": Self.extractCode(completion), "tests": tests, "nonce": nonce, "tag": tag, "limits": limits,
        ]
        return [UInt8](try JSONSerialization.data(withJSONObject: object))
    }

    /// Scores a finished run: 1 only with the nonce line and exit status 0.
    static func judge(
        outcome: Subprocess.Outcome, stdout: String, stderr: String, nonce: String, tag: String, timeout: Double
    ) -> Result<VerifierResult, JudgmentFailure> {
        let lines = stdout.split(separator: "\n", omittingEmptySubsequences: true)
        let proven = lines.contains { $0 == "\(nonce) pass" }
        let report = lines.last { $0.hasPrefix("\(tag) ") }.map { String($0.dropFirst(tag.count + 1)) }
        let suffix = stderr.isEmpty ? "" : ": \(stderr)"
        switch outcome {
        case .failedToStart(let message):
            return .failure(.transport(message: "could not start python: \(message)"))
        case .timedOut:
            return .success(.fail("timed out after \(JudgmentFailure.format(timeout)) s; process group killed"))
        case .exited(0) where proven:
            return .success(.pass("all tests passed"))
        default:
            break
        }
        if let report {
            let parts = report.split(separator: " ", maxSplits: 1).map(String.init)
            let kind = parts.first ?? "unknown"
            let message = parts.count > 1 ? Self.decodedMessage(parts[1]) : ""
            switch kind {
            case "sandbox": return .failure(.transport(message: "the sandbox could not be prepared: \(message)"))
            case "harness": return .failure(.invalidSample(message: message))
            default: return .success(.fail("\(Self.label(kind)): \(message)"))
            }
        }
        if stderr.hasPrefix("bwrap:") {
            return .failure(.transport(message: "the sandbox could not be prepared: \(stderr)"))
        }
        switch outcome {
        case .exited(0):
            return .success(.fail("early exit: status 0 before the tests finished (no proof of completion)" + suffix))
        case .exited(let code) where code > 128:
            return .success(.fail("killed by signal \(code - 128)\(Self.signalNote(code - 128))" + suffix))
        case .exited(let code):
            return .success(.fail("exit status \(code) without finishing the tests" + suffix))
        case .signalled(let signal):
            return .success(.fail("killed by signal \(signal)\(Self.signalNote(signal))" + suffix))
        case .timedOut, .failedToStart:
            return .success(.fail("no proof of completion" + suffix))
        }
    }

    static func label(_ kind: String) -> String {
        switch kind {
        case "early_exit": return "early exit"
        case "tests_failed": return "tests failed"
        case "tests_error": return "tests raised"
        case "blocked": return "blocked"
        case "syntax": return "SyntaxError"
        case "completion_error": return "error"
        case "thread": return "background thread"
        case "atexit": return "atexit callback"
        case "trace": return "trace function"
        case "tampered": return "tampered"
        default: return kind
        }
    }

    static func signalNote(_ signal: Int32) -> String {
        switch signal {
        case SIGXCPU: return " (CPU time limit)"
        case SIGKILL: return " (killed: memory or CPU limit)"
        case SIGSEGV: return " (segmentation fault)"
        case SIGXFSZ: return " (file size limit)"
        default: return ""
        }
    }

    static func decodedMessage(_ json: String) -> String {
        if let data = json.data(using: .utf8),
            let text = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? String
        {
            return text
        }
        return json
    }

    /// 128 random bits as 32 hex digits (the system's cryptographic generator).
    static func secret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let value = generator.next() as UInt64
            let hex = String(value, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// The last 64 KiB of a file as text (the runner's report is its final line).
    static func tail(of path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 65_536 ? size - 65_536 : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        return String(decoding: data, as: UTF8.self)
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
}
