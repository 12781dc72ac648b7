/// A consumer group as the broker describes it (``KafkaAdminClient/describeConsumerGroups(_:timeout:)``).
public struct KafkaConsumerGroupDescription: Sendable, Hashable {
    /// One member of the group.
    public struct Member: Sendable, Hashable {
        /// The member's client id.
        public var clientID: String
        /// The member id the coordinator gave it.
        public var consumerID: String
        /// The host it connects from.
        public var host: String
    }

    /// The group id.
    public var groupID: String
    /// Its state: `Stable`, `PreparingRebalance`, `CompletingRebalance`, `Empty`, `Dead` or `Unknown`.
    public var state: String
    /// Its members now.
    public var members: [Member]
}
