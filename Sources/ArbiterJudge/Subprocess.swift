// Subprocess: posix_spawn in a new process group with stdout/stderr redirected to files, polled
// with a wall-clock deadline; on timeout the whole group gets SIGKILL. Used by the code-execution
// verifier; not a general process API (no pipes, no stdin).
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
        argv: [String], environment: [String], stdoutPath: String, stderrPath: String, timeoutSeconds: Double
    ) async -> Outcome {
        precondition(!argv.isEmpty, "Subprocess.run: empty argv")
        var fileActions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&fileActions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&fileActions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
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

        let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutSeconds * 1000))
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r == -1, errno != EINTR { return .failedToStart("waitpid failed: \(String(cString: strerror(errno)))") }
            if ContinuousClock.now >= deadline || Task.isCancelled {
                kill(-pid, SIGKILL)
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                return .timedOut
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        // Reap stragglers the child left in its group (e.g. forked workers).
        kill(-pid, SIGKILL)
        let low = status & 0x7f
        if low == 0 { return .exited((status >> 8) & 0xff) }
        return .signalled(low)
    }
}
