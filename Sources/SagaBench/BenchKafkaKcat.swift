import Foundation
import SagaTestKit

/// The same runs through `kcat`, a client that is not ours, timed from launch to exit.
struct BenchKafkaKcat {
    let executable: URL
    let bootstrap: String

    /// The properties our wrapper runs with, so both clients are configured alike.
    private var producerProperties: [String] {
        ["-X", "enable.idempotence=true", "-X", "acks=all", "-X", "linger.ms=5", "-X", "batch.num.messages=10000",
         "-X", "partitioner=murmur2_random"]
    }

    static func locate(_ name: String) throws -> URL {
        if name.contains("/") { return URL(fileURLWithPath: name) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw BenchError("\(name) not found on PATH (scripts/setup installs kcat; or pass --skip-kcat)")
    }

    /// `kcat -P` from a file of `count` lines of `size` bytes.
    func produce(topic: String, count: Int, size: Int) async throws -> BenchKafkaResult {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("saga-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        // key:value lines, keyed like the wrapper's run.
        let value = BenchKafkaPayload.value(size: size)
        var data = Data(capacity: (value.count + 10) * count)
        for i in 0..<count {
            data.append(contentsOf: Array(String(i).utf8))
            data.append(UInt8(ascii: ":"))
            data.append(contentsOf: value)
            data.append(UInt8(ascii: "\n"))
        }
        try data.write(to: file)

        let input = try FileHandle(forReadingFrom: file)
        defer { try? input.close() }
        let duration = try await run(["-P", "-b", bootstrap, "-t", topic, "-K", ":"] + producerProperties, stdin: input, stdout: nil)
        return BenchKafkaResult(messages: count, bytes: count * size, duration: duration)
    }

    /// `kcat -C -e -o beginning` over every partition of `topic`; checks it read `expected` messages.
    func consume(topic: String, expected: Int) async throws -> BenchKafkaResult {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("saga-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let output = try FileHandle(forWritingTo: file)
        // One short line per message (size and offset) so the count can be checked cheaply.
        let duration = try await run(
            ["-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%S %o\\n",
             "-X", "fetch.wait.max.ms=5"],
            stdin: nil, stdout: output)
        try output.close()
        let lines = try Data(contentsOf: file).split(separator: UInt8(ascii: "\n"))
        let bytes = lines.reduce(0) { total, line in
            total + (Int(String(decoding: line.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)) ?? 0)
        }
        guard lines.count == expected else {
            throw BenchError("kcat consumed \(lines.count) of \(expected) messages")
        }
        return BenchKafkaResult(messages: lines.count, bytes: bytes, duration: duration)
    }

    private func run(_ arguments: [String], stdin: FileHandle?, stdout: FileHandle?) async throws -> Duration {
        let process = SpawnedProcess()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = stdin ?? FileHandle.nullDevice
        process.standardOutput = stdout ?? FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        let start = ContinuousClock.now
        let end: ContinuousClock.Instant = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { _ in continuation.resume(returning: ContinuousClock.now) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        guard process.terminationStatus == 0 else {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw BenchError("kcat \(arguments.first ?? "") exited \(process.terminationStatus): \(text)")
        }
        return end - start
    }
}
