import Foundation
import Testing

@Suite("saga broker", .timeLimit(.minutes(1)))
struct BrokerCommandTests {
    /// Waits until the broker printed its address on stdout (woken by its output), which it does
    /// after it wrote `path`, and returns the line in `path`.
    private func readBootstrap(_ path: URL, of broker: ChildProcess, within: Duration) async throws -> String? {
        guard await broker.waitForOutput(containing: "\n", timeout: within) else { return nil }
        guard let text = try? String(contentsOf: path, encoding: .utf8), text.hasSuffix("\n") else { return nil }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("kcat produces to and consumes in a group from `saga broker`, which exits 0 on SIGTERM")
    func kcatAgainstBroker() async throws {
        let kcat = try #require(Products.kcat, "kcat is not installed (scripts/setup installs it)")
        #expect(FileManager.default.isExecutableFile(atPath: Products.saga.path), "no saga at \(Products.saga.path)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-broker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bootstrapFile = directory.appendingPathComponent("bootstrap")

        let broker = try ChildProcess(Products.saga, [
            "broker", "--partitions", "3", "--bootstrap-file", bootstrapFile.path,
            "--topic-prefix", "test.", "--topics", "orders,payments",
        ])
        let address = try #require(try await readBootstrap(bootstrapFile, of: broker, within: .seconds(60)))
        #expect(address.hasPrefix("127.0.0.1:"))

        // Topics exist with the asked partitions (kcat's own metadata listing).
        let metadata = try ChildProcess(kcat, ["-b", address, "-L"])
        #expect(try await metadata.waitForExit(timeout: .seconds(10)) == 0)
        let listing = metadata.output
        for topic in ["test.commands", "test.replies", "test.progress", "test.dead-letters", "orders", "payments"] {
            #expect(listing.contains("topic \"\(topic)\" with 3 partitions"), "\(topic) missing")
        }

        // Produce with kcat: key:value lines.
        let lines = (0..<30).map { "key-\($0 % 5):value-\($0)" }
        let producer = try ChildProcess(
            kcat, ["-b", address, "-P", "-t", "orders", "-K", ":"],
            input: Data((lines.joined(separator: "\n") + "\n").utf8))
        #expect(try await producer.waitForExit(timeout: .seconds(15)) == 0, "\(producer.errorOutput)")

        // Consume with kcat in a consumer group, from the beginning.
        let consumer = try ChildProcess(kcat, [
            "-b", address, "-G", "kcat-group", "-X", "fetch.wait.max.ms=5", "-X", "auto.offset.reset=earliest",
            "-c", "\(lines.count)", "-q", "-f", "%k:%s\\n", "orders",
        ])
        let consumerStatus = try await consumer.waitForExit(timeout: .seconds(30))
        #expect(consumerStatus == 0, "kcat consumer: \(consumer.errorOutput)")
        let consumed = consumer.output.split(separator: "\n").map(String.init)
        #expect(consumed.sorted() == lines.sorted())

        broker.signal(SIGTERM)
        let status = try await broker.waitForExit(timeout: .seconds(10))
        #expect(status == 0, "broker stderr: \(broker.errorOutput)")
        #expect(broker.output.trimmingCharacters(in: .whitespacesAndNewlines) == address)
    }

    @Test("SIGINT stops the broker cleanly too")
    func sigint() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-broker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bootstrapFile = directory.appendingPathComponent("bootstrap")
        let broker = try ChildProcess(Products.saga, ["broker", "--brokers", "3", "--bootstrap-file", bootstrapFile.path])
        let address = try #require(try await readBootstrap(bootstrapFile, of: broker, within: .seconds(60)))
        #expect(address.split(separator: ",").count == 3)
        broker.signal(SIGINT)
        #expect(try await broker.waitForExit(timeout: .seconds(10)) == 0)
        #expect(broker.output.trimmingCharacters(in: .whitespacesAndNewlines) == address)
    }

    @Test("bad arguments get a usage message and a non-zero exit", arguments: [
        ["broker", "--brokers", "0"], ["broker", "--partitions", "x"], ["broker", "--no-such-flag"], ["broker", "--topics", ","],
    ])
    func badArguments(arguments: [String]) async throws {
        let broker = try ChildProcess(Products.saga, arguments)
        let status = try await broker.waitForExit(timeout: .seconds(10))
        #expect(status != nil && status != 0)
        #expect(broker.errorOutput.contains("Usage: saga broker"))
    }
}
