import Tracing

/// How an ``Orchestrator`` connects, what it reads and writes, and its limits.
public struct OrchestratorConfiguration: Sendable {
    /// Kafka bootstrap servers, `host:port` each.
    public var bootstrapServers: [String]
    /// Any librdkafka property, applied to the orchestrator's consumer, producer and admin
    /// client (security: `security.protocol`, `sasl.*`, `ssl.*`; tuning). Default: none beyond
    /// `socket.nagle.disable=true`, which the orchestrator sets unless given here.
    public var kafkaProperties: [String: String] = [:]
    /// The orchestrator's topics. Default: prefix `saga.`.
    public var topics = SagaTopics()
    /// Partitions of the commands and replies topics, used when creating them and to route a
    /// saga id to its partition. Default: 8.
    public var partitions: Int32 = 8
    /// Replication factor for topics created at start; -1 uses the broker's default. Default: -1.
    public var replicationFactor: Int32 = -1
    /// Whether missing topics are created at start. Default: `true`.
    public var createTopics = true
    /// The consumer group the orchestrator instances share. Default: `saga-orchestrator`.
    public var groupID = "saga-orchestrator"
    /// The Kafka client id. Default: `saga-orchestrator`.
    public var clientID = "saga-orchestrator"
    /// At most this many non-terminal sagas in memory on this instance; at the bound, intake of
    /// start commands pauses while replies keep flowing. Default: 100,000.
    public var maxActiveSagas = 100_000
    /// At most this many messages applied in one poll batch (one store transaction per
    /// partition). Default: 2,000.
    public var maxBatchMessages = 2_000
    /// The longest a poll waits for input when no timer is due sooner. Default: 50 ms.
    public var maxPollWait: Duration = .milliseconds(50)
    /// How long finished sagas are kept so a duplicate start is still recognised. Default: 7 days.
    public var retention: Duration = .seconds(7 * 24 * 3600)
    /// How often finished sagas past the retention are purged. Default: 10 minutes.
    public var purgeInterval: Duration = .seconds(600)
    /// How many progress events the store keeps per saga (its newest), written in the same
    /// transaction as the saga's state, for `GET /v1/sagas/{id}`'s history and the step latency
    /// percentiles of `GET /v1/stats`. 0 keeps none. Default: 100.
    public var progressHistory = 100
    /// How often this instance writes its heartbeat (its owned partitions, active sagas, backlog
    /// and lag) to the store, where `GET /v1/cluster` on any instance reads it. Default: 5 seconds.
    public var heartbeatInterval: Duration = .seconds(5)
    /// Whether a `commandSent` progress event is published for every participant command.
    /// Default: `false`: the events that remain (started, phase started, step succeeded, failed,
    /// timed out, retry scheduled, compensated, ...) tell each saga's story, and leaving one event
    /// per command out takes about 30% off the progress topic and the orchestrator's work.
    public var commandSentEvents = false
    /// How long `fetch.wait.max.ms` may hold an empty fetch. Default: 500 ms (librdkafka's own): a
    /// real broker answers a fetch as soon as data arrives, so this only bounds how often an idle
    /// connection asks again. The embedded broker (librdkafka's mock cluster) waits the whole
    /// interval even when data arrives: `saga dev` and `saga-bench` set 5 ms for it, and so should
    /// anything else run against it (`-X fetch.wait.max.ms=5`).
    public var fetchWaitMax: Duration = .milliseconds(500)
    /// The producer's `linger.ms`. Default: 1 ms.
    public var linger: Duration = .milliseconds(1)
    /// The consumer's session timeout: how long before a silent instance's partitions move to
    /// another. Default: 10 seconds.
    public var sessionTimeout: Duration = .seconds(10)

    /// The largest input (start command, control, reply) the orchestrator accepts, in bytes of the
    /// message value. A larger one goes to the dead-letter topic with the reason and its first
    /// ``deadLetterCopyBytes`` bytes. Default: 262,144 (256 KiB): a saga's payload travels in every
    /// command it sends, together with its dependencies' outputs, and all of it must stay below
    /// ``maxMessageBytes``.
    public var maxInputBytes = 262_144
    /// The largest message the orchestrator publishes, in bytes of the value. A command that would
    /// be larger is never sent: its step counts as refused (the saga compensates) and a truncated
    /// copy goes to the dead-letter topic. Keep it below the producer's `message.max.bytes`
    /// (librdkafka's default 1,000,000) and the topics' `max.message.bytes` (Kafka's default
    /// 1,048,588), leaving room for the headers. Default: 900,000.
    public var maxMessageBytes = 900_000
    /// How much of a too-large message a dead letter keeps (before base64). Default: 65,536.
    public var deadLetterCopyBytes = 65_536
    /// How long a graceful shutdown may spend publishing what was committed before it leaves the
    /// consumer group anyway; what is left is published by the partitions' next owner. Keep the
    /// platform's grace period (Kubernetes' `terminationGracePeriodSeconds`) above it. Default: 10 s.
    public var shutdownDrainTimeout: Duration = .seconds(10)

    /// The longest a due timer (a step attempt's or the saga's deadline) waits while this instance
    /// is behind on its replies: a timeout is acted on only once the replies that reached the
    /// topic before the deadline have been read, so an overloaded instance does not turn its own
    /// lag into compensations. Default: 60 s.
    public var maxTimerDeferral: Duration = .seconds(60)
    /// Test hook: a pause before each poll, to make an instance fall behind on purpose. Default:
    /// none. Not for production.
    public var pollDelayForTesting: Duration?
    /// The tracer the saga, phase and step spans are recorded with; `nil` (the default) takes
    /// `InstrumentationSystem.tracer`, so the process's bootstrapped tracer. With none
    /// bootstrapped (swift-distributed-tracing's `NoOpTracer`) no span is made at all.
    public var tracer: (any Tracer)?

    /// - Parameter bootstrapServers: Kafka bootstrap servers, `host:port` each.
    public init(bootstrapServers: [String]) {
        self.bootstrapServers = bootstrapServers
    }
}
