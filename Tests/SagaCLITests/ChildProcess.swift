import Foundation
import SagaConcurrency
import SagaTestKit

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
        let reader = stdout
        process.terminationHandler = { _ in reader.processExited() }
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

    /// Waits until stdout contains `text`, woken by each read of it.
    /// - Returns: whether it does; `false` when the process exited first or `timeout` passed.
    func waitForOutput(containing text: String, timeout: Duration) async -> Bool {
        await stdout.waitForText(containing: text, within: timeout)
    }

    /// Sends `signal` to the process.
    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }
}

/// Reads a pipe as data arrives, so a child that writes more than a pipe holds never blocks on it,
/// and keeps what it read where tasks can wait on it (each read wakes them: no polling).
///
/// A thread of its own does blocking reads until the end of the stream: Foundation's
/// `readabilityHandler` was seen to miss the end now and then with many children at once, which
/// left a reader waiting for an end it had been sent.
final class PipeReader: Sendable {
    struct Output: Sendable {
        /// Everything read so far (after what `initial` held).
        var data = Data()
        /// Whether the writer closed the pipe.
        var ended = false
        /// Whether the process writing it exited (its output may still be on its way).
        var exited = false
    }

    /// What was read, waited on by ``wait(until:within:)``.
    let output: Watched<Output>
    /// Signalled once the writer closed the pipe (and again by each reader that saw it).
    private let closed = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - pipe: The pipe whose writing end the child has.
    ///   - initial: What the output starts with (a log file's earlier content).
    ///   - copy: A file each read is also appended to.
    init(_ pipe: Pipe, initial: Data = Data(), copy: FileHandle? = nil) {
        output = Watched(Output(data: initial))
        let handle = pipe.fileHandleForReading
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    copy?.write(Data(buffer[0..<count]))
                    output.update { $0.data.append(contentsOf: buffer[0..<count]) }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            try? handle.close()
            try? copy?.close()
            output.update { $0.ended = true }
            closed.signal()
        }
        thread.name = "pipe-reader"
        thread.start()
    }

    /// Everything read, once the writer closed the pipe (waiting for that at most 60 s: on a
    /// loaded machine the last reads can lag well behind the exit).
    var text: String {
        if closed.wait(timeout: .now() + 60) == .success { closed.signal() }
        return String(decoding: output.read { $0.data }, as: UTF8.self)
    }

    /// Everything read so far.
    var textSoFar: String { String(decoding: output.read { $0.data }, as: UTF8.self) }

    /// Notes that the writing process exited, waking the waits that end at its exit.
    func processExited() { output.update { $0.exited = true } }

    /// Waits until the text read contains `text`: woken by each read. Ends early when the
    /// process exited and its output ended (or 5 s after the exit: a grandchild can hold the pipe).
    /// - Returns: Whether it does.
    func waitForText(containing text: String, within timeout: Duration) async -> Bool {
        let needle = Data(text.utf8)
        let found: @Sendable (Output) -> Bool = { $0.data.range(of: needle) != nil }
        let deadline = ContinuousClock.now + timeout
        await output.wait(until: { found($0) || $0.exited }, within: timeout)
        if output.read(found) { return true }
        if output.read(\.exited) {
            await output.wait(until: { found($0) || $0.ended }, within: min(.seconds(5), max(deadline - .now, .zero)))
        }
        return output.read(found)
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

/// A long-running child process whose stdout and stderr are read as they come (a pipe nobody
/// reads would fill up and block it) and copied to a log file. Tests wait on its output by event:
/// each read wakes them. Released while still running, it is killed: a failing test leaves no
/// process behind.
final class LoggedChildProcess: Sendable {
    let process = SpawnedProcess()
    /// The file the process's output is copied to (appended, after what it held).
    let log: URL
    private let reader: PipeReader

    /// Starts `executable` with `arguments`, its output appended to `log`; `directory`, when
    /// given, is its working directory; `environment` is added to this process's.
    init(_ executable: URL, _ arguments: [String], log: URL, directory: URL? = nil, environment: [String: String] = [:]) throws {
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        // The output so far includes what an earlier process logged to the same file, as before.
        let earlier = (try? Data(contentsOf: log)) ?? Data()
        handle.seekToEndOfFile()
        self.log = log
        let pipe = Pipe()
        reader = PipeReader(pipe, initial: earlier, copy: handle)
        let (program, programArguments) = ChildProcess.command(executable, arguments, in: directory)
        process.executableURL = program
        process.arguments = programArguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipe
        process.standardError = pipe
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        }
        let reader = self.reader
        process.terminationHandler = { _ in reader.processExited() }
        do {
            try process.run()
        } catch {
            // Ends the reader: nothing else holds the writing end.
            try? pipe.fileHandleForWriting.close()
            throw error
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Everything the process wrote so far.
    var output: String { reader.textSoFar }

    /// The lines written so far that contain `text`.
    func outputLines(containing text: String) -> [Substring] {
        output.split(separator: "\n").filter { $0.contains(text) }
    }

    /// Waits until the output contains `text`, woken by each read of it.
    /// - Returns: whether it does; `false` when the process exited first or `timeout` passed.
    func waitForOutput(containing text: String, timeout: Duration) async throws -> Bool {
        await reader.waitForText(containing: text, within: timeout)
    }

    /// Waits until `condition` holds for the output (all of it so far), woken by each read.
    /// - Throws: ``WaitTimedOut`` naming `what` and the output's last lines once `timeout` passed.
    func waitForOutput(_ what: String, within timeout: Duration, until condition: @escaping @Sendable (String) -> Bool) async throws {
        let holds = await reader.output.wait(until: { condition(String(decoding: $0.data, as: UTF8.self)) }, within: timeout)
        guard holds else {
            throw WaitTimedOut(what, bound: timeout, lastObserved: "output ending \(output.suffix(2000))")
        }
    }

    /// Waits until `condition` holds, checking it whenever one of `processes` writes output.
    /// - Throws: ``WaitTimedOut`` naming `what` once `timeout` passed.
    static func waitForOutput(
        of processes: [LoggedChildProcess], _ what: String, within timeout: Duration, until condition: () -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            // Taken before the check, so output that comes after it wakes the wait below.
            let sizes = processes.map { $0.reader.output.read { $0.data.count } }
            if condition() { return }
            let remaining = deadline - .now
            guard remaining > .zero else { throw WaitTimedOut(what, bound: timeout) }
            await withTaskGroup(of: Void.self) { group in
                for (process, size) in zip(processes, sizes) {
                    group.addTask { await process.reader.output.wait(until: { $0.data.count > size || $0.ended }, within: remaining) }
                }
                await group.next()
                group.cancelAll()
            }
            if processes.allSatisfy({ $0.reader.output.read(\.ended) }) && !condition() {
                throw WaitTimedOut(what, bound: timeout, lastObserved: "every process's output ended")
            }
        }
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
