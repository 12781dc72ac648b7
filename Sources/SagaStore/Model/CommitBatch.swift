/// Everything one group commit writes, in one transaction, under one partition lease.
///
/// Either all of it is written or none of it: a stale lease (``SagaStoreError/Code/fenced``), a
/// start key held by another saga (``SagaStoreError/Code/startKeyConflict``) or any other error
/// leaves the store as it was.
public struct CommitBatch: Sendable, Hashable {
    /// The lease the batch is written under; its epoch is checked inside the transaction.
    public var lease: PartitionLease
    /// Sagas to insert or replace (by id). Each must belong to ``lease``'s partition.
    public var sagas: [SagaRecord]
    /// The next offset to consume, per input topic, for ``lease``'s partition number
    /// (for example `"saga.commands": 1234`). Replaces what was recorded.
    public var nextOffsets: [String: Int64]
    /// Messages to append to the outbox, in the order they are to be published.
    public var outbox: [OutboxMessage]
    /// Start keys to register for idempotent start.
    public var startKeys: [StartKeyRegistration]
    /// Progress events to add to their sagas' histories (each saga's newest ``progressLimit`` are
    /// kept; older entries of the sagas named are deleted in the same transaction).
    public var progress: [ProgressEntry]
    /// How many progress events are kept per saga; 0 (the default) writes no history.
    public var progressLimit: Int

    /// Makes a batch; every part defaults to empty.
    public init(
        lease: PartitionLease,
        sagas: [SagaRecord] = [],
        nextOffsets: [String: Int64] = [:],
        outbox: [OutboxMessage] = [],
        startKeys: [StartKeyRegistration] = [],
        progress: [ProgressEntry] = [],
        progressLimit: Int = 0
    ) {
        self.lease = lease
        self.sagas = sagas
        self.nextOffsets = nextOffsets
        self.outbox = outbox
        self.startKeys = startKeys
        self.progress = progress
        self.progressLimit = progressLimit
    }
}

/// What a commit wrote that the caller did not know before.
public struct CommitResult: Sendable, Hashable {
    /// The batch's outbox messages as stored, with their ids, in the batch's order: hand them to
    /// the relay, then mark them sent.
    public var outbox: [OutboxRecord]

    /// Makes a result; normally only stores do.
    public init(outbox: [OutboxRecord]) {
        self.outbox = outbox
    }
}
