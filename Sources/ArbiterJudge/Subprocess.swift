// Subprocess: posix_spawn in a new process group with stdout/stderr redirected to files, polled
// with a wall-clock deadline on a thread of its own; on timeout the whole group gets SIGKILL. Stdin is a pipe holding
// `stdin` in full (written and closed before the child starts, so once the child has read it the
// bytes exist nowhere else), or /dev/null. Used by the code-execution verifier; not a general
// process API (no output pipes, no streaming input; input up to the pipe's capacity, 1 MiB on Linux).
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum Subprocess {
    enum Outcome: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case failedToStart(String)
    }

    static func run(
        argv: [String], environment: [String], stdin: [UInt8] = [], stdoutPath: String, stderrPath: String,
        timeoutSeconds: Double
    ) async -> Outcome {
        precondition(!argv.isEmpty, "Subprocess.run: empty argv")
        var input: Int32 = -1
        if !stdin.isEmpty {
            switch filledPipe(stdin) {
            case .success(let fd): input = fd
            case .failure(let message): return .failedToStart(message)
            }
        }
        defer { if input >= 0 { close(input) } }
        var fileActions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&fileActions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&fileActions)
            posix_spawnattr_destroy(&attributes)
        }
        if input >= 0 {
            posix_spawn_file_actions_adddup2(&fileActions, input, 0)
        } else {
            posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&fileActions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&fileActions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // A new process group (pgid = child pid) so a timeout can kill every descendant.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &fileActions, &attributes, cArgs, cEnv)
        guard rc == 0 else { return .failedToStart("posix_spawn \(argv[0]) failed: \(String(cString: strerror(rc)))") }

        // Wait on a thread of its own: a task sleeping on Swift's shared cooperative pool can be
        // starved by long synchronous work elsewhere, and the deadline would fire late.
        let child = pid
        return await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let thread = Thread {
                continuation.resume(returning: waitForChild(child, timeoutSeconds: timeoutSeconds))
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Polls the child until it ends or the wall-clock deadline passes (then SIGKILLs its group).
    private static func waitForChild(_ pid: pid_t, timeoutSeconds: Double) -> Outcome {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutSeconds * 1000))
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r == -1, errno != EINTR { return .failedToStart("waitpid failed: \(String(cString: strerror(errno)))") }
            if ContinuousClock.now >= deadline {
                kill(-pid, SIGKILL)
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                return .timedOut
            }
            usleep(5000)
        }
        // Reap stragglers the child left in its group (e.g. forked workers).
        kill(-pid, SIGKILL)
        let low = status & 0x7f
        if low == 0 { return .exited((status >> 8) & 0xff) }
        return .signalled(low)
    }

    enum PipeResult {
        case success(Int32)
        case failure(String)
    }

    /// A pipe whose read end (close-on-exec; returned) already holds all of `bytes`, write end closed.
    static func filledPipe(_ bytes: [UInt8]) -> PipeResult {
        var fds: [Int32] = [-1, -1]
        // pipe2(O_CLOEXEC) is not visible from Swift; a child spawned by another thread in the short
        // window before FD_CLOEXEC is set could inherit the read end (the harness closes every
        // inherited descriptor above 2 before it runs any code it was given).
        guard pipe(&fds) == 0 else { return .failure("pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        #if os(Linux)
            if bytes.count > 65536 {
                // F_SETPIPE_SZ (1031): room for the whole input, up to /proc/sys/fs/pipe-max-size.
                _ = fcntl(fds[1], 1031, Int32(clamping: bytes.count))
            }
        #endif
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBufferPointer { write(fds[1], $0.baseAddress! + written, $0.count - written) }
            if n > 0 {
                written += n
            } else if n == -1 && errno == EINTR {
                continue
            } else {
                close(fds[0])
                close(fds[1])
                return .failure("the input (\(bytes.count) bytes) does not fit in a pipe; shorten the tests")
            }
        }
        close(fds[1])
        return .success(fds[0])
    }
}
