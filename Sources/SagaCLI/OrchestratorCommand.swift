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
    private typealias K = OrchestratorSettings.Keys

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

    @Option(help: ArgumentHelp(K.store.summary + "; SAGA_STORE."))
    var store: String?

    @Option(name: .customLong("definitions"), help: "A saga definition file or a directory of them; repeatable (SAGA_DEFINITIONS, comma-separated).")
    var definitions: [String] = []

    @Option(help: ArgumentHelp(K.partitions.summary + "."))
    var partitions: String?

    @Option(name: .customLong("group-id"), help: ArgumentHelp(K.groupId.summary + "."))
    var groupID: String?

    @Option(help: ArgumentHelp(K.maxActiveSagas.summary + "."))
    var maxActiveSagas: String?

    @Flag(help: "Do not create missing topics at start (the same as --create-topics false).")
    var noCreateTopics = false

    @Option(help: ArgumentHelp(K.createTopics.summary + "."))
    var createTopics: String?

    @Option(help: ArgumentHelp(K.retention.summary + "."))
    var retention: String?

    @Option(help: ArgumentHelp(K.purgeInterval.summary + "."))
    var purgeInterval: String?

    @Option(help: ArgumentHelp(K.commandSentEvents.summary + "."))
    var commandSentEvents: String?

    @Option(help: ArgumentHelp(K.maxInputBytes.summary + "."))
    var maxInputBytes: String?

    @Option(help: ArgumentHelp(K.maxMessageBytes.summary + "."))
    var maxMessageBytes: String?

    @Option(help: ArgumentHelp(K.shutdownDrainTimeout.summary + "."))
    var shutdownDrainTimeout: String?

    @Option(help: ArgumentHelp(K.maxTimerDeferral.summary + "."))
    var maxTimerDeferral: String?

    @Option(help: ArgumentHelp(K.progressHistory.summary + "."))
    var progressHistory: String?

    @Option(help: ArgumentHelp(K.heartbeatInterval.summary + "."))
    var heartbeatInterval: String?
    @Option(help: ArgumentHelp(K.otelEndpoint.summary + "."))
    var otelEndpoint: String?

    @Option(help: ArgumentHelp(SagaHTTPConfiguration.Keys.http.summary + "."))
    var http: String?

    @Option(name: .customLong("ops-http"), help: ArgumentHelp(SagaHTTPConfiguration.Keys.opsHttp.summary + "."))
    var opsHTTP: String?

    @Option(help: ArgumentHelp(SagaHTTPConfiguration.Keys.participantGroups.summary + "."))
    var participantGroups: String?

    @Flag(help: "Print the settings in force (file, environment and flags resolved; secrets masked) and exit without connecting.")
    var printConfig = false

    @Flag(help: "Print the topics to create (names, partitions, cleanup.policy and retention), for clusters that forbid auto-creation, and exit.")
    var printTopics = false

    @Option(help: "Log level.")
    var logLevel: Logger.Level = .info

    @Option(help: "Log format: text (readable lines, the default) or json (one JSON object per line).")
    var logFormat: LogFormat = .text

    func validate() throws {
        // A wrong setting, from a flag, the environment or the file, gets this command's usage.
        _ = try settings(environment: ProcessInfo.processInfo.environment)
    }

    func settings(environment: [String: String]) throws -> ServiceSettings {
        var flags: [SettingKey: String] = [:]
        flags[K.store] = store
        flags[K.partitions] = partitions
        flags[K.groupId] = groupID
        flags[K.maxActiveSagas] = maxActiveSagas
        flags[K.createTopics] = noCreateTopics ? "false" : createTopics
        flags[K.retention] = retention
        flags[K.purgeInterval] = purgeInterval
        flags[K.commandSentEvents] = commandSentEvents
        flags[K.maxInputBytes] = maxInputBytes
        flags[K.maxMessageBytes] = maxMessageBytes
        flags[K.shutdownDrainTimeout] = shutdownDrainTimeout
        flags[K.maxTimerDeferral] = maxTimerDeferral
        flags[K.progressHistory] = progressHistory
        flags[K.heartbeatInterval] = heartbeatInterval
        flags[K.otelEndpoint] = otelEndpoint
        flags[SagaHTTPConfiguration.Keys.http] = http
        flags[SagaHTTPConfiguration.Keys.opsHttp] = opsHTTP
        flags[SagaHTTPConfiguration.Keys.participantGroups] = participantGroups
        let settings = try sources.settings(environment: environment, flags: flags, listFlags: [K.definitions: definitions])
        do {
            try settings.http.validate()
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
        let environment = ProcessInfo.processInfo.environment
        let tracing = TracingBootstrap(setting: settings.otelEndpoint, environment: environment)
        logFormat.bootstrap(metadataProvider: tracing.map { _ in TracingBootstrap.metadataProvider })
        var logger = Logger(label: "saga.orchestrator")
        logger.logLevel = logLevel
        // Before the orchestrator is made: it takes the process's tracer when it starts.
        let exporter = try tracing.map { try $0.bootstrap(serviceName: "saga-orchestrator", environment: environment, logger: logger) }

        // One registry behind /metrics: the orchestrator's instruments, the HTTP surface's, and
        // anything else in the process that uses swift-metrics.
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let store = try await url.openSagaStore(logger: logger)
        let orchestrator = Orchestrator(configuration: settings.configuration, registry: registry, store: store, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let exporter {
            // First in the group, so the last stopped: it flushes the orchestrator's last spans.
            services.append(.init(service: exporter))
            logger.notice("tracing on: spans are exported to \(exporter.endpoint)")
        }
        // The store before the orchestrator, so stopped after it: the orchestrator and the HTTP
        // surface use it until they have stopped.
        services += [.init(service: store), .init(service: orchestrator)]
        if settings.http.api != nil || settings.http.ops != nil {
            // Last in the group, so the first stopped: no new requests, then the loop drains.
            let http = SagaHTTPServer(configuration: settings.http, orchestrator: orchestrator, registry: metrics, logger: logger)
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
        try await group.run()
    }
}
