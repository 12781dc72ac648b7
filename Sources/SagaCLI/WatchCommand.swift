import ArgumentParser
import Foundation
import Kafka
import ServiceLifecycle

/// `saga watch`: live progress from the progress topic until Ctrl-C.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print saga progress live, until Ctrl-C.",
        discussion: """
            Reads <prefix>progress and prints one line per event — time, saga id (first 8 \
            characters), type, sequence number, what happened, the step and phase, and the saga's \
            state after it — and a summary line (=>) when a saga completes, is compensated or fails. \
            Colours on a terminal unless NO_COLOR is set. --json prints each event as published, one \
            JSON object per line, and no summaries. SIGINT (Ctrl-C) or SIGTERM ends it with status 0.
            """
    )

    @Option(help: "Only this saga: its id, or the first characters of it.")
    var saga: String?

    @Option(help: "Only sagas of this type.")
    var type: String?

    @Flag(help: "Print each event as published, one JSON object per line.")
    var json = false

    @Flag(help: "Start from the oldest event the broker keeps instead of from now.")
    var fromBeginning = false

    @OptionGroup var cluster: ClusterOptions

    func validate() throws {
        if saga?.isEmpty == true { throw ValidationError("--saga must not be empty") }
        if type?.isEmpty == true { throw ValidationError("--type must not be empty") }
    }

    func run() async throws {
        try await reportingFailures {
            let cluster = try self.cluster.resolve()
            try await cluster.checkReachable()
            let feed = try await ProgressFeed(cluster: cluster, deadLetters: false, fromBeginning: fromBeginning)
            let printer = ProgressPrinter(feed: feed, style: .forTerminal(json: json), filter: .init(saga: saga, type: type))
            writeError("watching \(cluster.topics.progress) at \(cluster.bootstrapServers.joined(separator: ","))\(fromBeginning ? " from the beginning" : ""); Ctrl-C stops")
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: TaskService { try await printer.run() })],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: cluster.logger
            ))
            do {
                try await group.run()
            } catch let error as KafkaError {
                throw cluster.failure(error, topic: cluster.topics.progress)
            }
        }
    }
}
