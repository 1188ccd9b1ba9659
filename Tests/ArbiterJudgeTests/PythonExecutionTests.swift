// PythonExecutionTests: the code-execution verifier in its sandbox: passing code, failing
// assertion, syntax error, infinite loop killed at the timeout, memory bomb stopped by the limit,
// network access denied, the working directory removed afterwards, how outcomes are scored, and
// the unsafe unsandboxed option. Reward hacks: CodeRewardHackTests.
import Foundation
import Testing

@testable import ArbiterJudge

#if canImport(Glibc)
    import Glibc
#endif

let addTests = "assert add(2, 3) == 5\nassert add(-1, 1) == 0\n"

func pythonVerifier(timeout: Double = 5) throws -> PythonExecutionVerifier {
    try PythonExecutionVerifier(testCode: addTests, timeoutSeconds: timeout, memoryLimitMB: 256)
}

@Test func passingCodeScoresOne() async throws {
    let completion = "Here you go:\n```python\ndef add(a, b):\n    return a + b\n```\n"
    let r = try await pythonVerifier().verify(JudgeSample(id: "1", prompt: "", response: completion)).get()
    #expect(r == VerifierResult(score: 1, reason: "all tests passed"))
}

@Test func failingAssertionScoresZeroWithTheLine() async throws {
    let r = try await pythonVerifier().run(completion: "def add(a, b):\n    return a - b\n", tests: addTests).get()
    #expect(r.score == 0)
    #expect(r.reason == "tests failed: AssertionError (tests.py line 1)")
}

@Test func strictComparisonsKeepCorrectAnswersPassing() async throws {
    // Arithmetic, ordering, membership, dict views, Counter and unittest on built-in values.
    let code =
        "from collections import Counter\ndef add(a, b):\n    return a + b\n"
        + "def keys(d):\n    return d.keys()\ndef count(s):\n    return Counter(s)\n"
    let tests = """
        import unittest
        assert abs(add(0.1, 0.2) - 0.3) < 1e-9 and add(1, 1) > 1 and 2 in [add(1, 1)]
        assert keys({1: 2}) == {1} and count('aab') == {'a': 2, 'b': 1} and add(2, 2) - 1 == 3
        class T(unittest.TestCase):
            def test_add(self):
                self.assertEqual(add(1, 2) * 2, 6)
                self.assertTrue(add(1, 1) == 2)
                self.assertIn(add(1, 1), {2, 3})
        unittest.main()

        """
    let r = try await pythonVerifier().run(completion: code, tests: tests).get()
    #expect(r == VerifierResult(score: 1, reason: "all tests passed"))
}

@Test func completionRunsAsModuleSolutionWithoutItsDemoBlock() async throws {
    // A demo block that would exit or wait for input does not run; the tests may import `solution`.
    let code =
        "from __future__ import annotations\nfrom dataclasses import dataclass\n"
        + "@dataclass\nclass P:\n    x: int\ndef add(a, b):\n    return P(a + b).x\n"
        + "if __name__ == '__main__':\n    import sys\n    print(input())\n    sys.exit(0)\n"
    let tests = "from solution import add as plus\nassert plus(2, 3) == 5 and add(1, 1) == 2\n"
    let r = try await pythonVerifier().run(completion: code, tests: tests).get()
    #expect(r == VerifierResult(score: 1, reason: "all tests passed"))
}

@Test func syntaxErrorScoresZero() async throws {
    let r = try await pythonVerifier().run(completion: "def add(a, b) return a + b", tests: addTests).get()
    #expect(r.score == 0 && r.reason.contains("SyntaxError"))
}

@Test func infiniteLoopIsKilledAtTheTimeout() async throws {
    // The deadline runs on the waiting thread from the moment of the spawn, so "timed out" (not the
    // CPU limit's signal) proves the kill; no wall-clock bound here: under a busy test runner this
    // task may wait long for a thread of the shared pool before and after the child runs.
    let r = try await pythonVerifier(timeout: 1.5).run(completion: "while True:\n    pass\n", tests: "").get()
    #expect(r.score == 0 && r.reason.contains("timed out after 1.5 s"))
}

@Test func memoryBombIsStopped() async throws {
    let code = "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024 * 1024))\n"
    let r = try await pythonVerifier().run(completion: code, tests: "").get()
    #expect(r.score == 0)
    #expect(r.reason.contains("MemoryError") || r.reason.contains("signal"))
}

@Test func networkIsUnavailable() async throws {
    let verifier = try pythonVerifier()
    let code = "import socket\ns = socket.create_connection(('1.1.1.1', 53), timeout=1)\nprint('connected')\n"
    let r = try await verifier.run(completion: code, tests: "").get()
    #expect(r.score == 0)
    if verifier.networkIsolation == .namespace {
        // In an empty network namespace even loopback is down.
        let loop = "import socket\nsocket.create_connection(('127.0.0.1', 9), timeout=1)\n"
        let lr = try await verifier.run(completion: loop, tests: "").get()
        #expect(lr.score == 0 && lr.reason.contains("blocked: blocked operation: socket."), "\(lr.reason)")
    }
}

