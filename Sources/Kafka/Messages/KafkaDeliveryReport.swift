/// Where the broker stored a produced message, once it acknowledged it.
public struct KafkaDeliveryReport: Sendable, Hashable {
    /// The topic.
    public var topic: String
    /// The partition the message went to.
    public var partition: Int32
    /// Its offset in that partition.
    public var offset: Int64
    /// Its timestamp, when known.
    public var timestamp: KafkaTimestamp?

    /// - Parameters: the fields above.
    public init(topic: String, partition: Int32, offset: Int64, timestamp: KafkaTimestamp? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
    }
}
