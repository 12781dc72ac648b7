/// What a ``KafkaConsumer``'s owner is told when the group moves partitions, and how it picks
/// where newly assigned partitions start.
///
/// Both closures run synchronously inside the consumer's poll (on the thread that polls, never
/// the cooperative pool), before librdkafka's assignment changes: they must not block for long
/// and cannot `await`. After they return the consumer itself calls assign/unassign
/// (incrementally under the cooperative protocol).
public struct KafkaRebalanceHandler: Sendable {
    /// Called with newly assigned partitions; returns the offset each should start at (the next
    /// offset to read, i.e. last processed + 1). A partition missing from the result starts at
    /// the group's committed offset, or at `auto.offset.reset` when there is none.
    public var onAssign: @Sendable (_ partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition: KafkaOffset]
    /// Called with partitions taken away; `lost` is `true` when they were lost (session timeout,
    /// fenced) rather than handed over cleanly, so another member may already own them.
    public var onRevoke: @Sendable (_ partitions: [KafkaTopicPartition], _ lost: Bool) -> Void

    /// - Parameters:
    ///   - onAssign: start offsets for assigned partitions. Default: none (committed offsets).
    ///   - onRevoke: revoked partitions. Default: nothing.
    public init(
        onAssign: @escaping @Sendable (_ partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition: KafkaOffset] = { _ in [:] },
        onRevoke: @escaping @Sendable (_ partitions: [KafkaTopicPartition], _ lost: Bool) -> Void = { _, _ in }
    ) {
        self.onAssign = onAssign
        self.onRevoke = onRevoke
    }
}
