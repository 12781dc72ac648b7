import Foundation
import Kafka
import KafkaTestKit
import SagaTestKit
import Testing

/// `saga broker` as a child process logging to a test's directory, and what it takes to talk to
/// it: client configurations and the arguments of an orchestrator against it.
final class BrokerProcess: Sendable {
    /// Its bootstrap address, `host:port`.
    let bootstrap: String
    /// Partitions of every topic it made.
    let partitions: Int
    private let process: LoggedChildProcess

    /// Starts `saga broker` with the orchestrator's topics and `topics`, `partitions` each, its log
    /// in `<directory>/broker.log`, and waits (60 s at most) until it announced its address.
    init(directory: URL, partitions: Int = 4, topics: [String]) async throws {
        let bootstrapFile = directory.appendingPathComponent("bootstrap")
        process = try LoggedChildProcess(Products.saga, [
            "broker", "--partitions", "\(partitions)", "--topics", topics.joined(separator: ","), "--bootstrap-file", bootstrapFile.path,
        ], log: directory.appendingPathComponent("broker.log"))
        // It writes the file, then announces itself on its output, which wakes this wait.
        try await process.waitForOutput("saga broker to announce its address", within: .seconds(60)) { $0.contains("saga broker: ") }
        let address = (try? String(contentsOf: bootstrapFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        try #require(!address.isEmpty, "saga broker announced itself but wrote no address: \(process.output)")
        bootstrap = address
        self.partitions = partitions
    }

    /// A consumer configuration for this broker and `groupID`, suited to the mock cluster.
    func consumerConfiguration(groupID: String) -> KafkaConsumerConfiguration {
        EmbeddedKafkaBroker.consumerConfiguration(bootstrapServers: bootstrap, groupID: groupID)
    }

    /// A producer configuration for this broker, suited to the mock cluster.
    var producerConfiguration: KafkaProducerConfiguration {
        EmbeddedKafkaBroker.producerConfiguration(bootstrapServers: bootstrap)
    }

    /// The arguments of `saga orchestrator` on this broker, with `store`, the definitions in
    /// `definitions`, and group `group`. Short session timeouts, so a dead or frozen instance is
    /// noticed within seconds.
    func orchestratorArguments(store: String, definitions: URL, group: String) -> [String] {
        [
            "orchestrator", "--bootstrap-servers", bootstrap, "--store", store, "--definitions", definitions.path,
            "--partitions", "\(partitions)", "--no-create-topics", "--log-level", "info", "--group-id", group,
            "-X", "fetch.wait.max.ms=5", "-X", "session.timeout.ms=3000", "-X", "heartbeat.interval.ms=300",
            // Several instances run on one machine: each takes a free port for its HTTP surface.
            "--http", "127.0.0.1:0",
        ]
    }

    /// Stops it (SIGTERM, then SIGKILL after 30 s). Stop every client first: one still connected
    /// when the broker goes keeps reconnecting and logs refused connections.
    /// - Returns: its exit status, or `nil` when it had to be killed.
    @discardableResult
    func stop() async throws -> Int32? {
        try await process.stop(timeout: .seconds(30))
    }
}
