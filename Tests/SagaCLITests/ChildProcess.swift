import Foundation
import SagaTestKit
import Synchronization

/// A child process with captured output and bounded waits that never block the cooperative pool.
final class ChildProcess: Sendable {
    let process = SpawnedProcess()
    private let stdout: PipeReader
    private let stderr: PipeReader

    /// Starts `executable` with `arguments`; `input`, when given, is written to its stdin and closed;
    /// `environment` is added to this process's own; `directory`, when given, is its working directory.
    init(_ executable: URL, _ arguments: [String], input: Data? = nil, environment: [String: String] = [:], directory: URL? = nil) throws {
        let (program, programArguments) = Self.command(executable, arguments, in: directory)
        let (out, err, stdin) = (Pipe(), Pipe(), Pipe())
        stdout = PipeReader(out)
        stderr = PipeReader(err)
        process.executableURL = program
        process.arguments = programArguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        process.standardOutput = out
        process.standardError = err
        // Closes this process's copies of the child's ends: the pipes end when it exits.
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(input)
        }
        try stdin.fileHandleForWriting.close()
    }

    /// The executable and arguments that run `executable` in `directory`: through `env --chdir`,
    /// which then execs it (same pid).
    static func command(_ executable: URL, _ arguments: [String], in directory: URL?) -> (URL, [String]) {
        guard let directory else { return (executable, arguments) }
        return (URL(fileURLWithPath: "/usr/bin/env"), ["--chdir=\(directory.path)", executable.path] + arguments)
    }

    /// Waits for the exit up to `timeout`; kills the process and returns `nil` when it is still
    /// running then.
    func waitForExit(timeout: Duration) async throws -> Int32? {
        if await process.exits(within: timeout) { return process.terminationStatus }
        process.terminate()
        if await !process.exits(within: .seconds(5)) { kill(process.processIdentifier, SIGKILL) }
        return nil
    }

    /// Everything the process wrote on stdout (call after it exited; output is small).
    var output: String { stdout.text }
    /// Everything the process wrote on stderr (call after it exited).
    var errorOutput: String { stderr.text }

    /// Sends `signal` to the process.
    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }
}

/// Reads a pipe as data arrives, so a child that writes more than a pipe holds never blocks on it.
///
/// A thread of its own does blocking reads until the end of the stream: Foundation's
/// `readabilityHandler` was seen to miss the end now and then with many children at once, which
/// left a reader waiting for an end it had been sent.
private final class PipeReader: Sendable {
    private let state = Mutex(Data())
    /// Signalled once the writer closed the pipe (and again by each reader that saw it).
    private let closed = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    state.withLock { $0.append(contentsOf: buffer[0..<count]) }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            try? handle.close()
            closed.signal()
        }
        thread.name = "pipe-reader"
        thread.start()
    }

    /// Everything read, once the writer closed the pipe (waiting for that at most 60 s: on a
    /// loaded machine the last reads can lag well behind the exit).
    var text: String {
        if closed.wait(timeout: .now() + 60) == .success { closed.signal() }
        return String(decoding: state.withLock { $0 }, as: UTF8.self)
    }
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
    /// The `saga-bench` executable, beside `saga`.
    static var sagaBench: URL { directory.appendingPathComponent("saga-bench") }

    static var kcat: URL? {
        ["/usr/bin/kcat", "/usr/local/bin/kcat", "/usr/bin/kafkacat"]
            .map(URL.init(fileURLWithPath:)).first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}

/// A long-running child process whose stdout and stderr go to a file (a pipe nobody reads would
/// fill up and block it). Released while still running, it is killed: a failing test leaves no
/// process behind.
final class LoggedChildProcess: Sendable {
    let process = SpawnedProcess()
    /// The file the process writes to.
    let log: URL

    /// Starts `executable` with `arguments`, its output appended to `log`; `directory`, when
    /// given, is its working directory; `environment` is added to this process's.
    init(_ executable: URL, _ arguments: [String], log: URL, directory: URL? = nil, environment: [String: String] = [:]) throws {
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        self.log = log
        let (program, programArguments) = ChildProcess.command(executable, arguments, in: directory)
        process.executableURL = program
        process.arguments = programArguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        }
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Everything the process wrote so far.
    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// The lines written so far that contain `text`.
    func outputLines(containing text: String) -> [Substring] {
        output.split(separator: "\n").filter { $0.contains(text) }
    }

    /// Waits until the output contains `text`; `false` when the process exited first or `timeout` passed.
    func waitForOutput(containing text: String, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline && process.isRunning {
            if output.contains(text) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return output.contains(text)
    }

    /// Sends SIGTERM and waits up to `timeout` for the exit, then kills it (SIGKILL).
    /// - Returns: the exit status, or `nil` when it had to be killed.
    func stop(timeout: Duration) async throws -> Int32? {
        process.terminate()
        if await process.exits(within: timeout) { return process.terminationStatus }
        kill(process.processIdentifier, SIGKILL)
        return nil
    }

    /// Kills it with SIGKILL (a crash, as its peers see it) and waits up to 10 s until it is gone.
    func kill9() async throws {
        kill(process.processIdentifier, SIGKILL)
        _ = await process.exits(within: .seconds(10))
    }

    /// Freezes it (SIGSTOP): a paused, slow or cut-off process as its peers see it.
    func freeze() { kill(process.processIdentifier, SIGSTOP) }

    /// Lets a frozen process go on (SIGCONT).
    func thaw() { kill(process.processIdentifier, SIGCONT) }
}
