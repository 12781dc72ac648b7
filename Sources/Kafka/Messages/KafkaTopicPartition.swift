/// A partition of a topic.
public struct KafkaTopicPartition: Sendable, Hashable, CustomStringConvertible {
    /// The topic name.
    public var topic: String
    /// The partition number, from 0.
    public var partition: Int32

    /// - Parameters:
    ///   - topic: the topic name.
    ///   - partition: the partition number, from 0.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// A short text form, for logs.
    public var description: String { "\(topic)[\(partition)]" }
}
