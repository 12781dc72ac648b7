/// A message to produce.
public struct KafkaProducerMessage: Sendable, Hashable {
    /// The topic to produce to.
    public var topic: String
    /// An explicit partition, or `nil` to let the producer's partitioner choose from the key
    /// (murmur2 by default, like the Java client; unkeyed messages are spread at random).
    public var partition: Int32?
    /// The key, or `nil`.
    public var key: [UInt8]?
    /// The value, or `nil` for a tombstone (a normal message with no value).
    public var value: [UInt8]?
    /// Record headers, in order; names may repeat.
    public var headers: [KafkaHeader]

    /// - Parameters:
    ///   - topic: the topic.
    ///   - partition: an explicit partition, or `nil` (default) for the partitioner.
    ///   - key: the key bytes, or `nil` (default).
    ///   - value: the value bytes, or `nil` for a tombstone.
    ///   - headers: headers (default none).
    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8]?,
        headers: [KafkaHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// A message whose key and value are the UTF-8 bytes of the given strings.
    public init(
        topic: String, partition: Int32? = nil, key: String?, value: String?,
        headers: [KafkaHeader] = []
    ) {
        self.init(topic: topic, partition: partition, key: key.map { Array($0.utf8) },
                  value: value.map { Array($0.utf8) }, headers: headers)
    }
}
