import ArgumentParser
import Foundation
import KafkaTestKit
import Logging
import ServiceLifecycle

/// `saga broker`: runs the embedded Kafka broker (librdkafka's mock cluster) with the project's
/// topics until SIGINT or SIGTERM.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run the embedded Kafka broker (librdkafka's mock cluster).",
        discussion: """
            Creates the project's topics (<prefix>commands, <prefix>replies, <prefix>progress, \
            <prefix>dead-letters, <prefix>definitions, plus any given with --topics), prints the bootstrap address on \
            stdout and runs until SIGINT or SIGTERM. The mock keeps about 5 MiB per partition and \
            drops older data: it is for development and tests, not a store of record.
            """
    )

    /// The topics every project broker has, after the prefix.
    static let projectTopics = ["commands", "replies", "progress", "dead-letters", "definitions"]

    @Option(help: "Number of brokers in the cluster.")
    var brokers: Int = 1

    @Option(help: "Partitions of each topic created.")
    var partitions: Int32 = 4

    @Option(help: "Also write the bootstrap address to this file (atomically).")
    var bootstrapFile: String?

    @Option(help: "Extra topics to create, comma-separated.", transform: BrokerCommand.topicList)
    var topics: [String] = []

    @Option(help: "Prefix of the project's topic names.")
    var topicPrefix: String = "saga."

    func validate() throws {
        guard (1...64).contains(brokers) else { throw ValidationError("--brokers must be between 1 and 64") }
        guard (1...10_000).contains(partitions) else { throw ValidationError("--partitions must be between 1 and 10000") }
    }

    /// Every topic this run creates, in order, without duplicates.
    var allTopics: [String] {
        var seen = Set<String>()
        return (Self.projectTopics.map { topicPrefix + $0 } + topics).filter { seen.insert($0).inserted }
    }

    func run() async throws {
        var logger = Logger(label: "saga.broker") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let broker = try EmbeddedKafkaBroker(brokerCount: brokers, logger: logger)
        for topic in allTopics {
            try await broker.createTopic(topic, partitions: partitions)
        }
        let announcement = "saga broker: \(brokers) broker(s), topics \(allTopics.joined(separator: ", ")) with \(partitions) partitions; SIGINT or SIGTERM stops it\n"
        let bootstrapFile = self.bootstrapFile
        let service = BrokerService(broker: broker) {
            // Announced only once the group traps SIGINT and SIGTERM, so a parent that signals
            // as soon as it reads the address always gets a clean shutdown.
            if let bootstrapFile {
                try Data((broker.bootstrapServers + "\n").utf8).write(to: URL(fileURLWithPath: bootstrapFile), options: .atomic)
            }
            // Unbuffered, so a parent process reading the pipe sees it at once.
            FileHandle.standardOutput.write(Data((broker.bootstrapServers + "\n").utf8))
            FileHandle.standardError.write(Data(announcement.utf8))
        }
        let group = ServiceGroup(
            services: [service],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        try await group.run()
    }

    static func topicList(_ argument: String) throws -> [String] {
        let names = argument.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty }) else {
            throw ValidationError("--topics wants comma-separated topic names, e.g. orders,payments")
        }
        return names
    }
}
