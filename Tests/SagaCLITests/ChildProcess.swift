import Foundation

/// A child process with captured output and bounded waits that never block the cooperative pool.
final class ChildProcess: Sendable {
    let process: Process
    private let stdout: Pipe
    private let stderr: Pipe

    /// Starts `executable` with `arguments`; `input`, when given, is written to its stdin and closed;
    /// `environment` is added to this process's own.
    init(_ executable: URL, _ arguments: [String], input: Data? = nil, environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        }
        stdout = Pipe()
        stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(input)
            try stdin.fileHandleForWriting.close()
        }
    }

    /// Waits for the exit up to `timeout`; kills the process and returns `nil` when it is still
    /// running then.
    func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                process.terminate()
                return nil
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// Everything the process wrote on stdout (call after it exited; output is small).
    var output: String { String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
    /// Everything the process wrote on stderr (call after it exited).
    var errorOutput: String { String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }

    /// Sends `signal` to the process.
    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }
}

/// Build products: the `saga` executable sits next to the test bundle.
enum Products {
    static var directory: URL {
        // /proc/self/exe is the test runner inside .build/<config>/, beside `saga`.
        var url = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0])
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("saga").path) { return url }
        }
        return URL(fileURLWithPath: ".build/debug")
    }

    static var saga: URL { directory.appendingPathComponent("saga") }

    static var kcat: URL? {
        ["/usr/bin/kcat", "/usr/local/bin/kcat", "/usr/bin/kafkacat"]
            .map(URL.init(fileURLWithPath:)).first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
