import Configuration

/// The orchestrator service's settings, each read by its ``SettingKey`` from a swift-configuration
/// `ConfigReader`: an application that embeds the orchestrator reads them from its own providers,
/// and `saga orchestrator` from its flags, the `SAGA_*` environment and its `--config` file.
///
/// ``Keys`` is the one place that names each setting. ``kafka`` is the exception: an open map of
/// librdkafka properties, which a `ConfigReader` cannot list; set it from wherever you keep them.
public struct OrchestratorSettings: Sendable, Hashable {
    /// Kafka bootstrap servers, `host:port` each.
    public var bootstrapServers: [String] = ["localhost:9092"]
    /// librdkafka properties for every client of the orchestrator (see
    /// ``OrchestratorConfiguration/kafkaProperties``).
    public var kafka: [String: String] = [:]
    /// The prefix of the orchestrator's topic names.
    public var topicPrefix = SagaTopics.defaultPrefix
    /// Partitions of the commands and replies topics.
    public var partitions: Int32 = 8
    /// The saga store's URL: `sqlite:PATH` or `postgres://...`.
    public var store = "sqlite:saga.sqlite"
    /// Saga definition files or directories of them.
    public var definitions: [String] = []
    /// The consumer group of the orchestrator instances.
    public var groupID = "saga-orchestrator"
    /// See ``OrchestratorConfiguration/maxActiveSagas``.
    public var maxActiveSagas = 100_000
    /// See ``OrchestratorConfiguration/createTopics``.
    public var createTopics = true
    /// See ``OrchestratorConfiguration/retention``, in seconds.
    public var retentionSeconds: Int64 = 7 * 24 * 3600
    /// See ``OrchestratorConfiguration/purgeInterval``, in seconds.
    public var purgeIntervalSeconds: Int64 = 600
    /// See ``OrchestratorConfiguration/commandSentEvents``.
    public var commandSentEvents = false
    /// See ``OrchestratorConfiguration/maxInputBytes``.
    public var maxInputBytes = 262_144
    /// See ``OrchestratorConfiguration/maxMessageBytes``.
    public var maxMessageBytes = 900_000
    /// See ``OrchestratorConfiguration/shutdownDrainTimeout``, in seconds.
    public var shutdownDrainSeconds: Int64 = 10
    /// See ``OrchestratorConfiguration/maxTimerDeferral``, in seconds.
    public var maxTimerDeferralSeconds: Int64 = 60
    /// See ``OrchestratorConfiguration/progressHistory``.
    public var progressHistory = 100
    /// See ``OrchestratorConfiguration/heartbeatInterval``, in seconds.
    public var heartbeatIntervalSeconds: Int64 = 5
    /// Where spans are exported (OTLP over HTTP, e.g. `http://collector:4318`); empty (the
    /// default) leaves it to the standard `OTEL_EXPORTER_OTLP_ENDPOINT`, and with neither,
    /// tracing is off. The library only reads it: the executable bootstraps the exporter.
    public var otelEndpoint = ""

    /// The keys of the orchestrator's settings.
    public enum Keys {
        public static let bootstrapServers = SettingKey("bootstrapServers", "Kafka bootstrap servers, comma-separated (default localhost:9092)", list: true)
        public static let topicPrefix = SettingKey("topicPrefix", "prefix of the orchestrator's topic names (default \(SagaTopics.defaultPrefix))")
        public static let partitions = SettingKey("partitions", "partitions of the commands and replies topics (default 8)")
        public static let store = SettingKey("store", "the saga store: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE (default sqlite:saga.sqlite)")
        public static let definitions = SettingKey("definitions", "saga definition files or directories, comma-separated", list: true)
        public static let groupId = SettingKey("groupId", "the consumer group of the orchestrator instances (default saga-orchestrator)")
        public static let maxActiveSagas = SettingKey("maxActiveSagas", "bound on active sagas per instance; start commands pause at it (default 100000)")
        public static let createTopics = SettingKey("createTopics", "true or false: create missing topics at start (default true)")
        public static let retention = SettingKey("retention", "seconds finished sagas are kept (default 604800, 7 days)")
        public static let purgeInterval = SettingKey("purgeInterval", "seconds between purges of finished sagas past their retention (default 600)")
        public static let commandSentEvents = SettingKey("commandSentEvents", "true or false: a commandSent progress event for every command (default false)")
        public static let maxInputBytes = SettingKey("maxInputBytes", "the largest input accepted, in bytes (default 262144)")
        public static let maxMessageBytes = SettingKey("maxMessageBytes", "the largest message published, in bytes (default 900000)")
        public static let shutdownDrainTimeout = SettingKey("shutdownDrainTimeout", "seconds a graceful shutdown spends publishing (default 10)")
        public static let maxTimerDeferral = SettingKey("maxTimerDeferral", "seconds a timeout may wait for unread replies (default 60)")
        public static let progressHistory = SettingKey("progressHistory", "progress events kept per saga in the store for its detail view; 0 keeps none (default 100)")
        public static let heartbeatInterval = SettingKey("heartbeatInterval", "seconds between an instance's heartbeats in the store, which /v1/cluster lists (default 5)")
        public static let otelEndpoint = SettingKey("otelEndpoint", "OTLP/HTTP endpoint spans are exported to, http(s)://HOST:PORT (default: OTEL_EXPORTER_OTLP_ENDPOINT, else tracing off)")
    }

