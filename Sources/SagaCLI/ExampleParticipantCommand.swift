import ArgumentParser
import Foundation
import Logging
import SagaParticipant
import SagaRuntime
import SagaStore
import ServiceLifecycle

/// `saga participant example NAME`: one of the example participants (user, payment,
/// controllable) as a service of its own, the way a real participant is deployed.
struct ExampleParticipantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example",
        abstract: "Run an example participant (user, payment or controllable) as a service.",
        discussion: """
            The Kafka cluster comes from the same places as for `saga orchestrator`: --config FILE \
            (bootstrapServers, kafka, topicPrefix), then SAGA_BOOTSTRAP_SERVERS, SAGA_TOPIC_PREFIX \
            and SAGA_KAFKA_<PROPERTY>, then --bootstrap-servers, --topic-prefix and -X key=value \
            (given to both the consumer and the producer). Malformed commands go to \
            <topic-prefix>dead-letters. SIGTERM or SIGINT stops intake, lets running handlers \
            finish and their replies be delivered, commits and leaves the consumer group.
            """
    )

    @Argument(help: "The example: \(ExampleParticipant.names).")
    var name: String

    @OptionGroup var sources: SettingsOptions

    @Option(help: "The command topic to consume (default: the example's topic in examples/definitions).")
    var topic: String?

    @Option(help: "The consumer group (default: the participant's name, e.g. user-service).")
    var groupID: String?

    @Option(help: "Where final answers are recorded against repeats: sqlite:PATH or postgres://... (default: in memory, for the process's lifetime).")
    var store: String?

    @Option(help: "A file created once the participant holds partitions and removed when it stops (for container health checks).")
    var readyFile: String?

    @Flag(help: "Print the settings in force (secrets masked) and exit without connecting.")
    var printConfig = false

    @Option(help: ArgumentHelp(OrchestratorSettings.Keys.otelEndpoint.summary + "."))
    var otelEndpoint: String?

    @Option(help: "Log level.")
    var logLevel: Logger.Level = .info

    @Option(help: "Log format: text (readable lines, the default) or json (one JSON object per line, with trace_id and span_id inside a handler's span).")
    var logFormat: LogFormat = .text

    func validate() throws {
        _ = try ExampleParticipant.named(name)
        _ = try settings(environment: ProcessInfo.processInfo.environment)
    }

    /// What the participant runs with.
    struct Settings {
        var example: ExampleParticipant
        var cluster: ServiceSettings
        var topic: String
        var groupID: String
        var deadLetterTopic: String
        var store: SagaStoreURL?

        var printed: String {
            var lines = [
                "participant: \(example.name) (\(example.serviceName))",
                "bootstrapServers: \(cluster.bootstrapServers.joined(separator: ","))",
                "topic: \(topic)",
                "groupId: \(groupID)",
                "deadLetterTopic: \(deadLetterTopic)",
                "store: \(store.map { "\($0)" } ?? "memory")",
                "otelEndpoint: \(cluster.otelEndpoint.isEmpty ? "off" : cluster.otelEndpoint)",
                "kafka:",
            ]
            for (key, value) in SecretMask.masked(cluster.kafka).sorted(by: { $0.key < $1.key }) { lines.append("  \(key): \(value)") }
            return lines.joined(separator: "\n")
        }
    }

    func settings(environment: [String: String]) throws -> Settings {
        let example = try ExampleParticipant.named(name)
        let cluster = try sources.settings(environment: environment, flags: [OrchestratorSettings.Keys.otelEndpoint: otelEndpoint].compactMapValues { $0 })
        guard !cluster.bootstrapServers.isEmpty else { throw ValidationError("--bootstrap-servers must name at least one host:port") }
        var url: SagaStoreURL?
        if let store {
            do {
                url = try SagaStoreURL(store)
            } catch let error as SagaStoreError {
                throw ValidationError("--store: \(error.message)")
            }
        }
        if let topic, topic.isEmpty { throw ValidationError("--topic must not be empty") }
        return Settings(
            example: example, cluster: cluster, topic: topic ?? example.topic, groupID: groupID ?? example.serviceName,
            deadLetterTopic: SagaTopics(prefix: cluster.topicPrefix).deadLetters, store: url
        )
    }

    private static let consumerOnlyPrefixes = [
        "fetch.", "group.", "session.timeout.ms", "heartbeat.interval.ms", "auto.offset.reset", "enable.auto.",
        "max.poll.interval.ms", "partition.assignment.strategy", "queued.", "isolation.level", "auto.commit.",
    ]

    func run() async throws {
        let settings = try settings(environment: ProcessInfo.processInfo.environment)
        if printConfig {
            writeLine(settings.printed)
            return
        }
        let environment = ProcessInfo.processInfo.environment
        let tracing = TracingBootstrap(setting: settings.cluster.otelEndpoint, environment: environment)
        logFormat.bootstrap(metadataProvider: tracing.map { _ in TracingBootstrap.metadataProvider })
        var logger = Logger(label: "saga.participant.\(settings.example.name)")
        logger.logLevel = logLevel
        let exporter = try tracing.map { try $0.bootstrap(serviceName: settings.example.serviceName, environment: environment, logger: logger) }

        var configuration = ParticipantConfiguration(
            name: settings.example.serviceName, bootstrapServers: settings.cluster.bootstrapServers, commandTopics: [settings.topic]
        )
        configuration.consumer.groupID = settings.groupID
        configuration.consumer.clientID = settings.example.serviceName
        configuration.consumer.additionalProperties = settings.cluster.kafka
        configuration.producer.clientID = settings.example.serviceName
        // One property set serves both clients: what only a consumer understands stays off the
        // producer, so librdkafka does not warn about it.
        configuration.producer.additionalProperties = settings.cluster.kafka.filter { key, _ in
            !Self.consumerOnlyPrefixes.contains { key.hasPrefix($0) }
        }
        configuration.deadLetterTopic = settings.deadLetterTopic

        let dedupe: any ParticipantDedupeStore
        if let url = settings.store {
            dedupe = try await url.openParticipantDedupeStore(logger: logger)
        } else {
            dedupe = InMemoryParticipantDedupeStore()
        }
        let service = ParticipantService(configuration: configuration, handlers: settings.example.makeHandlers(), dedupe: dedupe, logger: logger)
        let readiness = ReadinessReporter(service: service, file: readyFile, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let exporter {
            // First in the group, so the last stopped: it flushes the last handlers' spans.
            services.append(.init(service: exporter))
            logger.notice("tracing on: spans are exported to \(exporter.endpoint)")
        }
        // The dedupe store before the service, so stopped after it.
        services += [.init(service: dedupe), .init(service: service), .init(service: readiness)]
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await group.run()
        } catch {
            readiness.removeFile()
            throw error
        }
        readiness.removeFile()
    }
}
