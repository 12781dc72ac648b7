/// A topic to create with ``KafkaAdminClient/createTopics(_:timeout:)``.
public struct KafkaNewTopic: Sendable, Hashable {
    /// The topic name.
    public var name: String
    /// The number of partitions, `> 0`.
    public var partitionCount: Int32
    /// The replication factor, or `-1` for the broker's default. Default `-1`.
    public var replicationFactor: Int32
    /// Topic configs (e.g. `cleanup.policy`, `retention.ms`). Default none.
    public var configs: [String: String]

    /// - Parameters: the fields above.
    public init(name: String, partitionCount: Int32, replicationFactor: Int32 = -1, configs: [String: String] = [:]) {
        self.name = name
        self.partitionCount = partitionCount
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// A partition as the cluster metadata describes it.
public struct KafkaPartitionMetadata: Sendable, Hashable {
    /// The partition number.
    public var partition: Int32
    /// The leader broker's id (`-1` when there is none).
    public var leader: Int32
    /// The replica broker ids.
    public var replicas: [Int32]
    /// The in-sync replica broker ids.
    public var inSyncReplicas: [Int32]
}