@Test func workingDirectoryIsRemoved() async throws {
    let code = "import os\nopen('marker.txt', 'w').write(os.getcwd())\n"
    let marker = "import os\nassert False, 'CWD=' + os.getcwd() + '=' + str(os.listdir('.'))\n"
    let r = try await pythonVerifier().run(completion: code, tests: marker).get()
    let cwd = try #require(r.reason.components(separatedBy: "CWD=").last?.components(separatedBy: "=").first)
    #expect(cwd.contains("arbiter-exec-") && cwd.hasSuffix("/work"))
    #expect(r.reason.contains("['marker.txt']"))
    // The host folder that held the run (stdout, stderr) is gone too.
    let host = FileManager.default.temporaryDirectory.appendingPathComponent(
        (cwd as NSString).deletingLastPathComponent.components(separatedBy: "/").last ?? "")
    #expect(!FileManager.default.fileExists(atPath: host.path))
}

@Test func missingTestsIsAnInvalidSample() async throws {
    let v = try PythonExecutionVerifier(timeoutSeconds: 2)
    let r = await v.verify(JudgeSample(id: "x", prompt: "", response: "pass"))
    #expect(r == .failure(.invalidSample(message: "python tests need test code (option or the sample's reference)")))
    #expect(throws: VerifierError.self) { try PythonExecutionVerifier(timeoutSeconds: 0) }
}

/// A TCP listener on 127.0.0.1 with an ephemeral port, in the test process's namespace.
func openLoopbackListener() -> (fd: Int32, port: UInt16)? {
    #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) }
        }
        guard bound == 0, listen(fd, 4) == 0 else {
            close(fd)
            return nil
        }
        var out = sockaddr_in()
        var len = size
        _ = withUnsafeMutablePointer(to: &out) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return (fd, UInt16(bigEndian: out.sin_port))
    #else
        return nil
    #endif
}

@Test func namespaceHidesHostLoopbackListener() async throws {
    let verifier = try pythonVerifier()
    guard verifier.networkIsolation == .namespace, let listener = openLoopbackListener() else { return }
    defer { close(listener.fd) }
    let code =
        "import socket\nsocket.create_connection(('127.0.0.1', \(listener.port)), timeout=1)\nprint('connected')\n"
    // Control: outside the sandbox the same code reaches the listener.
    let control = Process()
    control.executableURL = URL(fileURLWithPath: verifier.python)
    control.arguments = ["-c", code]
    control.standardOutput = FileHandle.nullDevice
    control.standardError = FileHandle.nullDevice
    try control.run()
    control.waitUntilExit()
    #expect(control.terminationStatus == 0)
    // Inside the sandbox it cannot: the audit hook refuses, and below it the empty namespace.
    let r = try await verifier.run(completion: code, tests: "").get()
    #expect(r.score == 0 && r.reason.contains("blocked operation: socket."), "\(r.reason)")
    let raw = try await PythonExecutionVerifier(timeoutSeconds: 5, isolation: .unsandboxed).run(
        completion: code, tests: "")
    #expect(try raw.get().score == 0)
}

@Test func exitZeroWithoutTheNonceIsNotAPass() throws {
    let nonce = PythonExecutionVerifier.secret()
    let tag = PythonExecutionVerifier.secret()
    #expect(nonce.count == 32 && nonce != tag && nonce.allSatisfy(\.isHexDigit))
    func judge(_ outcome: Subprocess.Outcome, _ stdout: String) -> Result<VerifierResult, JudgmentFailure> {
        PythonExecutionVerifier.judge(outcome: outcome, stdout: stdout, stderr: "", nonce: nonce, tag: tag, timeout: 2)
    }
    #expect(try judge(.exited(0), "\(nonce) pass\n").get().score == 1)
    #expect(try judge(.exited(0), "all tests passed\npass\n").get().score == 0)
    #expect(try judge(.exited(0), "").get().reason.hasPrefix("early exit"))
    #expect(try judge(.exited(1), "\(nonce) pass\n").get().score == 0)
    #expect(try judge(.exited(0), "\(tag) pass\n").get().score == 0)
    #expect(try judge(.exited(152), "").get().reason == "killed by signal 24 (CPU time limit)")
    #expect(try judge(.signalled(9), "").get().score == 0)
    #expect(try judge(.timedOut, "\(nonce) pass\n").get().reason.hasPrefix("timed out"))
    let blocked = try judge(.exited(1), "\(tag) blocked \"blocked operation: os.fork\"\n").get()
    #expect(blocked.reason == "blocked: blocked operation: os.fork")
    #expect(
        judge(.exited(71), "\(tag) sandbox \"no seccomp\"\n")
            == .failure(.transport(message: "the sandbox could not be prepared: no seccomp")))
}

@Test func unsandboxedRunsStillNeedTheProof() async throws {
    let v = try PythonExecutionVerifier(testCode: addTests, timeoutSeconds: 5, isolation: .unsandboxed)
    #expect(v.isolation == .unsandboxed)
    #expect(try await v.run(completion: "def add(a, b):\n    return a + b\n", tests: addTests).get().score == 1)
    let exit = try await v.run(completion: "import os\nos._exit(0)\n", tests: addTests).get()
    #expect(exit.score == 0 && exit.reason.hasPrefix("early exit"))
}

@Test func bubblewrapWorksHere() throws {
    // The sandbox is the default; without bwrap init throws with the fix (and this suite fails).
    if let problem = PythonExecutionVerifier.bubblewrapProblem {
        Issue.record("the code verifier needs bubblewrap: \(problem)")
    }
    let v = try pythonVerifier()
    #expect(v.isolation == .bubblewrap && v.networkIsolation == .namespace)
}
