/// What an owner needs to resume a partition: where to seek, what is in flight, what to relay.
public struct PartitionSnapshot: Sendable, Hashable {
    /// The lease the snapshot was read under.
    public var lease: PartitionLease
    /// The next offset to consume, per input topic, for this partition number.
    /// A topic with no entry has never been committed: start it from the beginning.
    public var nextOffsets: [String: Int64]
    /// The partition's sagas that are not terminal, ordered by id.
    public var activeSagas: [SagaRecord]
    /// The partition's outbox rows not yet marked sent, in the order they were written.
    public var unsentOutbox: [OutboxRecord]

    /// Makes a snapshot; normally only stores do.
    public init(
        lease: PartitionLease,
        nextOffsets: [String: Int64],
        activeSagas: [SagaRecord],
        unsentOutbox: [OutboxRecord]
    ) {
        self.lease = lease
        self.nextOffsets = nextOffsets
        self.activeSagas = activeSagas
        self.unsentOutbox = unsentOutbox
    }
}
