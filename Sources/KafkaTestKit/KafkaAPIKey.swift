/// A Kafka protocol request kind (its API key), for fault injection.
public struct KafkaAPIKey: Sendable, Hashable {
    /// The numeric API key.
    public let rawValue: Int16
    /// - Parameter rawValue: the numeric API key.
    public init(_ rawValue: Int16) { self.rawValue = rawValue }

    /// Produce (0).
    public static let produce = KafkaAPIKey(0)
    /// Fetch (1).
    public static let fetch = KafkaAPIKey(1)
    /// ListOffsets (2).
    public static let listOffsets = KafkaAPIKey(2)
    /// Metadata (3).
    public static let metadata = KafkaAPIKey(3)
    /// OffsetCommit (8).
    public static let offsetCommit = KafkaAPIKey(8)
    /// OffsetFetch (9).
    public static let offsetFetch = KafkaAPIKey(9)
    /// FindCoordinator (10).
    public static let findCoordinator = KafkaAPIKey(10)
    /// JoinGroup (11).
    public static let joinGroup = KafkaAPIKey(11)
    /// Heartbeat (12).
    public static let heartbeat = KafkaAPIKey(12)
    /// LeaveGroup (13).
    public static let leaveGroup = KafkaAPIKey(13)
    /// SyncGroup (14).
    public static let syncGroup = KafkaAPIKey(14)
    /// InitProducerId (22).
    public static let initProducerId = KafkaAPIKey(22)
}

/// Some Kafka error codes to inject with ``EmbeddedKafkaBroker/pushRequestErrors(_:errors:)``.
public enum MockErrorCode {
    /// `NOT_LEADER_FOR_PARTITION` (retriable).
    public static let notLeaderForPartition: Int32 = 6
    /// `REQUEST_TIMED_OUT` (retriable).
    public static let requestTimedOut: Int32 = 7
    /// `NOT_ENOUGH_REPLICAS` (retriable).
    public static let notEnoughReplicas: Int32 = 19
    /// `TOPIC_AUTHORIZATION_FAILED` (not retriable).
    public static let topicAuthorizationFailed: Int32 = 29
    /// librdkafka's `_TRANSPORT`: the broker closes the connection.
    public static let transport: Int32 = -195
}
