// PythonExecutionTests: the code-execution verifier in a subprocess: passing code, failing
// assertion, syntax error, infinite loop killed at the timeout, memory bomb stopped by the limit,
// network access denied, and the working directory removed afterwards.
import ArbiterJudge
import Foundation
import Testing

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

@Test func failingAssertionScoresZeroWithStderr() async throws {
    let r = try await pythonVerifier().run(completion: "def add(a, b):\n    return a - b\n", tests: addTests).get()
    #expect(r.score == 0)
    #expect(r.reason.contains("exit status 1") && r.reason.contains("AssertionError"))
}

@Test func syntaxErrorScoresZero() async throws {
    let r = try await pythonVerifier().run(completion: "def add(a, b) return a + b", tests: addTests).get()
    #expect(r.score == 0 && r.reason.contains("SyntaxError"))
}

@Test func infiniteLoopIsKilledAtTheTimeout() async throws {
    // The loop runs in a child process too, to prove the whole process group is killed.
    let code =
        "import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'while True: pass'])\nwhile True:\n    pass\n"
    let r = try await pythonVerifier(timeout: 1.5).run(completion: code, tests: "").get()
    #expect(r.score == 0 && r.reason.contains("timed out"))
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
        #expect(
            lr.score == 0
                && (lr.reason.contains("unreachable") || lr.reason.contains("refused") || lr.reason.contains("OSError"))
        )
    }
}

@Test func workingDirectoryIsRemoved() async throws {
    let code = "import os\nopen('marker.txt', 'w').write(os.getcwd())\nprint(os.getcwd())\n"
    let marker = "import os, sys\nsys.stderr.write('CWD=' + os.getcwd())\nassert False\n"
    let r = try await pythonVerifier().run(completion: code, tests: marker).get()
    let cwd = try #require(r.reason.components(separatedBy: "CWD=").last?.components(separatedBy: "\n").first)
    #expect(cwd.contains("arbiter-exec-"))
    #expect(!FileManager.default.fileExists(atPath: cwd))
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
    // Inside the sandbox it cannot.
    let r = try await verifier.run(completion: code, tests: "").get()
    #expect(r.score == 0 && r.reason.contains("unreachable"))
}
