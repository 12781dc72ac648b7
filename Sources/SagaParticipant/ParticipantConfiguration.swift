import Kafka
import Tracing

/// Configuration of a ``ParticipantService``.
public struct ParticipantConfiguration: Sendable {
    /// How long to wait before handling a command again after its reply (or dead letter) could not
    /// be delivered or the dedupe store failed: from ``initial``, doubled each time, up to ``maximum``.
    public struct Backoff: Sendable, Hashable {
        /// The first wait. Default 100 ms.
        public var initial: Duration = .milliseconds(100)
        /// The longest wait. Default 5 s.
        public var maximum: Duration = .seconds(5)

        /// - Parameters:
        ///   - initial: the first wait.
        ///   - maximum: the longest wait.
        public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
            self.initial = initial
            self.maximum = maximum
        }
    }

    /// The participant's name: the key space of its dedupe records (two participants never share
    /// replies) and, with the first initializer, its consumer group. No default.
    public var name: String
    /// The command topics to consume (usually one: the topic the saga definitions name for this
    /// participant's steps). No default.
    public var commandTopics: [String]
    /// The consumer. Offsets are committed by the service only (auto-commit is always off).
    public var consumer: KafkaConsumerConfiguration
    /// The producer of replies and dead letters. The service always sets `acks=all` and
    /// idempotence on: a reply counts as delivered only once every in-sync replica has it.
    public var producer: KafkaProducerConfiguration
    /// Where a command that cannot be read goes, with the reason, when the command does not name
    /// it in its `saga-dead-letter-topic` header (the orchestrator sets that header on every
    /// command). Default `saga.dead-letters` (the orchestrator's default dead-letter topic).
    public var deadLetterTopic: String = "saga.dead-letters"
    /// The largest reply the service sends, in bytes. A pending reply whose output would make it
    /// larger is answered `rejected` instead (the saga compensates); in other phases the output,
    /// which the orchestrator does not use, is left out. Keep it at or below the orchestrator's
    /// `maxInputBytes`. Default 262,144 (256 KiB, the orchestrator's default).
    public var maxReplyBytes: Int = 262_144
    /// The most commands handled at once (across sagas; one saga's commands run one at a time).
    /// Default 16.
    public var maxConcurrentCommands: Int = 16
    /// The most commands received and not yet answered; past it the service pauses its partitions.
    /// Default 1,000.
    public var maxBufferedCommands: Int = 1_000
    /// The wait before handling a command again after its answer could not be delivered.
    /// Default 100 ms doubling to 5 s.
    public var retryBackoff = Backoff()
    /// How long a graceful shutdown keeps trying to deliver the answers of commands already
    /// handled; what is still undelivered then is not committed (the next owner handles it again).
    /// Default 30 s.
    public var shutdownTimeout: Duration = .seconds(30)
    /// How long dedupe records are kept. Default 7 days: longer than any saga's deadline plus its
    /// compensation, so no retry outlives its record.
    public var dedupeRetention: Duration = .seconds(7 * 24 * 3600)
    /// How often records older than ``dedupeRetention`` are purged (also once at start).
    /// Default 1 hour.
    public var purgeInterval: Duration = .seconds(3600)
    /// The tracer of the span around each command's handling (a child of the command's
    /// `traceparent`; its context goes into the reply). `nil` (the default) takes
    /// `InstrumentationSystem.tracer`; with none bootstrapped no span is made.
    public var tracer: (any Tracer)?

    /// A participant on `bootstrapServers` whose consumer group is its name.
    ///
    /// The producer lingers 1 ms (a reply is one small message on the saga's critical path) and
    /// gives up on a reply after 30 s (`message.timeout.ms`), after which the command is handled
    /// again.
    /// - Parameters:
    ///   - name: the participant's name and consumer group.
    ///   - bootstrapServers: `host:port` of one or more brokers.
    ///   - commandTopics: the command topics to consume.
    public init(name: String, bootstrapServers: [String], commandTopics: [String]) {
        var producer = KafkaProducerConfiguration(bootstrapServers: bootstrapServers)
        producer.linger = .milliseconds(1)
        producer.messageTimeout = .seconds(30)
        self.init(
            name: name, commandTopics: commandTopics,
            consumer: KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: name),
            producer: producer
        )
    }

    /// A participant with Kafka clients configured by hand.
    /// - Parameters:
    ///   - name: the participant's name (the consumer's group id is taken from `consumer`).
    ///   - commandTopics: the command topics to consume.
    ///   - consumer: the consumer configuration.
    ///   - producer: the producer configuration.
    public init(name: String, commandTopics: [String], consumer: KafkaConsumerConfiguration, producer: KafkaProducerConfiguration) {
        self.name = name
        self.commandTopics = commandTopics
        self.consumer = consumer
        self.producer = producer
    }

    /// The first setting that cannot work, described for a person, or `nil`.
    var problem: String? {
        if name.isEmpty { return "the participant needs a name" }
        if commandTopics.isEmpty || commandTopics.contains(where: \.isEmpty) { return "commandTopics must name at least one topic, none empty" }
        if deadLetterTopic.isEmpty { return "deadLetterTopic must not be empty" }
        if maxConcurrentCommands < 1 { return "maxConcurrentCommands must be 1 or more (it is \(maxConcurrentCommands))" }
        if maxBufferedCommands < maxConcurrentCommands {
            return "maxBufferedCommands (\(maxBufferedCommands)) must be at least maxConcurrentCommands (\(maxConcurrentCommands))"
        }
        if retryBackoff.initial <= .zero || retryBackoff.maximum < retryBackoff.initial {
            return "retryBackoff needs 0 < initial <= maximum"
        }
        if dedupeRetention <= .zero || purgeInterval <= .zero { return "dedupeRetention and purgeInterval must be positive" }
        return nil
    }

    /// The producer configuration with the settings the service relies on.
    var replyProducer: KafkaProducerConfiguration {
        var producer = producer
        producer.acks = .all
        producer.enableIdempotence = true
        return producer
    }
}
