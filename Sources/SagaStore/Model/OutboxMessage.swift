/// A Kafka message to publish after the transaction that wrote it commits.
public struct OutboxMessage: Sendable, Hashable {
    /// The topic to publish to.
    public var topic: String
    /// The partition to publish to, or `nil` to let the producer's partitioner choose from the key.
    public var partition: Int32?
    /// The message key (normally the saga id's bytes); `nil` for a message with no key.
    public var key: [UInt8]?
    /// The message value; `nil` for a tombstone.
    public var value: [UInt8]?
    /// The headers, in order; names may repeat.
    public var headers: [OutboxHeader]
    /// When the message was made, in milliseconds since the Unix epoch.
    public var createdAt: Int64

    /// Makes a message; see the properties for each field.
    public init(
        topic: String,
        partition: Int32? = nil,
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [OutboxHeader] = [],
        createdAt: Int64
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.createdAt = createdAt
    }
}

/// One Kafka header: a name and raw bytes.
public struct OutboxHeader: Sendable, Hashable {
    /// The header name.
    public var name: String
    /// The header value; `nil` for a header with no value.
    public var value: [UInt8]?

    /// Makes a header.
    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }
}

/// An outbox message as stored: with the id of the row that holds it and the saga partition that
/// wrote it.
///
/// A store keeps the messages one commit writes for one partition in one row, so the records of
/// a ``CommitResult`` share an id. Ids increase in write order and are never reused.
public struct OutboxRecord: Sendable, Hashable {
    /// The id of the row holding the message; pass it to ``SagaStore/markSent(_:)`` once
    /// every record that carries it is published.
    public var id: Int64
    /// The saga partition number that wrote the row (not the target partition).
    public var sagaPartition: Int32
    /// The message to publish.
    public var message: OutboxMessage

    /// Makes a record; normally only stores do.
    public init(id: Int64, sagaPartition: Int32, message: OutboxMessage) {
        self.id = id
        self.sagaPartition = sagaPartition
        self.message = message
    }
}
