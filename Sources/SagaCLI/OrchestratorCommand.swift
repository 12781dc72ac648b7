import ArgumentParser
import CoreMetrics
import Foundation
import Logging
import Prometheus
import SagaHTTP
import SagaRuntime
import SagaStore
import ServiceLifecycle

/// `saga orchestrator`: runs the orchestrator service until SIGTERM or SIGINT.
struct OrchestratorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrator",
        abstract: "Run the saga orchestrator service.",
        discussion: """
            Settings come from --config (YAML), then SAGA_* environment variables, then flags. \
            Any librdkafka property can be given with -X key=value or SAGA_KAFKA_<PROPERTY> \
            (SAGA_KAFKA_SECURITY_PROTOCOL=SASL_SSL sets security.protocol). SIGTERM or SIGINT \
            stops intake, finishes the batch in flight, publishes what it committed and leaves \
            the consumer group.
            """
    )

    @OptionGroup var sources: SettingsOptions

    @Option(help: "The saga store: sqlite:PATH, or postgres://USER:PASSWORD@HOST:PORT/DATABASE to share the work between instances (default sqlite:saga.sqlite; SAGA_STORE).")
    var store: String?

    @Option(name: .customLong("definitions"), help: "A saga definition file or a directory of them; repeatable.")
    var definitions: [String] = []

    @Option(help: "Partitions of the commands and replies topics (default 8).")
    var partitions: Int32?

    @Option(help: "The consumer group of the orchestrator instances (default saga-orchestrator).")
    var groupID: String?

    @Option(help: "Bound on active sagas per instance; start commands pause at it (default 100000).")
    var maxActiveSagas: Int?

    @Flag(help: "Do not create missing topics at start.")
    var noCreateTopics = false

    @Flag(help: "Publish a commandSent progress event for every participant command (default off).")
    var commandSentEvents = false

    @Option(help: "The HTTP API and console listener, HOST:PORT or off (default 127.0.0.1:8080; SAGA_HTTP).")
    var http: String?

    @Option(name: .customLong("ops-http"), help: "A separate listener for /health, /ready and /metrics, HOST:PORT (default: served on --http; SAGA_OPS_HTTP).")
    var opsHTTP: String?

    @Flag(help: "Print the settings in force (file, environment and flags resolved; secrets masked) and exit without connecting.")
    var printConfig = false

    @Flag(help: "Print the topics to create (names, partitions, cleanup.policy and retention), for clusters that forbid auto-creation, and exit.")
    var printTopics = false

    @Option(help: "Log level.")
    var logLevel: Logger.Level = .info

    @Option(help: "Log format: text (readable lines, the default) or json (one JSON object per line).")
    var logFormat: LogFormat = .text

    func settings(environment: [String: String]) throws -> OrchestratorSettings {
        var settings = try sources.settings(environment: environment)
        if let store { settings.store = store }
        if !definitions.isEmpty { settings.definitions = definitions }
        if let partitions {
            guard partitions > 0 else { throw ValidationError("--partitions must be positive") }
            settings.partitions = partitions
        }
        if let groupID { settings.groupID = groupID }
        if let maxActiveSagas { settings.maxActiveSagas = maxActiveSagas }
        if commandSentEvents { settings.commandSentEvents = true }
        if noCreateTopics { settings.createTopics = false }
        if let http { settings.http = try ListenAddress.parse(http, source: "--http") }
        if let opsHTTP { settings.opsHTTP = try ListenAddress.parse(opsHTTP, source: "--ops-http") }
        do {
            try settings.httpConfiguration.validate()
        } catch let error as SagaHTTPError {
            throw ValidationError("--http: \(error.message)")
        }
        guard !settings.definitions.isEmpty else {
            throw ValidationError("no saga definitions: give --definitions DIR (or SAGA_DEFINITIONS, or 'definitions' in --config)")
        }
        return settings
    }

    func run() async throws {
        let settings = try settings(environment: ProcessInfo.processInfo.environment)
        let url: SagaStoreURL
        do {
            url = try SagaStoreURL(settings.store)
        } catch let error as SagaStoreError {
            throw ValidationError("store: \(error.message)")
        }
        if printConfig {
            writeLine(settings.printed)
            return
        }
        let registry = try DefinitionLoader.registry(from: settings.definitions)
        if printTopics {
            let plans = registry.versions.compactMap { registry.plan(type: $0.type, version: $0.version) }
            writeLine(TopicPlan(settings: settings, participantTopics: plans.flatMap { $0.definition.steps.map(\.topic) }).printed)
            return
        }
        switch logFormat {
        case .text: LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        case .json: LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        }
        var logger = Logger(label: "saga.orchestrator")
        logger.logLevel = logLevel

        // One registry behind /metrics: the orchestrator's instruments, the HTTP surface's, and
        // anything else in the process that uses swift-metrics.
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let store = try await url.openSagaStore(logger: logger)
        let orchestrator = Orchestrator(configuration: settings.configuration, registry: registry, store: store, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: orchestrator)]
        if settings.http != nil || settings.opsHTTP != nil {
            // Last in the group, so the first stopped: no new requests, then the loop drains.
            let http = SagaHTTPServer(configuration: settings.httpConfiguration, orchestrator: orchestrator, registry: metrics, logger: logger)
            services.append(.init(service: http))
        } else {
            logger.notice("HTTP surface off (--http off and no --ops-http)")
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}
