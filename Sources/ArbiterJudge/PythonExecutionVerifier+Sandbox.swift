// PythonExecutionVerifier+Sandbox: the bubblewrap command line, the one-time probe that bwrap
// works on this machine (checked by init), and locating the interpreter and the folders it needs
// inside the sandbox. Linux only in practice; elsewhere the probe fails and init says so.
import Foundation

extension PythonExecutionVerifier {
    static let installHint = "install bubblewrap: apt-get install bubblewrap"

    /// bwrap's arguments up to (not including) the command: see the file header of
    /// PythonExecutionVerifier.swift for what each part isolates.
    static func bubblewrapArguments(work: String, workMB: Int, readOnly: [String]) -> [String] {
        var args = [bubblewrapPath ?? "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--tmpfs", "/proc"]
        let hidden = ["/tmp", "/var/tmp", "/run", "/home", "/root"]
        for folder in hidden where FileManager.default.fileExists(atPath: folder) { args += ["--tmpfs", folder] }
        for folder in readOnly { args += ["--ro-bind", folder, folder] }
        args += ["--size", String(workMB << 20), "--tmpfs", work, "--chdir", work]
        args += [
            "--unshare-all", "--unshare-user", "--disable-userns", "--uid", "65534", "--gid", "65534",
            "--die-with-parent", "--new-session", "--",
        ]
        return args
    }

    static let bubblewrapPath: String? = which("bwrap")

    /// Why the bubblewrap sandbox cannot run here (nil: it works), with the fix. Probed once.
    static let bubblewrapProblem: String? = {
        guard let bwrap = bubblewrapPath else {
            return "bubblewrap (bwrap) is not installed; \(installHint), or pass isolation: .unsandboxed "
                + "(unsafe: the code sees your files)"
        }
        let args = bubblewrapArguments(work: "/tmp/arbiter-probe/work", workMB: 1, readOnly: []) + ["/bin/true"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bwrap)
        process.arguments = Array(args.dropFirst())
        let pipe = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = pipe
        do { try process.run() } catch { return "could not start \(bwrap): \(error.localizedDescription)" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus != 0 else { return nil }
        let message = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return "bubblewrap does not work here (\(message)); it needs user namespaces (root, or "
            + "kernel.unprivileged_userns_clone=1); \(installHint), or pass isolation: .unsandboxed (unsafe)"
    }()

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/bin", "/bin"] {
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
        return output(of: shim, ["-c", "import sys; print(sys.executable)"])?.first ?? shim
    }()

    /// The real executable and the folders the sandbox must show read-only for it to start
    /// (its base prefix, where the standard library lives, and the executable's folder).
    static func interpreterLayout(_ interpreter: String) -> (executable: String, folders: [String])? {
        // Audit hooks (PEP 578) need Python 3.8; older interpreters count as not working.
        let script =
            "import os, sys; assert sys.version_info >= (3, 8); print(os.path.realpath(sys.executable)); "
            + "print(os.path.realpath(sys.base_prefix))"
        guard let lines = output(of: interpreter, ["-I", "-S", "-c", script]), lines.count >= 2,
            lines[0].hasPrefix("/"), lines[1].hasPrefix("/")
        else { return nil }
        let executableFolder = (lines[0] as NSString).deletingLastPathComponent
        let folders = [lines[1], executableFolder].filter { $0 != "/" }
        return (lines[0], folders.enumerated().filter { !folders[..<$0.offset].contains($0.element) }.map(\.element))
    }

    /// The non-empty lines a command prints on success.
    static func output(of executable: String, _ arguments: [String]) -> [String]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
    }

    /// Whether `unshare -n true` succeeds here (needs root or unprivileged user namespaces); used
    /// by `.unsandboxed` runs only.
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