    /// Every key of ``Keys``, in the order help texts list them.
    public static let keys: [SettingKey] = [
        Keys.bootstrapServers, Keys.topicPrefix, Keys.partitions, Keys.store, Keys.definitions, Keys.groupId,
        Keys.maxActiveSagas, Keys.createTopics, Keys.retention, Keys.purgeInterval, Keys.commandSentEvents, Keys.maxInputBytes,
        Keys.maxMessageBytes, Keys.shutdownDrainTimeout, Keys.maxTimerDeferral, Keys.progressHistory, Keys.heartbeatInterval, Keys.otelEndpoint,
    ]

    /// The defaults.
    public init() {}

    /// The defaults, with every setting `config` has.
    /// - Throws: ``SettingError`` for a value the setting cannot take.
    public init(config: ConfigReader) throws {
        if let v = config.list(Keys.bootstrapServers) { bootstrapServers = v }
        if let v = config.text(Keys.topicPrefix) { topicPrefix = v }
        if let v = try config.positive(Keys.partitions, as: Int32.self) { partitions = v }
        if let v = config.text(Keys.store) { store = v }
        if let v = config.list(Keys.definitions) { definitions = v }
        if let v = config.text(Keys.groupId) { groupID = v }
        if let v = try config.positive(Keys.maxActiveSagas, as: Int.self) { maxActiveSagas = v }
        if let v = try config.flag(Keys.createTopics) { createTopics = v }
        if let v = try config.positive(Keys.retention, as: Int64.self) { retentionSeconds = v }
        if let v = try config.positive(Keys.purgeInterval, as: Int64.self) { purgeIntervalSeconds = v }
        if let v = try config.flag(Keys.commandSentEvents) { commandSentEvents = v }
        if let v = try config.positive(Keys.maxInputBytes, as: Int.self) { maxInputBytes = v }
        if let v = try config.positive(Keys.maxMessageBytes, as: Int.self) { maxMessageBytes = v }
        if let v = try config.positive(Keys.shutdownDrainTimeout, as: Int64.self) { shutdownDrainSeconds = v }
        if let v = try config.positive(Keys.maxTimerDeferral, as: Int64.self) { maxTimerDeferralSeconds = v }
        if let v = try config.nonNegative(Keys.progressHistory, as: Int.self) { progressHistory = v }
        if let v = try config.positive(Keys.heartbeatInterval, as: Int64.self) { heartbeatIntervalSeconds = v }
        if let v = config.text(Keys.otelEndpoint) {
            let endpoint = v == "off" ? "" : v
            guard endpoint.isEmpty || endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") else {
                throw SettingError(key: Keys.otelEndpoint, value: v, expected: "an http:// or https:// URL, or off")
            }
            otelEndpoint = endpoint
        }
    }

    /// The orchestrator's configuration with these settings (the others at their defaults).
    public var configuration: OrchestratorConfiguration {
        var configuration = OrchestratorConfiguration(bootstrapServers: bootstrapServers)
        configuration.kafkaProperties = kafka
        configuration.topics = SagaTopics(prefix: topicPrefix)
        configuration.partitions = partitions
        configuration.groupID = groupID
        configuration.maxActiveSagas = maxActiveSagas
        configuration.createTopics = createTopics
        configuration.retention = .seconds(retentionSeconds)
        configuration.purgeInterval = .seconds(purgeIntervalSeconds)
        configuration.commandSentEvents = commandSentEvents
        configuration.maxInputBytes = maxInputBytes
        configuration.maxMessageBytes = maxMessageBytes
        configuration.shutdownDrainTimeout = .seconds(shutdownDrainSeconds)
        configuration.maxTimerDeferral = .seconds(maxTimerDeferralSeconds)
        configuration.progressHistory = progressHistory
        configuration.heartbeatInterval = .seconds(heartbeatIntervalSeconds)
        return configuration
    }
}
