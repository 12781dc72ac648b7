/// Configuration of a ``KafkaProducer``.
///
/// The typed fields cover what this project tunes; ``additionalProperties`` passes any other
/// librdkafka property through (SASL, TLS, tuning) and wins over the typed fields. An unknown or
/// invalid property makes the producer's initializer throw librdkafka's own message.
public struct KafkaProducerConfiguration: Sendable {
    /// `bootstrap.servers`: `host:port` of one or more brokers. No default.
    public var bootstrapServers: [String]
    /// `client.id`. Default `"saga"`.
    public var clientID: String = "saga"
    /// `acks`. Default ``KafkaAcks/all``.
    public var acks: KafkaAcks = .all
    /// `enable.idempotence`: no duplicates or reordering on retries. Default `true`.
    public var enableIdempotence: Bool = true
    /// `linger.ms`: how long to wait for more messages before sending a batch. Default 5 ms.
    public var linger: Duration = .milliseconds(5)
    /// `batch.num.messages`: most messages in one batch. Default 10,000.
    public var batchMaxMessages: Int = 10_000
    /// `batch.size`: most bytes in one batch. Default 1,000,000.
    public var batchMaxBytes: Int = 1_000_000
    /// `queue.buffering.max.messages`: most messages waiting in the producer. Default 100,000.
    public var queueMaxMessages: Int = 100_000
    /// `message.timeout.ms`: how long a message may take to be acknowledged, retries included,
    /// before its send fails. Default 300 s.
    public var messageTimeout: Duration = .seconds(300)
    /// `partitioner`. Default ``KafkaPartitionerStrategy/murmur2Random`` (the Java client's).
    public var partitioner: KafkaPartitionerStrategy = .murmur2Random
    /// `compression.codec`. Default ``KafkaCompression/none``.
    public var compression: KafkaCompression = .none
    /// Any other librdkafka property, applied last. Default empty.
    public var additionalProperties: [String: String] = [:]

    /// - Parameter bootstrapServers: `host:port` of one or more brokers.
    public init(bootstrapServers: [String]) {
        self.bootstrapServers = bootstrapServers
    }

    /// The librdkafka properties this configuration stands for.
    public var properties: [String: String] {
        var properties: [String: String] = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "client.id": clientID,
            "acks": acks.rawValue,
            "enable.idempotence": enableIdempotence ? "true" : "false",
            "linger.ms": "\(linger.wholeMilliseconds)",
            "batch.num.messages": "\(batchMaxMessages)",
            "batch.size": "\(batchMaxBytes)",
            "queue.buffering.max.messages": "\(queueMaxMessages)",
            "message.timeout.ms": "\(messageTimeout.wholeMilliseconds)",
            "partitioner": partitioner.rawValue,
            "compression.codec": compression.rawValue,
        ]
        properties.merge(additionalProperties) { _, new in new }
        return properties
    }
}
