import Foundation
import Testing

/// What the tests of the deployment files (Dockerfile, docker-compose.yml, deploy/kubernetes)
/// share: the source tree, tools run as child processes, and `saga ... --print-config` to prove the
/// binary accepts the settings those files pass.
enum Deploy {
    /// The root of this source tree.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The text of `path` under the root.
    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Runs `tool` (found on PATH) with `arguments` and waits up to `timeout`.
    /// - Returns: the exit status (`nil` when it had to be killed), stdout and stderr.
    static func run(_ tool: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> (status: Int32?, output: String, error: String) {
        let child = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), [tool] + arguments)
        let status = try await child.waitForExit(timeout: timeout)
        return (status, child.output, child.errorOutput)
    }

    /// Runs `saga ARGUMENTS --print-config` with exactly `environment` (plus PATH), as a container
    /// would run it; `arguments` start with the subcommand (`orchestrator`, `participant example user`).
    /// - Returns: the exit status and what it printed; a status other than 0 means the binary
    ///   refused a variable, a flag or a value, and `error` says which.
    static func printConfig(_ arguments: [String], environment: [String: String]) async throws -> (status: Int32?, output: String, error: String) {
        // `env -i` so the test runner's own environment adds nothing the container would not have.
        var command = ["-i", "PATH=/usr/bin:/bin"]
        command += environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        command += [Products.saga.path] + arguments + ["--print-config"]
        let child = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), command)
        let status = try await child.waitForExit(timeout: .seconds(30))
        return (status, child.output, child.errorOutput)
    }

    /// `text` with every container path of `mounts` (container path → host path) replaced by its
    /// host path, longest first, so a file the container reads is read from this tree instead.
    static func mapPaths(_ text: String, _ mounts: [String: String]) -> String {
        var text = text
        for (container, host) in mounts.sorted(by: { $0.key.count > $1.key.count }) {
            text = text.replacingOccurrences(of: container, with: host)
        }
        return text
    }
}
